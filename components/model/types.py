"""Reusable constrained types of the stack config, each with an example in its message."""

from __future__ import annotations

import math
import posixpath
import re
from collections.abc import Callable
from ipaddress import IPv4Address, IPv4Network
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BeforeValidator, Field

from components.model.paths import local_dir_problem
from components.model.secret_keys import HIDDEN, secret_at

# Matched with fullmatch: `$` alone also accepts a trailing newline ("forgejo\n").
# nixos-containers.nix: names become `container@<name>.service`, a host name and a
# path under /var/lib/nixos-containers; nixpkgs asserts no underscores.
_CONTAINER_NAME = re.compile(r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_UNIX_NAME = re.compile(r"^[a-z_][a-z0-9_-]{0,30}$")
_STATE_VERSION = re.compile(r"^\d{2}\.(05|11)$")
_UNIT = re.compile(r"^[A-Za-z0-9:_.@\\-]+\.(service|socket|target|mount|path|timer)$")


def _container_name(name: str) -> str:
    if name == "localhost":
        raise ValueError("is reserved: `localhost` always means the machine itself; name it after its service")
    if "_" in name:
        raise ValueError(
            "must not contain underscores: NixOS refuses them in container names, "
            "e.g. 'forgejo-runner' instead of 'forgejo_runner'"
        )
    if not _CONTAINER_NAME.fullmatch(name):
        raise ValueError(
            "must be a valid NixOS container name: 1-63 lowercase letters, digits or '-', "
            "not starting or ending with '-', e.g. 'forgejo'"
        )
    return name


def _hostname(name: str) -> str:
    if not name.isascii():
        # str.lower() and IDNA both map some letters to others (U+212A KELVIN SIGN is 'k'):
        # the name would silently become another. Say which.
        try:
            ascii_form = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValueError("must be ASCII: a DNS host name such as 'forgejo.example.org'") from None
        raise ValueError(f"is not ASCII; its IDNA (ASCII) form is {ascii_form!r}: write that, which is what DNS holds")
    name = name.lower()
    if name.endswith("."):
        raise ValueError("must not end with a dot, e.g. 'forgejo.example.org'")
    labels = name.split(".")
    if len(labels) < 2 or len(name) > 253 or not all(_HOST_LABEL.fullmatch(lab) for lab in labels):
        raise ValueError("must be a DNS host name with at least two labels, e.g. 'forgejo.example.org'")
    return name


def _host_name(name: str) -> str:
    if not _HOST_LABEL.fullmatch(name):
        raise ValueError("must be a host name: lowercase letters, digits and '-', e.g. 'seminar'")
    return name


_DOTTED = re.compile(r"[0-9]+(\.[0-9]+){3}")
_OCTAL = re.compile(r"0[0-7]+")


def _ssh_destination(destination: str) -> str:
    """A numeric host with a leading zero (`10.0.0.010`) is octal to ssh (glibc's
    inet_aton reads 010 as 8): it would reach another machine than the one written, and
    the site's target rules would compare the wrong one."""
    host = destination.removeprefix("ssh://").rpartition("@")[2].partition(":")[0]
    parts = host.split(".")
    if not _DOTTED.fullmatch(host) or not any(len(p) > 1 and p[0] == "0" for p in parts):
        return destination
    if all(_OCTAL.fullmatch(p) or p == "0" or p[0] != "0" for p in parts):
        meant = ".".join(str(int(p, 8) if p[0] == "0" else int(p)) for p in parts)
        said = f"({host} is {meant} to it): write {meant}, or"
    else:
        said = "(and 8 or 9 after a 0 is no number to it): write"
    raise ValueError(
        f"has a number with a leading zero, which ssh reads as octal {said} the address you mean without leading zeros"
    )


def _nix_text(text: str) -> bool:
    """Whether Nix can hold `text`: no NUL (Nix cuts the string there), valid UTF-8."""
    return "\x00" not in text and not any("\ud800" <= ch <= "\udfff" for ch in text)


def _said(where: str, value: object) -> str:
    """`value` as a message about the key `where` says it: hidden when the key names a secret."""
    return HIDDEN if secret_at(where) else str(value)


def _nix_data(data: Any, where: str = "") -> Any:
    """Only what has a Nix value: strings, numbers, booleans, null, lists, mappings."""
    if data is None or isinstance(data, bool):
        return data
    if isinstance(data, int):
        if abs(data) > 2**63 - 1:
            raise ValueError(f"{where or 'value'}: {_said(where, data)} is outside Nix's 64-bit integers")
        return data
    if isinstance(data, str):
        if not _nix_text(data):
            raise ValueError(f"{where or 'value'}: Nix strings cannot hold NUL characters or lone surrogates")
        return data
    if isinstance(data, float):
        if not math.isfinite(data):
            raise ValueError(f"{where or 'value'}: NaN and infinity have no Nix value")
        if data and abs(data) < 2.2250738585072014e-308:
            raise ValueError(
                f"{where or 'value'}: {_said(where, repr(data))} is too close to 0 for Nix (no subnormal floats)"
            )
        return data
    if isinstance(data, list):
        return [_nix_data(item, f"{where}[{i}]") for i, item in enumerate(data)]
    if isinstance(data, dict):
        out = {}
        for k, v in data.items():
            if not isinstance(k, str) or not k or not _nix_text(k):
                raise ValueError(f"{where or 'mapping'}: keys must be non-empty strings (got {k!r})")
            out[k] = _nix_data(v, f"{where}.{k}" if where else k)
        return out
    raise ValueError(
        f"{where or 'value'}: {type(data).__name__} has no Nix value; quote it as a string "
        "(YAML reads 2025-01-01 as a date)"
    )


def _nix_mapping(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        # pydantic turns only ValueError (not TypeError) into a validation message.
        raise ValueError("must be a mapping of NixOS option names to values")  # noqa: TRY004
    if set(data) == {"_secret"}:
        # A reference becomes the secret's path (a string): it stands for one option's value.
        raise ValueError(
            "must be a mapping of NixOS option names to values; {_secret: NAME} is the path of a "
            "secret and goes under an option, e.g. {services: {foo: {passwordFile: {_secret: NAME}}}}"
        )
    return _nix_data(data)  # type: ignore[no-any-return]


def _unix_name(name: str) -> str:
    if not _UNIX_NAME.fullmatch(name):
        raise ValueError(
            "must be a user or group name: lowercase letter or '_' first, then letters, "
            "digits, '_' or '-', at most 31 characters, e.g. 'forgejo'"
        )
    if name in _RESERVED_NAMES:
        raise ValueError("is reserved by the system; give the service a user of its own, e.g. 'forgejo'")
    return name


# Accounts every NixOS host already has: a service that takes one shares its powers.
_RESERVED_NAMES = frozenset({"root", "nobody", "nogroup"})


def _id(value: int) -> int:
    if value == _NOBODY:
        raise ValueError(f"is nobody's id ({_NOBODY}); pick a free system id such as 991")
    return value


_NOBODY = 65534


_SAFE_PATH = re.compile(r"/[A-Za-z0-9._@+/-]*")


def _abs_path(path: str) -> str:
    if not path.startswith("/"):
        raise ValueError("must be an absolute path, e.g. '/var/lib/forgejo'")
    if any(part in (".", "..") for part in path.split("/")):
        raise ValueError("must not contain '.' or '..' segments")
    if len(path) > 4095 or any(len(part) > 255 for part in path.split("/")):
        raise ValueError("is too long: Linux takes at most 255 bytes per name and 4095 in all")
    if not _SAFE_PATH.fullmatch(path):
        # NixOS passes these paths through systemd-nspawn's `--bind=SRC:DST` syntax, tmpfiles
        # lines split on blanks, and unquoted shell words: no blanks, colons or quotes.
        raise ValueError(
            "may contain only letters, digits and . _ - @ + / "
            "(NixOS hands it to systemd-nspawn and tmpfiles unquoted), e.g. '/srv/my-app'"
        )
    normal = posixpath.normpath(path)
    if normal.startswith("//"):
        normal = normal[1:]
    if normal != path:
        raise ValueError(f"must be normalised, e.g. {normal!r}")
    return path


def _local_dir(path: str) -> str:
    problem = local_dir_problem(path)
    if problem:
        raise ValueError(problem)
    return path


def _state_version(version: str) -> str:
    if not _STATE_VERSION.fullmatch(version):
        raise ValueError("must be a NixOS release such as '25.05' or '24.11'")
    return version


# systemd's UNIT_NAME_MAX: 256 with the NUL, so 255 characters.
UNIT_NAME_MAX = 255


def _unit(unit: str) -> str:
    if not _UNIT.fullmatch(unit):
        raise ValueError("must be a systemd unit name with its suffix, e.g. 'postgresql.service'")
    if len(unit) > UNIT_NAME_MAX:
        raise ValueError(f"is {len(unit)} characters long; systemd takes unit names of at most {UNIT_NAME_MAX}")
    prefix, at, instance = unit.rpartition(".")[0].partition("@")
    if at and (not prefix or not instance or "@" in instance):
        raise ValueError(
            "is a template unit without one instance: a container can start after 'getty@tty1.service', "
            "never after 'getty@.service', which systemd cannot start"
        )
    return unit


def _ipv4(address: str) -> str:
    try:
        return str(IPv4Address(address))
    except ValueError:
        raise ValueError("must be an IPv4 address, e.g. '192.168.100.11'") from None


def _subnet(subnet: str) -> str:
    try:
        network = IPv4Network(subnet, strict=True)
    except ValueError as exc:
        raise ValueError(f"must be an IPv4 network such as '192.168.100.0/24' ({exc})") from None
    if network.prefixlen > 30:
        raise ValueError("is too small: a container needs a host and a local address; use /30 or larger")
    return str(network)


ContainerName = Annotated[str, AfterValidator(_container_name)]
Hostname = Annotated[str, AfterValidator(_hostname)]
UnixName = Annotated[str, AfterValidator(_unix_name)]
AbsPath = Annotated[str, AfterValidator(_abs_path)]
LocalDir = Annotated[str, AfterValidator(_local_dir)]
StateVersion = Annotated[str, AfterValidator(_state_version)]
Unit = Annotated[str, AfterValidator(_unit)]
IPv4 = Annotated[str, AfterValidator(_ipv4)]
Subnet = Annotated[str, AfterValidator(_subnet)]
Port = Annotated[int, Field(ge=1, le=65535)]
Id = Annotated[int, Field(ge=1, le=2**31 - 2), AfterValidator(_id)]
HostName = Annotated[str, AfterValidator(_host_name)]
SshDestination = Annotated[str, AfterValidator(_ssh_destination)]
NixData = Annotated[dict[str, Any], BeforeValidator(_nix_mapping)]


# One word that survives NixOS's unquoted `EXTRA_NSPAWN_FLAGS="..."` line.
_NSPAWN_FLAG = re.compile(r"--[a-z][a-z0-9-]*(=[A-Za-z0-9._@+=,~/:-]*)?")


def _nspawn_flag(flag: str) -> str:
    if not flag.startswith("--") or not _NSPAWN_FLAG.fullmatch(flag):
        raise ValueError("must be one systemd-nspawn option such as '--drop-capability=CAP_SYS_CHROOT'")
    name = flag[2:].split("=", 1)[0]
    if name in _MANAGED_FLAGS:
        raise ValueError(f"--{name} is set by nixedge from the container's options; use those instead")
    return flag


def _module_ref(ref: str) -> str:
    if ref.startswith("flake:"):
        if not _FLAKE_REF.fullmatch(ref[len("flake:") :]):
            raise ValueError(
                "a flake module is 'flake:<input>.<attribute path>', e.g. 'flake:sops-nix.nixosModules.sops'"
            )
        keywords = sorted(set(ref[len("flake:") :].split(".")) & _NIX_KEYWORDS)
        if keywords:
            raise ValueError(f"{keywords[0]!r} is a Nix keyword and cannot be a bare attribute name in a flake module")
        return ref
    if ref.startswith("/") or any(part in ("", ".", "..") for part in ref.split("/")) or not ref.endswith(".nix"):
        raise ValueError(
            "must be a relative path to a .nix file inside the project, without '..', e.g. 'modules/runner.nix'"
        )
    if not _MODULE_PATH.fullmatch(ref):
        raise ValueError("may hold only letters, digits, '.', '_', '-' and '/'")
    return ref


# nixos-containers.nix sets these itself from containers.<name> options.
_MANAGED_FLAGS = frozenset(
    {
        "private-network",
        "private-users",
        "network-veth",
        "network-bridge",
        "network-namespace-path",
        "ephemeral",
        "capability",
        "port",
        "machine",
        "directory",
        "keep-unit",
        "notify-ready",
    }
)
_FLAKE_REF = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_'-]*)+$")
_MODULE_PATH = re.compile(r"^[A-Za-z0-9._/-]+$")

# `in`, `let`, ... cannot follow a `.` in Nix (`inputs.x.in` does not parse); `or` can.
_NIX_KEYWORDS = frozenset({"assert", "else", "if", "in", "inherit", "let", "rec", "then", "with"})


def _matching(pattern: str, message: str, check: Callable[[str], bool] = lambda _: True) -> Any:
    """A str constraint with a message that says what is expected; the schema keeps `pattern`."""
    compiled = re.compile(pattern)

    def validate(text: str) -> str:
        if not compiled.fullmatch(text) or not check(text):
            raise ValueError(message)
        return text

    return (AfterValidator(validate), Field(json_schema_extra={"pattern": pattern}))


def _percent_at_most_100(size: str) -> bool:
    return not size.endswith("%") or int(size[:-1]) <= 100


MemorySize = Annotated[
    str,
    *_matching(
        r"^(\d+(\.\d+)?[KMGT]?|\d{1,3}%|infinity)$",
        "must be a systemd memory size: bytes with an optional K, M, G or T suffix (base 1024), "
        "a percentage of the host's memory up to 100%, or 'infinity', e.g. '2G'",
        _percent_at_most_100,
    ),
]
CpuQuota = Annotated[
    str,
    *_matching(
        r"^\d{1,5}%$",
        "must be a systemd CPUQuota: a percentage above 0% of one CPU, e.g. '200%' for two CPUs",
        lambda quota: int(quota[:-1]) > 0,
    ),
]
Capability = Annotated[
    str, *_matching(r"^CAP_[A-Z_]+$", "must be a Linux capability name in capitals, e.g. 'CAP_NET_ADMIN'")
]
NspawnFlag = Annotated[str, AfterValidator(_nspawn_flag)]


def _private_users(value: Any) -> Any:
    """One clear message instead of one per member of the union (literal, int)."""
    if (isinstance(value, str) and value in ("no", "identity", "pick")) or (
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 2**32 - 1
    ):
        return value
    raise ValueError(
        "must be no, identity, pick, or the first host uid of the container's range "
        "(0 to 4294967295, e.g. 65536), as NixOS privateUsers"
    )


PrivateUsers = Annotated[
    Literal["no", "identity", "pick"] | Annotated[int, Field(ge=0, le=2**32 - 1)], BeforeValidator(_private_users)
]
ModuleRef = Annotated[str, AfterValidator(_module_ref)]
SecretName = Annotated[
    str,
    *_matching(
        r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$",
        "must be a secret name: a letter or digit, then up to 63 letters, digits, '.', '_' or '-', e.g. 'atticd-env'",
    ),
]
CatchAll = Annotated[
    str,
    *_matching(
        r"^(http_status:[1-5][0-9]{2}|https?://[A-Za-z0-9.:\[\]-]+(/[^\s]*)?)$",
        "must be 'http_status:<code>' or an http(s):// URL that gets unmatched requests, e.g. 'http_status:404'",
    ),
]
DeviceModifier = Annotated[
    str,
    *_matching(
        r"^(rwm|rw|rm|wm|r|w|m)$",
        "must be one or more of r, w and m (read, write, mknod), in that order, e.g. 'rwm' or 'rw'",
    ),
]
