"""No literal secret in the Nix store: a setting whose key names a secret needs `secrets:`.

Everything under a container's `settings` and `nixos`, and an OCI container's
`environment`, ends up in a world-readable file of the Nix store. A key that reads like
a secret (a token, password, secret or key) with a literal value is refused; keys whose
value is a path to such a secret (`*File`, `*Path`, `*Dir`) and a reference to the
site's `secrets` (`{_secret: NAME}`) pass.
"""

from __future__ import annotations

import re
from typing import Any

from components.model.checks.report import Report
from components.model.checks.secrets import SECRET_KEY
from components.model.site import Site
from components.model.workloads import workloads

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


def _walk(report: Report, loc: str, data: Any, how: str) -> None:
    if isinstance(data, dict):
        if set(data) == {SECRET_KEY}:
            return  # a reference: the secret's path goes to the store, not its value
        for key, value in data.items():
            here = f"{loc}.{key}"
            if isinstance(key, str) and secret_like(key) and _literal(value):
                report.error(
                    here,
                    "is a literal secret: it would be written to the world-readable Nix store",
                    "<hidden>",
                    hint=how,
                )
            else:
                _walk(report, here, value, how)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _walk(report, f"{loc}[{i}]", value, how)


def _literal(value: object) -> bool:
    return (isinstance(value, str) and value != "") or (isinstance(value, int | float) and not isinstance(value, bool))


HOW = {
    "container": "declare it under the site's `secrets:` (a file on the host) and write `{_secret: NAME}` "
    "here instead, with NAME in the container's `secrets` (see docs/secrets.md)",
    "oci": "put it in an environment file declared under the site's `secrets:` and list it in environmentFiles",
}


def check(site: Site, report: Report) -> None:
    """Refuse every literal secret of the site's workloads (what each writes into the
    store: components.model.workloads), each under its key."""
    for w in workloads(site):
        for loc, data in w.stored:
            _walk(report, loc, data, HOW.get(w.kind, HOW["container"]))
