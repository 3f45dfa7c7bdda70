"""PostgreSQL as a container: databases and roles follow the containers that use it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from components.errors import Issue
from components.model.presets.base import Derived, Preset, no_environment_file
from components.model.site import Container


def derive(loc: str, c: Container) -> Derived:
    # Databases and roles are added by `server_service`, from the containers that use it.
    return Derived({"enable": True}, {})


def server_service(service: dict[str, Any], clients: Iterable[Container]) -> dict[str, Any]:
    """The server's service with a database and an owner role per client."""
    clients = list(clients)
    return {
        **service,
        "ensureDatabases": sorted({c.database for c in clients if c.database}),
        "ensureUsers": [{"name": u, "ensureDBOwnership": True} for u in sorted({c.user.name for c in clients})],
    }


# nixpkgs' postgresql.nix sets users.users.postgres.uid = config.ids.uids.postgres and
# the group's gid alike (both 71): any other id is a conflicting definition in NixOS.
POSTGRES_ID = 71


def check(loc: str, c: Container) -> list[Issue]:
    issues = no_environment_file(loc, c)
    for key, value in (("uid", c.user.uid), ("gid", c.user.gid)):
        if value is not None and value != POSTGRES_ID:
            issues.append(
                Issue(
                    f"{loc}.user.{key}",
                    f"must be {POSTGRES_ID}: nixpkgs' postgresql module fixes the postgres user's {key} "
                    f"(ids.{key}s.postgres), and NixOS refuses a conflicting definition",
                    value,
                    hint=f"set {loc}.user.{key}: {POSTGRES_ID}",
                )
            )
    if c.postgresql is not None:
        issues.append(Issue(f"{loc}.postgresql", "is set on the PostgreSQL server itself", has_value=False))
    return issues


PRESET = Preset(
    # Reached through its socket only: TCP would need enableTCPIP and pg_hba rules.
    protocols=frozenset(),
    max_routes={},
    derive=derive,
    default_wrapper=None,
    check=check,
)
