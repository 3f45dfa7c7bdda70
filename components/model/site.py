"""The stack config as pydantic models: what a user writes under `nixedge:site`.

Field names follow NixOS where NixOS has a name for the thing (`hostAddress`,
`localAddress`, `bindMounts`, `stateVersion`), so the config reads like the module it
becomes. Unknown keys are refused: a typo must not pass silently.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from components.model.oci import OciContainer, PodmanNetwork
from components.model.releases import DEFAULT_RELEASE, NixosRelease
from components.model.shared import BindMount, HostFirewall, Route, Strict, User
from components.model.types import (
    AbsPath,
    Capability,
    CatchAll,
    ContainerName,
    CpuQuota,
    DeviceModifier,
    HostName,
    Hostname,
    IPv4,
    LocalDir,
    MemorySize,
    ModuleRef,
    NixData,
    NspawnFlag,
    Port,
    PrivateUsers,
    SecretName,
    SshDestination,
    StateVersion,
    Subnet,
    Unit,
    UnixName,
)


class LocalTarget(Strict):
    """Generated modules go to a directory on this machine (the dev stack)."""

    transport: Literal["local"] = Field(description="`local`: a directory on the machine that runs Pulumi.")
    path: LocalDir = Field(
        description="Directory that receives the generated modules; relative paths are "
        "relative to the project directory. No NUL, control characters or '..' segments.",
        min_length=1,
    )


class SshTarget(Strict):
    """Generated modules go to a NixOS host over the system OpenSSH client."""

    transport: Literal["ssh"] = Field(description="`ssh`: a NixOS host reached with the system OpenSSH client.")
    destination: SshDestination = Field(
        description="What `ssh` connects to: `root@seminar`, or a `Host` of ~/.ssh/config.",
        min_length=1,
        pattern=r"^[^\s-][^\s]*$",
    )
    port: Port | None = Field(default=None, description="SSH port when not 22 or ~/.ssh/config's.")
    path: AbsPath = Field(
        default="/etc/nixos/nixedge",
        description="Directory on the host that receives the generated modules.",
    )


class Activation(Strict):
    """How the host applies the new configuration after the modules are written."""

    mode: Literal["switch", "test", "boot", "none"] = Field(
        default="switch",
        description="`nixos-rebuild` action; `none` only writes the files.",
    )
    command: list[str] | None = Field(
        default=None,
        description="Command to run instead of `nixos-rebuild <mode>` (argv list).",
        min_length=1,
    )
    rollback: list[str] | None = Field(
        default=None,
        description="Command that undoes a failed activation, run after the previous modules are "
        "restored; default: the activation command again, which rebuilds the previous system "
        "(`nixos-rebuild switch --rollback` would go one generation too far after a build error).",
    )
    check: bool = Field(
        default=True,
        description="After activation, check from the host that each changed route's origin accepts TCP connections.",
    )


class Host(Strict):
    """The machine that runs the containers."""

    name: HostName = Field(description="Host name, used in every message and resource name.")
    renamed_from: HostName | None = Field(
        default=None,
        description="The host's name before a rename: its resources (tunnel, modules, records) keep their "
        "identity in Pulumi's state instead of being replaced. Remove it after the first `up` with the new name.",
    )
    target: LocalTarget | SshTarget = Field(discriminator="transport")
    activation: Activation = Field(default=Activation(), description="How the host applies new modules.")
    secrets_dir: AbsPath = Field(
        default="/var/lib/nixedge/secrets",
        description="Root-only directory on the host, outside the Nix store, for the tunnel credentials.",
    )
    nixos_release: NixosRelease = Field(
        default=DEFAULT_RELEASE,
        description='The NixOS release the host runs (`nixos-version`, e.g. `"25.11"`): the modules use what '
        "its nixpkgs offers (PostgreSQL's readiness unit, cloudflared's token file).",
    )
    firewall_backend: Literal["iptables", "nftables"] = Field(
        default="iptables",
        description="The host's firewall: `iptables` (NixOS's default) or `nftables` (a host with "
        "`networking.nftables.enable = true`). It picks the pattern of every container's veth in the "
        "rendered NAT and firewall rules: `ve-+` for iptables, `ve-*` for nftables.",
    )


class Network(Strict):
    """The private network the container veths live in."""

    subnet: Subnet = Field(
        description="IPv4 network of every container address, e.g. 192.168.100.0/24: a private unicast "
        "range no wider than a /16 (not loopback, link-local, multicast or reserved)."
    )
    trust_all_containers: bool = Field(
        default=False,
        description="Trust every container's veth on the host's firewall "
        "(`networking.firewall.trustedInterfaces`), as the seed did. RISK: every container, including "
        "one that runs outside code such as a CI runner, then reaches every port of the host, also "
        "services that listen without authentication. Left false, a container reaches only the host "
        "ports its `hostFirewall` grants (docs/security.md).",
    )
    podman: PodmanNetwork | None = Field(default=None, description="The Podman network of the ociContainers.")


class Zone(Strict):
    """A Cloudflare zone that public hostnames belong to."""

    name: Hostname = Field(description="The zone's apex domain, e.g. example.org.")
    zone_id: str | None = Field(
        default=None,
        description="Cloudflare zone id; looked up by name when left out.",
        pattern=r"^([0-9a-f]{32}|<[^>]+>)$",
    )


class Tunnel(Strict):
    """The Cloudflare Tunnel that publishes the routes."""

    name: str = Field(description="Tunnel name.", min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$")
    ingress: Literal["remote", "local"] = Field(
        default="remote",
        description="`remote`: ingress rules live at Cloudflare; `local`: rendered into "
        "NixOS `services.cloudflared` on the host.",
    )
    account_id: str | None = Field(
        default=None,
        description="Cloudflare account id. Left out, no Cloudflare resource is created (the dev stack).",
        pattern=r"^([0-9a-f]{32}|<[^>]+>)$",
    )
    tunnel_id: str | None = Field(
        default=None,
        description="Id of an existing tunnel to adopt instead of creating one.",
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
    )
    zones: list[Zone] = Field(min_length=1, description="Zones the routes' hostnames belong to.")
    catch_all: CatchAll = Field(
        default="http_status:404", description="The last ingress rule: what unmatched requests get."
    )
    tune_udp_buffers: bool = Field(
        default=False,
        description="Raise the host's UDP buffer limits that cloudflared's QUIC transport asks for.",
    )
    dns_records: list[DnsRecordConfig] = Field(default=[], description="Further DNS records in the zones.")
    dns_imports: dict[Hostname, str] = Field(
        default={},
        description="Existing DNS records to adopt instead of creating them: a route's hostname, or the "
        "name of one `dnsRecords` entry -> Cloudflare record id (or `<zone id>/<record id>`, 32 lowercase "
        "hex characters each), for moving a hand-made setup over without downtime.",
    )


class Postgresql(Strict):
    """A database on the host's PostgreSQL, reached through its bind-mounted socket."""

    database: UnixName | None = Field(default=None, description="Default: the user name.")


