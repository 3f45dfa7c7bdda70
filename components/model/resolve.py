"""Check the invariants that span several keys, and derive the resolved site.

pydantic checks each value alone; the modules of `components.model.checks` check, one
topic each, what only the whole site can show (unique addresses, ids and hostnames,
zones, mounts, ports) and derive what the seed computed by hand (addresses, users,
mounts, routes, app settings). This module only runs them in order and assembles the
result. Every problem is collected, so one run reports them all.
"""

from __future__ import annotations

from typing import Any

from components.errors import ConfigError, Issue
from components.model.checks import (
    addresses,
    dns,
    host,
    identities,
    isolation,
    literal_secrets,
    mounts,
    oci,
    order,
    postgresql,
    routes,
    secrets,
)
from components.model.checks.report import Report
from components.model.host_access import host_access
from components.model.module_paths import shipped_import
from components.model.modules import ModuleTexts, module_files
from components.model.presets import PRESETS, merge_settings
from components.model.presets.postgresql import server_service
from components.model.resolved import (
    Mount,
    PodmanNet,
    PostgresqlServer,
    ResolvedContainer,
    ResolvedOciContainer,
    ResolvedSite,
    ServiceUser,
)
from components.model.site import Container, Site


def _import_expr(ref: str) -> str:
    """The Nix expression that imports a module reference (see Container.imports)."""
    if ref.startswith("flake:"):
        return "inputs." + ref[len("flake:") :]
    return shipped_import(ref)


class _Resolver:
    def __init__(self, site: Site, modules: ModuleTexts) -> None:
        self.site = site
        self.modules = modules
        self.report = Report()

    def service(self, name: str, c: Container, pg: PostgresqlServer | None) -> dict[str, Any]:
        """The app's `services.<app>`: the preset's derivation, the user's settings, the app's rules."""
        loc = f"containers.{name}"
        preset = PRESETS[c.app]
        derived = preset.derive(loc, c)
        service = derived.service
        if preset.takes_settings:
            settings, refused = merge_settings(
                service.get("settings", {}), c.settings, derived.sources, f"{loc}.settings"
            )
            self.report.issues += [Issue(key_loc, message, value) for key_loc, message, value in refused]
            service = {k: v for k, v in service.items() if k != "settings"}
            if settings:
                service["settings"] = secrets.substitute(
                    self.site, self.report, f"{loc}.settings", settings, loc, c.secrets
                )
        self.report.issues += preset.check(loc, c)
        if pg is not None and pg.container == name:
            service = server_service(service, (self.site.containers[n] for n in pg.clients))
        postgresql.client_database(self.report, loc, c)
        return service

    def container(
        self,
        name: str,
        c: Container,
        allocated: dict[str, tuple[str, str]],
        mounts: tuple[Mount, ...],
        pg: PostgresqlServer | None,
    ) -> ResolvedContainer:
        site, report, loc = self.site, self.report, f"containers.{name}"
        host_address, local_address = addresses.container_addresses(name, c, allocated)
        identities.long_name(report, name)
        service = self.service(name, c, pg)
        units = postgresql.units(c, pg)
        units += [u for u in secrets.units(site, c) if u not in units]
        public = routes.container_routes(site, report, name, c, local_address)
        tcp, udp = isolation.firewall(c, public)
        return ResolvedContainer(
            name=name,
            app=c.app,
            host_address=host_address,
            local_address=local_address,
            user=ServiceUser(c.user.name, c.user.group or c.user.name, c.user.uid, c.user.gid),
            state_dir=c.state_dir,
            state_dir_mode=c.state_dir_mode,
            mounts=mounts,
            after=tuple(units + [u for u in c.after if u not in units]),
            requires=tuple(units + [u for u in c.requires if u not in units]),
            state_version=c.state_version,
            auto_start=c.auto_start,
            wrapper=c.wrapper if c.wrapper is not None else PRESETS[c.app].default_wrapper,
            routes=public,
            service=service,
            nixos=secrets.substitute(site, report, f"{loc}.nixos", c.nixos, loc, c.secrets),
            database=c.database,
            addresses_allocated=name in allocated,
            isolation=isolation.isolation(report, name, c),
            firewall_tcp=tcp,
            firewall_udp=udp,
            imports=tuple(_import_expr(ref) for ref in c.imports),
            shared_user=c.user.shared,
        )

    def oci(
        self, allocated: dict[str, tuple[str, str]], container_mounts: dict[str, tuple[Mount, ...]]
    ) -> tuple[PodmanNet | None, list[ResolvedOciContainer]]:
        """The OCI containers (components.model.checks.oci); and no mount of any container
        reaches another's state directory."""
        site, report = self.site, self.report
        podman = oci.podman_network(site, report)
        oci.names_and_ports(site, report)
        addresses = oci.addresses(site, report, podman, allocated) if podman else {}
        oci_mounts = {name: oci.oci_mounts(site, report, name, o) for name, o in site.oci_containers.items()}
        mounts.foreign_state_dirs(site, report, container_mounts | oci_mounts)
        mounts.read_on_host(site, report)
        mounts.state_dir_modes(site, report)
        mounts.state_dir_places(site, report)
        # Without a Podman network (an error said already) each container is still checked,
        # at no address, so that its other errors come in the same round.
        resolved = [
            oci.oci_container(site, report, name, addresses.get(name, ("", False)), oci_mounts[name])
            for name in sorted(site.oci_containers)
            if name in addresses or podman is None
        ]
        return podman, resolved

    def run(self) -> ResolvedSite:
        site, report = self.site, self.report
        identities.host_name(site, report)
        identities.namespace(site, report)
        allocated = addresses.check_addresses(site, report)
        identities.users(site, report)
        routes.unique_hostnames(site, report)
        isolation.host_ports(site, report)
        isolation.user_ranges(site, report)
        access, access_issues = host_access(site)
        report.issues += access_issues
        pg = postgresql.server(site, report)
        routes.zones_listed_twice(site, report)
        resolved_mounts = {
            name: mounts.container_mounts(site, report, name, c, pg) for name, c in site.containers.items()
        }
        podman, oci_containers = self.oci(allocated, resolved_mounts)
        mounts.host_paths(site, report)
        order.start_order(site, report)
        literal_secrets.check(site, report)
        containers = [
            self.container(name, c, allocated, resolved_mounts[name], pg) for name, c in sorted(site.containers.items())
        ]
        origin_routes = routes.origin_routes(site, report)
        tunnel = dns.resolved_tunnel(site, report)
        files = module_files(site, report, self.modules)
        if report.issues:
            raise ConfigError(report.issues)
        return ResolvedSite(
            host=site.host.name,
            renamed_from=site.host.renamed_from,
            subnet=site.network.subnet,
            target=site.host.target.model_dump(by_alias=True, exclude_none=True),
            activation_command=host.activation_command(site),
            rollback_command=host.rollback_command(site),
            check_origins=host.check_origins(site),
            secrets_dir=site.host.secrets_dir,
            tunnel=tunnel,
            containers=tuple(containers),
            warnings=tuple(report.warnings),
            origin_routes=origin_routes,
            postgresql=pg,
            host_access=access,
            oci_containers=tuple(oci_containers),
            podman=podman,
            module_files=files,
            nixos_release=site.host.nixos_release,
        )


def resolve(site: Site, modules: ModuleTexts) -> ResolvedSite:
    """The complete resolved site, or ConfigError listing every invariant the site breaks.
    `modules`: the texts of the module files containers import by path (no default: a
    resolve without them would call every imported file missing)."""
    return _Resolver(site, modules).run()
