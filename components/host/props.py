"""Both providers' properties: checked (`check_*`), and read into typed values.

`HostProps.read` is the one step from a resource's properties to what the engine
works with, shared by `HostModulesProvider` and `HostPruneProvider`: the host, its
target and the activation commands; `desired` adds what `HostModules` wants on the
host (`components.host.plan.Desired`). Origin checks and claims arrive in their wire
form and are read with `components.host.wire`, into the types the model computed
them as.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi.output import Unknown

from components.host.manifest import abspath_problem
from components.host.ownership import Owner
from components.host.plan import Activation, Desired
from components.host.wire import checks_from_props, claims_from_props

# A value not known during preview arrives as an `Unknown` (keep_unknowns) or, nested
# in places the SDK does not convert, as the engine's placeholder string.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def is_unknown(value: object) -> bool:
    return isinstance(value, Unknown) or (isinstance(value, str) and value == UNKNOWN)


def has_unknown(value: object) -> bool:
    if isinstance(value, Unknown | str):
        return is_unknown(value)
    if isinstance(value, Mapping):
        return any(has_unknown(k) or has_unknown(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(has_unknown(v) for v in value)
    return False


def check_activation(activation: object) -> list[str]:
    """What is wrong with an `activation_config` property (nothing: `[]`)."""
    if not isinstance(activation, Mapping):
        return ["must be a mapping with 'command' and 'rollback' (lists of strings)"]
    return [
        f"{key} must be a list of strings, [] for none (e.g. ['nixos-rebuild', 'switch'])"
        for key in ("command", "rollback")
        if not isinstance(activation.get(key, []), list) or not all(isinstance(a, str) for a in activation.get(key, []))
    ]


def check_secrets(secrets: object, target: object) -> list[str]:
    """What is wrong with a `secrets` property: absolute paths outside the module directory."""
    if not isinstance(secrets, Mapping):
        return ["must map absolute paths on the host to contents"]
    # Without a module directory (the target's own error says so) no secret is inside it.
    root = target.get("path") if isinstance(target, Mapping) else None
    root = root.rstrip("/") if isinstance(root, str) else ""
    problems = []
    for path in secrets:
        if problem := abspath_problem(path):
            problems.append(f"{path!r} {problem}")
        elif root and path.startswith(root + "/"):
            problems.append(f"{path!r} must lie outside the module directory")
    return problems


def check_checks(checks: object, files: Mapping[str, Any]) -> list[str]:
    """What is wrong with a `checks` property, the wire form of `OriginCheck`s."""
    if not isinstance(checks, list):
        return ["must be a list of {container, address, port, files}"]
    problems = []
    for i, check in enumerate(checks):
        if not isinstance(check, Mapping):
            problems.append(f"[{i}] must be a mapping")
            continue
        port = check.get("port")
        if not isinstance(port, int | float) or not 0 < int(port) < 65536:
            problems.append(f"[{i}].port must be a TCP port (got: {port!r})")
        if not isinstance(check.get("address"), str):
            problems.append(f"[{i}].address must be an IP address or host name")
        names = check.get("files", [])
        if not isinstance(names, list) or any(n not in files for n in names):
            problems.append(f"[{i}].files must list module paths of `files` (got: {names!r})")
    return problems


def check_claims(claims: object, files: Mapping[str, Any]) -> list[str]:
    """What is wrong with a `claims` property, the wire form of `Claim`s."""
    if not isinstance(claims, Mapping) or not all(
        isinstance(c, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in c.items())
        for c in claims.values()
    ):
        return ["must map module paths to {claim: holder} strings (e.g. {'address 10.0.0.2': 'forgejo'})"]
    return [f"{rel!r} is not a module path of `files`" for rel in claims if rel not in files]


@dataclass(frozen=True)
class HostProps:
    """What both providers read from their (checked) properties."""

    host: str
    target: Mapping[str, Any]
    activation: Activation

    @classmethod
    def read(cls, props: Mapping[str, Any]) -> HostProps:
        act = props.get("activation_config") or {}
        return cls(
            host=str(props["host"]),
            target=props["target"],
            activation=Activation(
                command=tuple(act.get("command") or ()),
                rollback=tuple(act.get("rollback") or ()),
                timeout=float(act.get("timeout", Activation.timeout)),
            ),
        )


def old_claims(olds: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The claims (wire form) of every module of the old state: those in the set, and
    those kept back for `prune` (their claims still held until they go)."""
    return {**(olds.get("claims") or {}), **(olds.get("retained") or {})}


def released(olds: Mapping[str, Any], news: Mapping[str, Any]) -> frozenset[str]:
    """Modules leaving the set that cannot stay until `prune`: one of their claims (an
    address, an id, a host port) is held by someone else in `news`."""
    held = {claim.thing: claim for claims in claims_from_props(news.get("claims")).values() for claim in claims}
    files = news.get("files") or {}
    leaving = {rel: claims for rel, claims in claims_from_props(old_claims(olds)).items() if rel not in files}
    return frozenset(
        rel for rel, claims in leaving.items() if any(c.thing in held and held[c.thing].conflicts(c) for c in claims)
    )


def desired(props: Mapping[str, Any], root: str, olds: Mapping[str, Any]) -> Desired:
    """What `HostModules` wants on the host, from its new properties and old state."""
    common = HostProps.read(props)
    return Desired(
        host=common.host,
        root=root,
        files=dict(props.get("files") or {}),
        secrets=dict(props.get("secrets") or {}),
        activation=common.activation,
        checks=checks_from_props(props.get("checks")),
        # Not on the first update after an upgrade: a state without claims cannot tell
        # whether a new module takes over what a leaving one holds.
        retain_removed=bool(props.get("retain_removed")) and (not olds or "claims" in olds),
        release=released(olds, props),
        owner=Owner.from_props(props.get("owner")),
        target=dict(props.get("target") or {}),
    )