class AllowedDevice(Strict):
    """A device node the container may use (`containers.<name>.allowedDevices`)."""

    node: AbsPath = Field(description="Device node, e.g. /dev/net/tun.")
    modifier: DeviceModifier = Field(description="Access: a combination of r, w and m.")


class ForwardPort(Strict):
    """A host port forwarded into the container (`containers.<name>.forwardPorts`)."""

    host_port: Port = Field(description="Port on the host.")
    container_port: Port | None = Field(default=None, description="Default: the same as hostPort.")
    protocol: Literal["tcp", "udp"] = Field(default="tcp", description="tcp or udp.")
    allow_host_ssh: bool = Field(
        default=False,
        description="Allow hostPort to be the host's SSH port (tcp 22, or host.target.port): the forward "
        "sends every SSH connection to the host into the container, so only for a host whose sshd "
        "listens elsewhere.",
    )


class Resources(Strict):
    """Resource limits of `container@<name>.service` (systemd.resource-control)."""

    memory_high: MemorySize | None = Field(default=None, description="systemd MemoryHigh, e.g. 2G.")
    memory_max: MemorySize | None = Field(default=None, description="systemd MemoryMax, e.g. 4G.")
    cpu_quota: CpuQuota | None = Field(default=None, description="systemd CPUQuota, e.g. 200%.")


