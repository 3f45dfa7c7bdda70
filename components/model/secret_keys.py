"""Which keys of stored data name a secret, and a value with those secrets hidden.

Shared by the literal-secret rule (checks/literal_secrets.py), which refuses them, and
by the rules that refuse a whole value holding one (a generic app's `settings`, a
module-system key in `nixos`), whose message shows the value without the secret.
"""

from __future__ import annotations

import re
from typing import Any

HIDDEN = "<hidden>"

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
_SECRET_WORDS = frozenset({"token", "password", "passwd", "passphrase", "secret", "key", "apikey", "credentials"})
_PATH_WORDS = frozenset({"file", "files", "path", "paths", "dir", "dirs", "directory"})
_PUBLIC_WORDS = frozenset({"public", "pub"})


def secret_like(key: str) -> bool:
    """Whether `key` names a secret value (`ADMIN_TOKEN`, `smtpPassword`, `secret_key`),
    not a path to one (`passwordFile`, `SECRET_KEY_PATH`) or something public."""
    words = [w.lower() for w in _WORDS.findall(key)]
    if not words or words[-1] in _PATH_WORDS or _PUBLIC_WORDS & set(words):
        return False
    return bool(_SECRET_WORDS & set(words))


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
