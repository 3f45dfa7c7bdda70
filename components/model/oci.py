"""The stack config of OCI containers: apps that ship only an image, run by Podman.

Keys follow NixOS's `virtualisation.oci-containers.containers.<name>` (`image`, `cmd`,
`environment`, `environmentFiles`, `volumes`, `ports`, `dependsOn`, `autoStart`), except
where nixedge decides for the user: the address on the Podman network it declares, the
user from its uid/gid registry, and secrets by name.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field

from components.model.podman import TRANSPORTS
from components.model.shared import BindMount, HostFirewall, Route, User
from components.model.shared import Strict as _Strict
from components.model.types import (
    AbsPath,
    ContainerName,
    IPv4,
    Port,
    SecretName,
    Subnet,
    Unit,
)

# The grammar of github.com/distribution/reference (what Podman and Docker parse):
# [domain[:port]/]path[:tag][@digest], path components lowercase.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = rf"(?:localhost|{_LABEL}(?:\.{_LABEL})+)(?::\d{{1,5}})?"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"
_DIGEST = r"sha256:[0-9a-f]{64}|sha512:[0-9a-f]{128}"
IMAGE_REFERENCE = re.compile(
    rf"^(?P<domain>{_DOMAIN}/)?(?P<path>{_COMPONENT}(?:/{_COMPONENT})*)(?::(?P<tag>{_TAG}))?(?:@(?P<digest>{_DIGEST}))?$"
)
_LEAVES = (('"', "a quote"), ("'", "a quote"), ("${", "`${`"), ("\n", "a newline"), ("\\", "a backslash"))


def _image(ref: str) -> str:
    for text, what in _LEAVES:
        if text in ref:
            raise ValueError(
                f"must be an image reference such as 'docker.io/library/nginx:1.27' and must not hold {what}"
            )
    transport = ref.split(":", 1)[0]
    if ":" in ref and transport in TRANSPORTS:
        raise ValueError(
            f"is a Podman transport ({transport}:), which reads the image from the host, not a registry; "
            "name the image in its registry, e.g. 'docker.io/traefik/whoami:v1.10.3'"
        )
    match = IMAGE_REFERENCE.fullmatch(ref)
    if len(ref) > 255 or not match:
        raise ValueError(
            "must be an image reference: [registry/]repository[:tag][@sha256:digest], the repository "
            "in lowercase, e.g. 'docker.io/traefik/whoami:v1.10.3'"
        )
    if match["domain"] is None:
        # An allowlist: a registry's name first. A short name is looked up in the host's
        # registries.conf, and Podman reads some of them (`dir:x`) as a transport.
        raise ValueError(
            f"must name its registry, e.g. 'docker.io/library/{ref}': a short name is resolved by the "
            "host's registries.conf, and Podman reads some as a transport (dir:, oci-archive:)"
        )
    return ref


ImageRef = Annotated[str, AfterValidator(_image)]


def _option_text(text: str) -> str:
    if "\x00" in text or "\n" in text:
        raise ValueError("must be one line of text without NUL characters")
    return text


OneLine = Annotated[str, AfterValidator(_option_text)]
# The kernel's limit of one argument or environment string, its NUL included (MAX_ARG_STRLEN):
# Podman gets each variable as one `-e NAME=value` argument, and exec refuses a longer one.
MAX_ARG_STRLEN = 131072


def _env_value(text: str) -> str:
    _option_text(text)
    if len(text.encode()) >= MAX_ARG_STRLEN:
        raise ValueError(
            f"is {len(text.encode())} bytes: one environment string must stay under {MAX_ARG_STRLEN} bytes "
            "(MAX_ARG_STRLEN), or Podman cannot start the app; put large values in a file and mount it"
        )
    return text


EnvValue = Annotated[str, AfterValidator(_env_value)]
# The kernel's smallest CPU quota: 1 ms per 100 ms period (cgroup cpu.max), 0.01 CPUs.
MIN_CPUS = 0.01


def _cpus(cpus: float) -> float:
    if cpus < MIN_CPUS:
        raise ValueError(
            f"is below {MIN_CPUS} CPUs: the kernel's smallest CPU quota is 1 ms per 100 ms, so Podman cannot "
            "start the app with it; e.g. 0.5"
        )
    return cpus


CpuCount = Annotated[float, Field(le=1024, json_schema_extra={"minimum": MIN_CPUS}), AfterValidator(_cpus)]
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


def image_tag_warning(ref: str) -> str | None:
    """Why `ref` does not pin an image (no tag, or `latest`, and no digest), or None."""
    match = IMAGE_REFERENCE.fullmatch(ref)
    if match is None or match["digest"]:
        return None
    if match["tag"] is None:
        return "names no tag, so Podman runs `latest`, whatever that is at the next pull; pin a tag or a digest"
    if match["tag"] == "latest":
        return "is tagged `latest`, which moves; pin a version tag or a digest"
    return None


class PodmanNetwork(_Strict):
    """The Podman network nixedge declares for the OCI containers (a bridge of its own)."""

    subnet: Subnet = Field(
        description="IPv4 range of the OCI containers' addresses, e.g. 10.80.0.0/24: a private unicast range "
        "no wider than a /16, apart from network.subnet and from Podman's own default network 10.88.0.0/16 "
        "(`podman network create` refuses a subnet inside it); its first address is the host's side (the gateway)."
    )


class PublishedPort(_Strict):
    """A container port published on a host address (oci-containers' `ports`)."""

    host_address: IPv4 = Field(
        default="127.0.0.1",
        description="Host address it is published on; publishing bypasses the NixOS firewall, so loopback by default.",
    )
    host_port: Port = Field(description="Port on the host.")
    container_port: Port | None = Field(default=None, description="Port inside the container; default: hostPort.")
    protocol: Literal["tcp", "udp"] = Field(default="tcp", description="tcp or udp.")


def _some_memory(size: str) -> str:
    digits = size.rstrip("kmg")
    if digits.isdecimal() and digits.isascii() and int(digits) == 0:
        raise ValueError(
            "is 0 bytes, a limit no app runs under: leave resources.memory out for no limit, "
            "or give the limit you mean, e.g. 512m"
        )
    return size


class OciResources(_Strict):
    """Limits Podman sets on the container's cgroup (`podman run --memory`, `--cpus`)."""

    memory: Annotated[str, Field(pattern=r"^\d+[kmg]?$"), AfterValidator(_some_memory)] | None = Field(
        default=None,
        description="`podman run --memory`: bytes with an optional k, m or g suffix, e.g. 512m.",
    )
    cpus: CpuCount | None = Field(
        default=None,
        description="`podman run --cpus`, e.g. 1.5; at least 0.01 (the kernel's smallest CPU quota, 1 ms per 100 ms).",
    )


class OciContainer(_Strict):
    """One OCI image run by Podman (`virtualisation.oci-containers.containers.<name>`)."""

    image: ImageRef = Field(description="Image reference with a tag or digest, e.g. docker.io/traefik/whoami:v1.10.3.")
    address: IPv4 | None = Field(
        default=None, description="Static address on network.podman; allocated from its subnet when left out."
    )
    user: User | None = Field(
        default=None,
        description="The user the container's process runs as (oci-containers `user`, as uid:gid). Left out, "
        "the image's own user runs, which is root unless the image says otherwise: nixedge then treats the app "
        "as uid 0 in every rule and `check` warns.",
    )
    cmd: list[OneLine] = Field(default=[], description="Arguments to the image's entrypoint.")
    environment: dict[Annotated[str, Field(pattern=_ENV_NAME)], EnvValue] = Field(
        default={},
        description="Environment variables (no secrets: those go in environmentFiles); each `NAME=value` "
        "under 128 KiB, the kernel's limit of one argument (MAX_ARG_STRLEN).",
    )
    environment_files: list[SecretName] = Field(
        default=[],
        description="Names from the site's `secrets`, each an environment file Podman reads on the host; "
        "the container starts after the unit that installs it.",
    )
    state_dir: AbsPath | None = Field(
        default=None, description="Host directory for the app's data, created by tmpfiles and owned by the user."
    )
    state_dir_mount: AbsPath = Field(default="/data", description="Where the state directory appears in the container.")
    state_dir_mode: str = Field(default="0750", pattern=r"^0[0-7]{3}$", description="Mode of the state directory.")
    volumes: list[BindMount] = Field(default=[], description="Host paths visible in the container (bind mounts).")
    ports: list[PublishedPort] = Field(default=[], description="Container ports published on host addresses.")
    routes: list[Route] = Field(default=[], description="Public hostnames served at the container's address.")
    allow_privileged_ports: bool = Field(default=False, description="Allow route ports below 1024.")
    depends_on: list[ContainerName] = Field(default=[], description="OCI containers this one starts after.")
    after: list[Unit] = Field(default=[], description="Host units podman-<name> starts after.")
    requires: list[Unit] = Field(default=[], description="Host units podman-<name> requires.")
    auto_start: bool = Field(default=True, description="Start the container at boot.")
    resources: OciResources = Field(default=OciResources(), description="Limits of the container.")
    host_firewall: HostFirewall | None = Field(
        default=None, description="Ports of the host this container may reach; left out, none."
    )
