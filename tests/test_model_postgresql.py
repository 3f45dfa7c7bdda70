"""PostgreSQL (components/model/checks/postgresql.py and its preset): one server container
that postgresql.container names, clients whose database is named after their user, a
server that is no client of itself and serves no route.

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included.
"""

from __future__ import annotations

import pytest

from tests.model_cases import FJ, PG, A, homelab_lines, multiservice_site, seed_lines
from tests.site_mutations import DELETE, Mutation, put

SEED_CASES = [
    pytest.param(
        put((f"{A}.postgresql", {"database": "cache"})),
        [
            (
                f"{A}.postgresql.database: must equal the user name (atticd): NixOS ensureDBOwnership gives a role "
                "only the database of its own name (got: 'cache')"
            )
        ],
        id="database-not-named-after-user",
    ),
]


HOMELAB_CASES = [
    pytest.param(
        put(("postgresql.container", "pg")),
        ["postgresql.container: names no container (containers: forgejo, postgres, runner1, runner2, vpn) (got: 'pg')"],
        id="postgresql-container-missing",
    ),
    pytest.param(
        put(("postgresql.container", "vpn")),
        ["postgresql.container: names containers.vpn, whose app is generic, not postgresql (got: 'vpn')"],
        id="postgresql-container-not-postgresql",
    ),
    pytest.param(
        put(("postgresql", DELETE)),
        [
            f"{PG}.app: is postgresql, but postgresql.container does not name it (got: 'postgresql')",
            "  Hint: set postgresql: {container: postgres} so that clients use it",
        ],
        id="postgresql-app-not-named",
    ),
    pytest.param(
        put(
            (
                "containers.pg2",
                {
                    **multiservice_site()["containers"]["postgres"],
                    "user": {"name": "pg2", "uid": 72, "gid": 72},
                    "stateDir": "/var/lib/pg2",
                },
            )
        ),
        [
            (
                "containers.pg2.app: is postgresql, but postgresql.container names postgres: clients use that one "
                "server (got: 'postgresql')"
            ),
            "  Hint: a second PostgreSQL needs app: generic with services.postgresql under nixos",
            (
                "containers.pg2.user.uid: must be 71: nixpkgs' postgresql module fixes the postgres user's uid "
                "(ids.uids.postgres), and NixOS refuses a conflicting definition (got: 72)"
            ),
            "  Hint: set containers.pg2.user.uid: 71",
            (
                "containers.pg2.user.gid: must be 71: nixpkgs' postgresql module fixes the postgres user's gid "
                "(ids.gids.postgres), and NixOS refuses a conflicting definition (got: 72)"
            ),
            "  Hint: set containers.pg2.user.gid: 71",
        ],
        id="second-postgresql-app",
    ),
    pytest.param(
        put((f"{FJ}.postgresql.database", "git")),
        [
            (
                f"{FJ}.postgresql.database: must equal the user name (forgejo): NixOS ensureDBOwnership gives a role "
                "only the database of its own name (got: 'git')"
            )
        ],
        id="database-not-user-name",
    ),
    pytest.param(
        put((f"{PG}.postgresql", {})),
        [f"{PG}.postgresql: is set on the PostgreSQL server itself"],
        id="postgresql-server-is-its-own-client",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), SEED_CASES)
def test_invalid_seed_config(mutation: Mutation, expected: list[str]) -> None:
    assert seed_lines(mutation) == expected


@pytest.mark.parametrize(("mutation", "expected"), HOMELAB_CASES)
def test_invalid_homelab_config(mutation: Mutation, expected: list[str]) -> None:
    assert homelab_lines(mutation) == expected


def test_postgresql_serves_no_route() -> None:
    route = [{"hostname": "db.example.org", "protocol": "tcp", "port": 5432}]
    lines = homelab_lines(put(("containers.postgres.network", "veth"), ("containers.postgres.routes", route)))
    assert (
        "containers.postgres.routes[0].protocol: is not served by app postgresql (it serves no route) (got: 'tcp')"
        in lines
    )
