"""What the nixpkgs module of each service in nixedge's examples needs from a stack.

Not a test module: tests/test_nixpkgs_requirements.py applies this table to every
example stack (stacks/*.yaml) and every stack the docs write. One entry per NixOS
service that a preset renders or an example enables, read from the nixpkgs module its
`source` names (github.com/NixOS/nixpkgs, release 25.05 and master of late 2025, which
agree on everything here). An entry lists

- `required`: options declared without a default that the module reads once the
  service is enabled; a real NixOS stops with "The option `services.garage.package`
  was accessed but has no value defined";
- `container`: options of the container itself the module reads for its own defaults
  (PostgreSQL picks its package by `system.stateVersion`);
- `fixed`: values the module defines itself at normal priority, where a different
  value of ours is a conflicting definition;
- `checks`: the module's assertions that a stack can fail, with nixpkgs' wording;
- `data`: where the module keeps the service's data, by its defaults and the options
  that move it. In a container, each must lie in a read-write bind mount (the state
  directory), or the data stays in the container's root, not where the stack says.

`required` and `checks` apply to the service's attribute set, or to each entry of
`each` (a runner instance, a WireGuard interface). A service that an example enables
and that has no entry here fails the test: read its module and add one.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

Attrs = Mapping[str, Any]
Check = Callable[[str, Attrs], list[str]]  # (where, attrs) -> nixpkgs' messages
DataDirs = Callable[[Attrs, Attrs], list[str]]  # (attrs, the container's config) -> paths


def value(v: Any) -> Any:
    """A definition's value, through `lib.mkDefault`/`lib.mkForce` (as tests/nix/stub.nix has them)."""
    while isinstance(v, dict) and v.get("_type") == "override":
        v = v["content"]
    return v


def get(attrs: Attrs, dotted: str, default: Any = None) -> Any:
    cur: Any = attrs
    for part in dotted.split("."):
        cur = value(cur)
        if not isinstance(cur, Mapping) or part not in cur:
            return default
        cur = cur[part]
    return value(cur)


def is_set(attrs: Attrs, dotted: str) -> bool:
    return get(attrs, dotted) is not None


@dataclass(frozen=True)
class Service:
    path: str  # the service's option path, e.g. "services.garage"
    source: str  # the nixpkgs file the entry was read from
    required: tuple[str, ...] = ()
    each: str | None = None
    checks: tuple[Check, ...] = ()
    container: tuple[str, ...] = ()
    fixed: Mapping[str, Any] = field(default_factory=dict)
    enabled: Callable[[Attrs], bool] = lambda attrs: get(attrs, "enable") is True
    data: DataDirs = lambda attrs, config: []


def _exactly_one(a: str, b: str, message: str) -> Check:
    return lambda where, attrs: [] if is_set(attrs, a) != is_set(attrs, b) else [message.format(where=where)]


def _forgejo_database(where: str, attrs: Attrs) -> list[str]:
    create = get(attrs, "database.createDatabase", True)
    kind = get(attrs, "database.type", "sqlite3")
    user, db_user, db_name = (
        get(attrs, "user", "forgejo"),
        get(attrs, "database.user", "forgejo"),
        get(attrs, "database.name", "forgejo"),
    )
    out = []
    if create and kind != "sqlite3" and db_user != user:
        out.append(f"{where}.database.user must match {where}.user if the database is to be automatically provisioned")
    if create and kind == "postgres" and db_user != db_name:
        out.append("When creating a database via NixOS, the db user and db name must be equal!")
    return out


def _cloudflared_default(where: str, attrs: Attrs) -> list[str]:
    # A locally configured tunnel (credentialsFile) routes by its ingress and `default`;
    # one run by its token takes its rules from Cloudflare.
    if is_set(attrs, "credentialsFile") and not is_set(attrs, "default"):
        return [f"{where}.default has no default and is not set"]
    return []


def _atticd_environment_file(where: str, attrs: Attrs) -> list[str]:
    return [] if is_set(attrs, "environmentFile") else [f"<option>{where}.environmentFile</option> is not set."]


def _postgresql_ownership(where: str, attrs: Attrs) -> list[str]:
    databases = get(attrs, "ensureDatabases", [])
    return [
        f"For each database user defined with `{where}.ensureUsers` and `ensureDBOwnership = true;`, a database "
        f"with the same name must be defined in `{where}.ensureDatabases`. Offender: {u['name']} has not been "
        "found among databases."
        for u in get(attrs, "ensureUsers", [])
        if value(u.get("ensureDBOwnership")) and u["name"] not in databases
    ]