class Firewall(Strict):
    """The firewall inside the container."""

    mode: Literal["trusted", "ports"] = Field(
        default="trusted",
        description="`trusted`: trust eth0 wholesale (the seed's setup); `ports`: open only the "
        "routes' ports and those listed here.",
    )
    allowed_tcp_ports: list[Port] = Field(default=[], description="Further TCP ports to open (mode ports).")
    allowed_udp_ports: list[Port] = Field(default=[], description="UDP ports to open (mode ports).")


class Container(Strict):
    """One NixOS container (systemd-nspawn) and the service it runs."""

    app: Literal["forgejo", "atticd", "postgresql", "generic"] = Field(
        description="Preset that renders the service: forgejo, atticd, postgresql (a database "
        "server for the other containers), or generic (NixOS options as data under `nixos`)."
    )
    host_address: IPv4 | None = Field(
        default=None, description="Host side of the veth; allocated from the subnet when left out."
    )
    local_address: IPv4 | None = Field(default=None, description="Container side of the veth; allocated when left out.")
    user: User
    state_dir: AbsPath | None = Field(
        default=None,
        description="The service's data directory: bind-mounted read-write at the same path, "
        "created on the host by tmpfiles, owned by the user.",
    )
    state_dir_mode: str = Field(
        default="0750", pattern=r"^0[0-7]{3}$", description="Mode of the state directory (tmpfiles), e.g. 0750."
    )
    bind_mounts: list[BindMount] = Field(default=[], description="Host paths visible inside the container.")
    postgresql: Postgresql | None = Field(
        default=None,
        description="Use the host's PostgreSQL: database and owner role are ensured, "
        "/run/postgresql is mounted read-only, and the container starts after it.",
    )
    after: list[Unit] = Field(default=[], description="Host units container@<name> starts after.")
    requires: list[Unit] = Field(default=[], description="Host units container@<name> requires.")
    state_version: StateVersion = Field(description="`system.stateVersion` inside the container.")
    auto_start: bool = Field(default=True, description="Start the container at boot (NixOS autoStart).")
    wrapper: str | None = Field(
        default=None,
        description="Name of a command on the host PATH that runs the same command in the "
        "container (`nixos-container run`); default: none for generic apps, the preset's for "
        "forgejo (forgejo) and atticd (atticd-atticadm).",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$",
    )
    routes: list[Route] = Field(default=[], description="Public hostnames served by this container.")
    settings: NixData = Field(
        default={},
        description="The app's `services.<app>.settings`, merged over what the preset derives.",
    )
    environment_file: AbsPath | None = Field(
        default=None, description="atticd: `services.atticd.environmentFile` (mount it read-only)."
    )
    nixos: NixData = Field(
        default={},
        description="Further NixOS options inside the container, as data: `{services: {uptime-kuma: {enable: true}}}`.",
    )
    allow_privileged_ports: bool = Field(default=False, description="Allow route ports below 1024.")
    network: Literal["veth", "none"] = Field(
        default="veth",
        description="`veth`: a private network with a host and a local address; `none`: a "
        "private network without addresses (reached only through bind-mounted sockets).",
    )
    private_users: PrivateUsers = Field(
        default="no",
        description="NixOS privateUsers: user namespacing (`pick` is the safest); bind mounts are then id-mapped.",
    )
    ephemeral: bool = Field(default=False, description="Empty root file system at every start.")
    allowed_devices: list[AllowedDevice] = Field(default=[], description="Device nodes the container may use.")
    additional_capabilities: list[Capability] = Field(
        default=[], description="Capabilities granted to the container, e.g. CAP_NET_ADMIN."
    )
    extra_flags: list[NspawnFlag] = Field(
        default=[], description="Extra systemd-nspawn flags, e.g. --drop-capability=CAP_SYS_CHROOT."
    )
    resources: Resources = Field(default=Resources(), description="Resource limits of container@<name>.")
    firewall: Firewall = Field(default=Firewall(), description="The firewall inside the container.")
    host_firewall: HostFirewall = Field(
        default=HostFirewall(),
        description="Ports of the host this container may reach through its veth; by default none "
        "(a socket bind-mounted from the host, such as PostgreSQL's, needs no port).",
    )
    forward_ports: list[ForwardPort] = Field(default=[], description="Host ports forwarded into the container.")
    secrets: list[SecretName] = Field(
        default=[],
        description="Names from the site's `secrets` this container reads: each is bind-mounted "
        "read-only at its path, and the container starts after the unit that installs it.",
    )
    imports: list[ModuleRef] = Field(
        default=[],
        description="Further NixOS modules for inside the container, by reference: a path "
        "relative to the stack file's project (shipped with the generated modules), or "
        "`flake:<input>.<attr path>` (needs `inputs` in the host's specialArgs).",
    )

    @property
    def database(self) -> str | None:
        """The database it owns on its PostgreSQL (`postgresql.database`, default the user name), or None."""
        return None if self.postgresql is None else self.postgresql.database or self.user.name


