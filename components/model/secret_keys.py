"""Which keys of stored data name a secret, and a value with those secrets hidden.

Shared by the literal-secret rule (checks/literal_secrets.py), which refuses them, by
the rules that refuse a whole value holding one (a generic app's `settings`, a
module-system key in `nixos`), whose message shows the value without the secret, and by
every error message that echoes a value (`echoed`: components/errors.py, the stack-file
room), so that no secret reaches a terminal or a CI log.
"""

from __future__ import annotations

import ast
import re
from typing import Any

HIDDEN = "<hidden>"

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SECRET_WORDS = frozenset({"token", "password", "passwd", "passphrase", "secret", "key", "apikey", "credentials"})
# Plurals that hold secrets (`tokens: [...]`); not `keys`, which is mostly public
# (`openssh.authorizedKeys.keys`), nor `secrets`, which names secrets (`secrets: [name]`).
_SECRET_WORDS |= {"tokens", "passwords", "passwds", "passphrases"}
# `DB_PASS`, and the words run together that env files are full of (`ADMINTOKEN`, `SECRETKEY`).
_SECRET_WORDS |= {"pass", "secretkey", "privatekey", "accesskey"}
_SECRET_ENDINGS = ("token", "password", "passwd", "passphrase", "secret")
_PATH_WORDS = frozenset({"file", "files", "path", "paths", "dir", "dirs", "directory"})
_PUBLIC_WORDS = frozenset({"public", "pub"})
# A last word that says something about a secret, not the secret: `TOKEN_TTL: 3600`,
# `PASSWORD_MIN_LENGTH: 12`, `SECRET_NAME: x`, `API_KEY_ID: x`.
_ABOUT_WORDS = frozenset(
    {"ttl", "expiry", "expires", "lifetime", "timeout", "length", "min", "max", "age", "days", "hours"}
    | {"minutes", "seconds", "size", "enable", "enabled", "required", "policy", "algorithm", "type", "name"}
    | {"id", "url", "endpoint", "header", "count", "rounds", "cost", "format"}
)


def secret_like(key: str) -> bool:
    """Whether `key` names a secret value (`ADMIN_TOKEN`, `smtpPassword`, `secret_key`,
    `DB_PASS`, `ADMINTOKEN`), not a path to one (`passwordFile`, `SECRET_KEY_PATH`),
    something about one (`TOKEN_TTL`) or something public."""
    words = [w.lower() for w in _WORDS.findall(key)]
    if not words or words[-1] in _PATH_WORDS | _ABOUT_WORDS or _PUBLIC_WORDS & set(words):
        return False
    return bool(_SECRET_WORDS & set(words)) or any(w.endswith(_SECRET_ENDINGS) for w in words)


def literal(value: object) -> bool:
    """A value written as it is: a non-empty string or a number."""
    return (isinstance(value, str) and value != "") or (isinstance(value, int | float) and not isinstance(value, bool))


def redacted(value: Any, key: object = None) -> Any:
    """`value` (found under `key`) with every literal under a secret-like key hidden."""
    if isinstance(key, str) and secret_like(key) and literal(value):
        return HIDDEN
    if isinstance(value, dict):
        return {k: redacted(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    return value


def _hidden(value: Any) -> Any:
    """`value` with every literal in it hidden; its keys, booleans and nulls kept."""
    if isinstance(value, dict):
        return {k: _hidden(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hidden(v) for v in value]
    return HIDDEN if literal(value) else value


_KEY = re.compile(r"\[\d+\]|\[('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]|([^.\[\]]+)")
REFERENCE = "_secret"  # `{_secret: NAME}`: NAME is the name of a secret, not its value


def keys_of(loc: str) -> list[str]:
    """The keys that `loc` (a dotted key path as errors print it) names, list indexes
    left out: `a['b.c'].TOKEN[0]` -> ['a', 'b.c', 'TOKEN']."""
    out: list[str] = []
    for quoted, plain in _KEY.findall(loc):
        if quoted:
            out.append(str(ast.literal_eval(quoted)))
        elif plain:
            out.append(plain)
    return out


def secret_at(loc: str) -> bool:
    """Whether the last key of `loc` names a secret (`secret_like`); not the name of
    one (a key of the site's `secrets`, a `{_secret: NAME}` reference)."""
    keys = keys_of(loc)
    if not keys or keys[-1] == REFERENCE or keys[-2:-1] == ["secrets"]:
        return False
    return secret_like(keys[-1])


# The scheme is bounded (real ones are short): unbounded, each start in a long run of
# letters scanned to its end for "://", quadratic (a 1 MB stateDir took minutes).
_URL_PASSWORD = re.compile(r"([A-Za-z][A-Za-z0-9+.-]{0,31}://[^/\s:@]*:)[^@/\s]+@")


def _assigns_secret(text: str) -> bool:
    """Whether `text` sets a secret on a command line or in an environment:
    `--password=x`, `--setenv=API_TOKEN=x`, `ADMIN_TOKEN=x`."""
    name, equals, _ = text.removeprefix("--setenv=").lstrip("-").partition("=")
    return bool(equals) and secret_like(name)


# Keys whose whole value goes to the store as data: text there is likely `KEY=secret`.
_STORED = frozenset({"settings", "nixos", "environment"})


def echoed(loc: str, value: Any) -> Any:
    """`value` (found at `loc`) as an error message may show it: hidden under a key that
    names a secret; a mapping with its keys and every value in it hidden (shown whole, it
    may hold a secret under any key: `settigns: {ADMIN_TOKEN: ...}`, a URL with a
    password); anything written where stored data goes (`nixos: "TOKEN=..."`); lists
    with the mappings in them so; a plain value (a port, an address)
    as it is, which is what its author needs to fix it."""
    if secret_at(loc) or isinstance(value, dict) or _STORED.intersection(keys_of(loc)[-1:]):
        return _hidden(value)
    if isinstance(value, str) and _assigns_secret(value):
        return HIDDEN
    if isinstance(value, str):
        return _URL_PASSWORD.sub(rf"\1{HIDDEN}@", value)  # http://user:<hidden>@host
    if isinstance(value, list):
        return [_hidden(v) if isinstance(v, dict | list) else v for v in value]
    return value