def _runner_labels(where: str, attrs: Attrs) -> list[str]:
    # Without virtualisation.docker/podman (nixedge's containers enable neither), only
    # host labels work: no labels means act_runner's docker defaults.
    labels = get(attrs, "labels", [])
    if labels and not any(":docker:" in label for label in labels):
        return []
    return [f"{where}: Label configuration on gitea-actions-runner instance requires either docker or podman."]


def _string_settings(where: str, attrs: Attrs) -> list[str]:
    # `settings` is `attrsOf str`: the environment of the unit. YAML's PORT: 3001 is an int.
    return [
        f"{where}.settings.{k}: is not of type `string` (got: {v!r})"
        for k, v in get(attrs, "settings", {}).items()
        if not isinstance(value(v), str)
    ]


def _vaultwarden_backup(where: str, attrs: Attrs) -> list[str]:
    if is_set(attrs, "backupDir") and get(attrs, "dbBackend", "sqlite") != "sqlite":
        return ["Backups for database backends other than sqlite will need customization"]
    return []


def _atticd_data(attrs: Attrs, config: Attrs) -> list[str]:
    # StateDirectory = "atticd"; defaults: sqlite:///var/lib/atticd/server.db, local storage below it.
    out = [] if str(get(attrs, "settings.database.url", "sqlite:")).startswith("postgresql:") else ["/var/lib/atticd"]
    if get(attrs, "settings.storage.type", "local") == "local":
        out.append(get(attrs, "settings.storage.path", "/var/lib/atticd/storage"))
    return out


def _garage_data(attrs: Attrs, config: Attrs) -> list[str]:
    data = get(attrs, "settings.data_dir", "/var/lib/garage/data")
    dirs = [data] if isinstance(data, str) else [d["path"] for d in data]
    return [get(attrs, "settings.metadata_dir", "/var/lib/garage/meta"), *dirs]


def _vaultwarden_data(attrs: Attrs, config: Attrs) -> list[str]:
    # DATA_FOLDER: StateDirectory, "bitwarden_rs" before stateVersion 24.11.
    old = tuple(map(int, str(get(config, "system.stateVersion", "0.0")).split("."))) < (24, 11)
    return [get(attrs, "config.DATA_FOLDER", "/var/lib/bitwarden_rs" if old else "/var/lib/vaultwarden")]


def _system_users(where: str, attrs: Attrs) -> list[str]:
    out = []
    for name, user in (get(attrs, "users.users", {}) or {}).items():
        if bool(get(user, "isSystemUser")) == bool(get(user, "isNormalUser")):
            out.append(
                f"Exactly one of users.users.{name}.isSystemUser and users.users.{name}.isNormalUser must be set."
            )
        if get(user, "isSystemUser") and not get(user, "group"):
            out.append(f"users.users.{name}.group is unset.")
    return out


# Every container nixedge renders, whatever its app (generic too): its own options.
CONTAINER = Service(
    path="",
    source="nixos/modules/misc/version.nix, nixos/modules/config/users-groups.nix",
    required=("system.stateVersion",),
    checks=(_system_users,),
    enabled=lambda attrs: True,
)
# The host modules: the users they declare (system.stateVersion is the host's own).
HOST = Service(
    path="",
    source="nixos/modules/config/users-groups.nix",
    checks=(_system_users,),
    enabled=lambda attrs: True,
)

