"""PostgreSQL: the one server container, its clients, their databases and the socket they share."""

from __future__ import annotations

from components.model.checks.report import Report
from components.model.resolved import Mount, PostgresqlServer
from components.model.site import Container, Site

POSTGRESQL_SOCKET = "/run/postgresql"
POSTGRESQL_UNIT = "postgresql.service"


def server(site: Site, report: Report) -> PostgresqlServer | None:
    """The server that postgresql.container names, or None for the host's PostgreSQL."""
    name = site.postgresql.container
    servers = sorted(n for n, c in site.containers.items() if c.app == "postgresql")
    if name is None:
        for other in servers:
            report.error(
                f"containers.{other}.app",
                "is postgresql, but postgresql.container does not name it",
                "postgresql",
                hint=f"set postgresql: {{container: {other}}} so that clients use it",
            )
        return None
    c = site.containers.get(name)
    if c is None:
        report.error(
            "postgresql.container", f"names no container (containers: {', '.join(sorted(site.containers))})", name
        )
        return None
    if c.app != "postgresql":
        report.error("postgresql.container", f"names containers.{name}, whose app is {c.app}, not postgresql", name)
        return None
    for other in servers:
        if other != name:
            report.error(
                f"containers.{other}.app",
                f"is postgresql, but postgresql.container names {name}: clients use that one server",
                "postgresql",
                hint="a second PostgreSQL needs app: generic with services.postgresql under nixos",
            )
    clients = sorted(n for n, c in site.containers.items() if c.postgresql is not None and n != name)
    return PostgresqlServer(
        container=name,
        socket_dir=f"/run/nixedge/{name}",
        ready_unit=f"nixedge-{name}-ready.service",
        clients=tuple(clients),
    )


def client_database(report: Report, loc: str, c: Container) -> None:
    """A client's database is named after its user (NixOS ensureDBOwnership)."""
    if c.postgresql is not None and c.database != c.user.name:
        report.error(
            f"{loc}.postgresql.database",
            f"must equal the user name ({c.user.name}): NixOS ensureDBOwnership "
            "gives a role only the database of its own name",
            c.postgresql.database,
        )


def socket_mounts(name: str, c: Container, pg: PostgresqlServer | None, mounts: list[Mount]) -> list[Mount]:
    """`mounts` with the PostgreSQL socket directory the container needs, if any."""
    loc = f"containers.{name}.postgresql"
    if pg is not None and (name == pg.container or c.postgresql is not None):
        # The server's socket directory lives on the host, shared with its clients.
        mounts = [m for m in mounts if m.path != POSTGRESQL_SOCKET]
        return [*mounts, Mount(POSTGRESQL_SOCKET, pg.socket_dir, name != pg.container, loc)]
    if c.postgresql is not None and not any(m.path == POSTGRESQL_SOCKET for m in mounts):
        return [*mounts, Mount(POSTGRESQL_SOCKET, POSTGRESQL_SOCKET, True, loc)]
    return mounts


def units(c: Container, pg: PostgresqlServer | None) -> list[str]:
    """Host units a client starts after: the server's readiness, or the host's PostgreSQL."""
    if c.postgresql is None:
        return []
    return [pg.ready_unit] if pg is not None else [POSTGRESQL_UNIT]
