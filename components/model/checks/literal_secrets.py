"""No literal secret in the Nix store: a setting whose key names a secret needs `secrets:`.

Everything under a container's `settings` and `nixos`, an OCI container's `environment`,
and the command lines (an OCI container's `cmd`, a NixOS container's `extraFlags`) end
up in a world-readable file of the Nix store. A key that reads like
a secret (a token, password, secret or key) with a literal value is refused; keys whose
value is a path to such a secret (`*File`, `*Path`, `*Dir`) and a reference to the
site's `secrets` (`{_secret: NAME}`) pass. A value another rule refuses whole (a
generic app's `settings`, a module-system key such as `key` or `config` in `nixos`) is
not written anywhere either: it gets that rule's one error, not a second one here.
"""

from __future__ import annotations

from typing import Any

from components.model.checks.isolation import MODULE_SYSTEM_KEYS
from components.model.checks.report import Report
from components.model.checks.secrets import SECRET_KEY
from components.model.presets import PRESETS
from components.model.secret_keys import HIDDEN, literal, secret_like
from components.model.site import Site
from components.model.workloads import workloads

__all__ = ["HOW", "check", "refused_whole", "secret_like"]


STORED = "is a literal secret: it would be written to the world-readable Nix store"


def _walk(report: Report, loc: str, data: Any, how: str, refused: frozenset[str]) -> None:
    if isinstance(data, dict):
        if set(data) == {SECRET_KEY}:
            return  # a reference: the secret's path goes to the store, not its value
        for key, value in data.items():
            here = f"{loc}.{key}"
            if here in refused:
                continue
            if isinstance(key, str) and secret_like(key) and literal(value):
                report.error(here, STORED, HIDDEN, hint=how)
            elif isinstance(key, str) and secret_like(key) and isinstance(value, list):
                for i, item in enumerate(value):  # `tokens: [...]`: each one a secret
                    if literal(item):
                        report.error(f"{here}[{i}]", STORED, HIDDEN, hint=how)
            else:
                _walk(report, here, value, how, refused)
    elif isinstance(data, list):
        for i, value in enumerate(data):
            _walk(report, f"{loc}[{i}]", value, how, refused)


HOW = {
    "container": "declare it under the site's `secrets:` (a file on the host) and write `{_secret: NAME}` "
    "here instead, with NAME in the container's `secrets` (see docs/secrets.md)",
    "oci": "put it in an environment file declared under the site's `secrets:` and list it in environmentFiles",
}


HOW_ARGUMENT = {
    "container": "declare it under the site's `secrets:` (a file on the host), list it in the container's "
    "`secrets` and point the service at its path",
    "oci": "put it in an environment file declared under the site's `secrets:` and list it in environmentFiles, "
    "or mount a file the app reads",
}


def refused_whole(site: Site) -> frozenset[str]:
    """Keys of stored data that another rule refuses with their whole value: a generic
    app's `settings` (presets/generic.py) and the module system's keys at the top of
    `nixos` (checks/isolation.py)."""
    out: set[str] = set()
    for name, c in site.containers.items():
        loc = f"containers.{name}"
        if c.settings and not PRESETS[c.app].takes_settings:
            out.add(f"{loc}.settings")
        out.update(f"{loc}.nixos.{key}" for key in MODULE_SYSTEM_KEYS if key in c.nixos)
    return frozenset(out)


def _arguments(report: Report, arguments: tuple[tuple[str, str], ...], how: str) -> None:
    """A secret on a command line (`--password=x`, `--token x`, nspawn's
    `--setenv=API_TOKEN=x`): the line is stored as it is, like settings."""
    for n, (loc, arg) in enumerate(arguments):
        name, equals, value = arg.removeprefix("--setenv=").lstrip("-").partition("=")
        if not arg.startswith("-") or not secret_like(name):
            continue
        if equals and value:
            report.error(loc, STORED, HIDDEN, hint=how)
        elif not equals and n + 1 < len(arguments) and not arguments[n + 1][1].startswith("-"):
            report.error(arguments[n + 1][0], f"follows {arg}: {STORED}", HIDDEN, hint=how)


def check(site: Site, report: Report) -> None:
    """Refuse every literal secret of the site's workloads (what each writes into the
    store: components.model.workloads), each under its key, once."""
    refused = refused_whole(site)
    for w in workloads(site):
        how = HOW.get(w.kind, HOW["container"])
        for loc, data in w.stored:
            if loc not in refused:
                _walk(report, loc, data, how, refused)
        _arguments(report, w.arguments, HOW_ARGUMENT.get(w.kind, how))