SERVICES: tuple[Service, ...] = (
    Service(
        "services.forgejo",
        "nixos/modules/services/misc/forgejo.nix",
        checks=(_forgejo_database,),
        data=lambda attrs, config: [get(attrs, "stateDir", "/var/lib/forgejo")],
    ),
    Service(
        "services.atticd",
        "nixos/modules/services/networking/atticd.nix",
        checks=(_atticd_environment_file,),
        data=_atticd_data,
    ),
    Service(
        "services.postgresql",
        "nixos/modules/services/databases/postgresql.nix",
        checks=(_postgresql_ownership,),
        # `package` has no default; the module sets one from system.stateVersion.
        container=("system.stateVersion",),
        # uid = config.ids.uids.postgres; gid = config.ids.gids.postgres (nixos/modules/misc/ids.nix).
        fixed={"users.users.postgres.uid": 71, "users.groups.postgres.gid": 71},
        # dataDir = mkDefault "/var/lib/postgresql/${cfg.package.psqlSchema}".
        data=lambda attrs, config: [get(attrs, "dataDir", "/var/lib/postgresql")],
    ),
    Service(
        "services.garage",
        "nixos/modules/services/web-servers/garage.nix",
        # "Garage package to use, needs to be set explicitly."
        required=("package",),
        data=_garage_data,
    ),
    Service(
        "services.gitea-actions-runner",
        "nixos/modules/services/continuous-integration/gitea-actions-runner.nix",
        required=("name", "url", "labels"),
        each="instances",
        checks=(
            _exactly_one(
                "token",
                "tokenFile",
                "{where}: Instances of gitea-actions-runner can have `token` or `tokenFile`, not both "
                "(and need one: registration reads TOKEN).",
            ),
            _runner_labels,
        ),
        enabled=lambda attrs: bool(get(attrs, "instances")),  # config = mkIf (cfg.instances != { })
    ),
    Service(
        "services.vaultwarden",
        "nixos/modules/services/security/vaultwarden/default.nix",
        checks=(_vaultwarden_backup,),
        data=_vaultwarden_data,
    ),
    Service(
        "services.uptime-kuma",
        "nixos/modules/services/monitoring/uptime-kuma.nix",
        checks=(_string_settings,),
        data=lambda attrs, config: ["/var/lib/uptime-kuma"],  # DATA_DIR, set by the module
    ),
    Service(
        "services.cloudflared",
        "nixos/modules/services/networking/cloudflared.nix",
        # Since nixpkgs gained tokenFile (remote ingress, host.nixosRelease 26.11), a tunnel
        # runs from one of the two files.
        each="tunnels",
        checks=(
            _exactly_one(
                "credentialsFile",
                "tokenFile",
                "{where} needs exactly one of credentialsFile and tokenFile.",
            ),
            _cloudflared_default,
        ),
    ),
    Service(
        "virtualisation.podman",
        "nixos/modules/virtualisation/podman/default.nix",
    ),
    Service(
        "virtualisation.oci-containers",
        "nixos/modules/virtualisation/oci-containers.nix",
        required=("image",),
        each="containers",
        fixed={"backend": "podman"},
        enabled=lambda attrs: bool(get(attrs, "containers", {})),
    ),
    Service(
        "services.resolved",
        "nixos/modules/system/boot/resolved.nix",
    ),
    Service(
        "networking.firewall",
        "nixos/modules/services/networking/firewall.nix",
        enabled=lambda attrs: get(attrs, "enable", True) is True,
    ),
    Service(
        "networking.nat",
        "nixos/modules/services/networking/nat.nix",
    ),
    Service(
        "networking.wireguard",
        "nixos/modules/services/networking/wireguard.nix",
        each="interfaces",
        checks=(
            _exactly_one(
                "privateKey",
                "privateKeyFile",
                "Either {where}.privateKey or {where}.privateKeyFile must be set.",
            ),
        ),
        # enable defaults to `cfg.interfaces != {}`.
        enabled=lambda attrs: get(attrs, "enable", bool(get(attrs, "interfaces"))) is True,
    ),
)

# Options under services/networking that are not a service's: nothing to require.
PLAIN_OPTIONS = frozenset({"networking.useHostResolvConf"})


def violations(service: Service, attrs: Attrs, config: Attrs, mounts: Collection[str] | None = None) -> list[str]:
    """What `service` (its `attrs` in `config`, a container's or the host's whole config) lacks.

    `mounts` are the container's read-write bind mounts; None on the host, where the
    `container` options and the data directories are the host's own business.
    """
    out = []
    if mounts is not None:
        out += [f"{o} is read by {service.source} but not set" for o in service.container if not is_set(config, o)]
        held = ", ".join(sorted(mounts)) or "none"
        out += [
            f"{service.path} keeps its data in {path} ({service.source}), in no read-write mount ({held}): "
            "it would stay in the container's root file system"
            for path in service.data(attrs, config)
            if not any(path == m or path.startswith(m.rstrip("/") + "/") for m in mounts)
        ]
    for opt, fixed in service.fixed.items():
        if is_set(config, opt) and get(config, opt) != fixed:
            out.append(f"{opt} is {get(config, opt)!r}, but {service.source} defines it as {fixed!r}")
    entries = (get(attrs, service.each, {}) or {}).items() if service.each else [(None, attrs)]
    for name, entry in entries:
        where = ".".join(p for p in (service.path, service.each, name) if p)
        out += [
            f"{'.'.join(p for p in (where, opt) if p)} has no default in {service.source} and is not set"
            for opt in service.required
            if not is_set(entry, opt)
        ]
        for check in service.checks:
            out += check(where, entry)
    return out
