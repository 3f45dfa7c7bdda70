"""The keys NixOS containers (site.py) and OCI containers (oci.py) share: the strict
base of every model, routes, bind mounts, the service user and the host firewall."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from components.model.types import AbsPath, Hostname, Id, Port, UnixName


class Strict(BaseModel):
    """Base: camelCase keys in YAML, no unknown keys, no silent type coercion."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        strict=True,
        frozen=True,
    )


class Route(Strict):
    """A public hostname served by a container through the tunnel."""

    hostname: Hostname = Field(description="Public host name, inside one of tunnel.zones, e.g. git.example.org.")
    protocol: Literal["http", "https", "ssh", "tcp"] = Field(
        default="http", description="How cloudflared speaks to the origin: http, https, ssh or tcp."
    )
    port: Port = Field(description="Port the service listens on (inside the container, or at the origin's address).")


class BindMount(Strict):
    """A host path made visible inside the container (`containers.<name>.bindMounts`)."""

    path: AbsPath = Field(description="Mount point inside the container.")
    host_path: AbsPath | None = Field(default=None, description="Path on the host; default: same as `path`.")
    read_only: bool = Field(default=True, description="NixOS `isReadOnly`; true unless said otherwise.")
    allow_sensitive: bool = Field(
        default=False,
        description="Allow a sensitive host path such as /etc or /nix; you take the risk.",
    )


class User(Strict):
    """The service user, identical on host and in the container (PostgreSQL peer auth)."""

    name: UnixName = Field(description="User name, the same on the host and in the container, e.g. forgejo.")
    uid: Id = Field(description="User id on both sides; keep the one `id <name>` shows on an existing host.")
    gid: Id = Field(description="Group id on both sides.")
    group: UnixName | None = Field(default=None, description="Group name; default: the user name.")
    shared: bool = Field(
        default=False,
        description="This user (same name, uid and gid) is deliberately shared with other "
        "containers that say so too, e.g. two CI runners.",
    )


class HostFirewall(Strict):
    """Ports of the host a container may reach (the host's `networking.firewall.interfaces."ve-<name>"`)."""

    allowed_tcp_ports: list[Port] = Field(default=[], description="Host TCP ports this container may reach.")
    allowed_udp_ports: list[Port] = Field(default=[], description="Host UDP ports this container may reach, e.g. 53.")
    allow_host_ssh: bool = Field(
        default=False,
        description="Allow allowedTcpPorts to list the host's SSH port (22, or host.target.port): the workload "
        "could then try the host's logins, so only for one that must reach the host over SSH.",
    )