class SharedPostgresql(Strict):
    """Where the PostgreSQL that containers use runs."""

    container: ContainerName | None = Field(
        default=None,
        description="Name of a container with app `postgresql`; left out, the host's PostgreSQL (the seed's setup).",
    )


class Origin(Strict):
    """A public route to something that is not a NixOS container managed here."""

    kind: Literal["host", "guest"] = Field(
        description="`host`: a service on the host itself (loopback); `guest`: another guest "
        "such as a microVM, whose address is checked against the containers'."
    )
    address: IPv4 = Field(description="Where cloudflared reaches it, e.g. 127.0.0.1 or 192.168.100.50.")
    routes: list[Route] = Field(min_length=1, description="Public hostnames served by this origin.")
    allow_privileged_ports: bool = Field(default=False, description="Allow route ports below 1024.")


class SecretRef(Strict):
    """A secret installed on the host by sops-nix or agenix: nixedge never reads it."""

    provider: Literal["sops-nix", "agenix"] = Field(description="What installs the secret on the host.")
    path: AbsPath = Field(description="Where the provider installs it, e.g. /run/secrets/atticd-env.")
    unit: Unit | None = Field(
        default=None,
        description="The unit that installs it, which containers using it start after; left out "
        "when the provider installs secrets during activation (its default).",
    )


class DnsRecordConfig(Strict):
    """A DNS record that is not a tunnel CNAME (e.g. an unproxied A record to a VPN address)."""

    name: Hostname = Field(description="Record name, inside one of tunnel.zones.")
    type: Literal["A", "AAAA", "CNAME", "TXT"] = Field(description="Record type.")
    content: str = Field(
        min_length=1, max_length=2048, description="An address for A/AAAA, a host name for CNAME, text for TXT."
    )
    proxied: bool = Field(default=False, description="Proxied through Cloudflare (orange cloud).")
    ttl: int = Field(
        default=1,
        description="Seconds (60 to 86400), or 1 for automatic; proxied records are always 1.",
        ge=1,
        le=86400,
    )


class Site(Strict):
    """Everything nixedge knows about one host: the root of `nixedge:site`."""

    host: Host = Field(description="The machine that runs the containers and how it is reached.")
    network: Network = Field(description="The containers' private network.")
    tunnel: Tunnel | None = Field(
        default=None, description="The Cloudflare Tunnel in front of the routes; left out, nothing is published."
    )
    postgresql: SharedPostgresql = Field(
        default=SharedPostgresql(), description="Where the PostgreSQL that containers use runs."
    )
    secrets: dict[SecretName, SecretRef] = Field(
        default={}, description="Secrets by reference, for containers' `secrets`."
    )
    origins: dict[ContainerName, Origin] = Field(
        default={}, description="Public routes to services that are not containers."
    )
    containers: dict[ContainerName, Container] = Field(min_length=1)
    oci_containers: dict[ContainerName, OciContainer] = Field(default={}, description="Apps run from OCI images.")


Site.model_rebuild()
