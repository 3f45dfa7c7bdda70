"""The dynamic provider behind `HostModules`: one resource per host owns its modules.

dill stores this class in the state by reference (this module must import in the
provider process: the program directory is its working directory and on `sys.path`).
It captures nothing: every value it needs arrives in the resource's properties.

Properties (inputs, validated by `check`): host, target, files, secrets,
activation_config (`HostModules(activation=...)`), checks, retain_removed, claims.
Outputs: the inputs echoed under the same names (diff compares old outputs with new
inputs, and the engine keeps `secrets` secret by name), plus `hashes`, `path`,
`activation` (what the last create/update did: ran, command, changed, ...) and
`retained` (leaving modules kept for `HostPrune`, with their claims: the next update
needs those to tell whether a new module takes one over). `activation` is output-only so
that a preview does not show the settings "changing" into the result.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    ResourceProvider,
    UpdateResult,
)
from pulumi.output import Unknown

from components.errors import HostError
from components.nixos.activation import (
    Activation,
    Check,
    Desired,
    Report,
    abspath_problem,
    apply,
    read_back,
    relpath_problem,
    remove,
)
from components.nixos.transport import Transport, make_transport, sha256_hex

# A value not known during preview arrives as an `Unknown` (keep_unknowns) or, nested
# in places the SDK does not convert, as the engine's placeholder string.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

# Inputs that diff compares with their echo in the old outputs. `activation_pending` is
# never an input: only `read` sets it (True), when the host holds modules whose
# activation an interrupted run never completed, so that the next `up` updates.
_COMPARED = (
    "host", "target", "files", "secrets", "activation_config", "checks", "retain_removed", "claims",
    "activation_pending",
)  # fmt: skip
# Target keys that name *where* the modules live: changing one replaces the resource.
_LOCATION_KEYS = ("transport", "destination", "path")
_DRIFTED = "(changed on the host)"


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


def check_target(target: object) -> list[str]:
    if not isinstance(target, Mapping):
        return ["must be a mapping with 'transport' and 'path'"]
    problems = []
    kind = target.get("transport", "local")
    if kind not in ("local", "ssh"):
        problems.append(f"transport must be 'local' or 'ssh' (got: {kind!r})")
    path = target.get("path")
    if not isinstance(path, str) or not path:
        problems.append("path must be the module directory (e.g. '/etc/nixos/nixedge')")
    elif kind == "ssh" and abspath_problem(path.rstrip("/") or "/"):
        problems.append(f"path must be an absolute plain path on the host (got: {path!r})")
    if kind == "ssh" and not isinstance(target.get("destination"), str):
        problems.append("destination is required for ssh (e.g. 'root@seminar')")
    for key in ("ssh_options", "ssh_command"):
        value = target.get(key)
        if value is not None and (not isinstance(value, list) or not all(isinstance(v, str) for v in value)):
            problems.append(f"{key} must be a list of strings")
    return problems


def check_activation(activation: object) -> list[str]:
    if not isinstance(activation, Mapping):
        return ["must be a mapping with 'command' and 'rollback' (lists of strings)"]
    return [
        f"{key} must be a list of strings, [] for none (e.g. ['nixos-rebuild', 'switch'])"
        for key in ("command", "rollback")
        if not isinstance(activation.get(key, []), list) or not all(isinstance(a, str) for a in activation.get(key, []))
    ]


def _check_checks(checks: object, files: Mapping[str, Any]) -> list[str]:
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


def _check_claims(claims: object, files: Mapping[str, Any]) -> list[str]:
    if not isinstance(claims, Mapping) or not all(
        isinstance(c, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in c.items())
        for c in claims.values()
    ):
        return ["must map module paths to {claim: holder} strings (e.g. {'address 10.0.0.2': 'forgejo'})"]
    return [f"{rel!r} is not a module path of `files`" for rel in claims if rel not in files]


def _old_claims(olds: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """The claims of every module of the old state: those in the set, and those kept
    back for `prune` (their claims still held until they go)."""
    return {**(olds.get("claims") or {}), **(olds.get("retained") or {})}


def released(olds: Mapping[str, Any], news: Mapping[str, Any]) -> frozenset[str]:
    """Modules leaving the set that cannot stay until `prune`: one of their claims (an
    address, an id, a host port) is held by someone else in `news`."""
    old_claims = _old_claims(olds)
    held: dict[str, str] = {}
    for claims in (news.get("claims") or {}).values():
        held.update(claims)
    files = news.get("files") or {}
    return frozenset(
        rel for rel, claims in old_claims.items()
        if rel not in files and any(k in held and held[k] != v for k, v in claims.items())
    )  # fmt: skip


def activation_settings(props: Mapping[str, Any]) -> Activation:
    """The `activation_config` property as the commands `apply` runs."""
    act = props.get("activation_config") or {}
    return Activation(
        command=tuple(act.get("command") or ()),
        rollback=tuple(act.get("rollback") or ()),
        timeout=float(act.get("timeout", Activation.timeout)),
    )


def _desired(props: Mapping[str, Any], root: str, olds: Mapping[str, Any]) -> Desired:
    return Desired(
        host=str(props["host"]),
        root=root,
        files=dict(props.get("files") or {}),
        secrets=dict(props.get("secrets") or {}),
        activation=activation_settings(props),
        checks=tuple(
            Check(
                container=str(c.get("container", c["address"])),
                address=str(c["address"]),
                port=int(c["port"]),
                files=tuple(c.get("files") or ()),
                attempts=int(c.get("attempts", Check.attempts)),
                interval=float(c.get("interval", Check.interval)),
                timeout=float(c.get("timeout", Check.timeout)),
            )
            for c in props.get("checks") or []
        ),
        # Not on the first update after an upgrade: a state without claims cannot tell
        # whether a new module takes over what a leaving one holds.
        retain_removed=bool(props.get("retain_removed")) and (not olds or "claims" in olds),
        release=released(olds, props),
    )


def location(target: Mapping[str, Any], root: str) -> str:
    if target.get("transport", "local") == "ssh":
        return f"{target['destination']}:{root}"
    return root


def _outputs(
    props: Mapping[str, Any], root: str, report: Report | None, olds: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    act = props.get("activation_config") or {}
    files = dict(props.get("files") or {})
    old_claims = _old_claims(olds or {})
    return {
        "host": props["host"],
        "target": props["target"],
        "files": files,
        # Same key as the input: the engine keeps it secret (annotateSecrets).
        "secrets": dict(props.get("secrets") or {}),
        "checks": list(props.get("checks") or []),
        # Echoed only when given, as `check` leaves them (diff compares them by presence).
        **({"retain_removed": props["retain_removed"]} if "retain_removed" in props else {}),
        **({"claims": props["claims"]} if "claims" in props else {}),
        # Modules kept for `prune` (with their claims, still held until they go).
        "retained": {rel: old_claims.get(rel, {}) for rel in (report.retained if report else [])},
        "activation_config": dict(act),
        "hashes": {rel: sha256_hex(text.encode()) for rel, text in sorted(files.items())},
        "path": location(props["target"], root),
        "activation": {
            "ran": bool(report and report.ran),
            "command": shlex.join(act.get("command") or []),
            "changed": list(report.changed) if report else [],
            "secrets_changed": list(report.secrets_changed) if report else [],
            "checked": list(report.checked) if report else [],
            "retained": list(report.retained) if report else [],
        },
    }


def open_target(props: Mapping[str, Any]) -> tuple[Transport, str]:
    try:
        return make_transport(props["target"])
    except HostError as exc:
        raise HostError(f"{props.get('host', '?')}: {exc}") from exc


class HostModulesProvider(ResourceProvider):
    """Writes one host's NixOS modules and secrets, activates, rolls back on failure.

    `diff` is pure (no connection); create, update, read and delete each use one
    connection to the host, closed before they return.
    """

    # It captures no secret, so the serialised provider (a reference) need not be one.
    serialize_as_secret_always = False

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate the inputs (skipping values unknown during preview) and fill defaults."""
        inputs = dict(news)
        inputs.setdefault("secrets", {})
        inputs.setdefault("checks", [])
        inputs.setdefault("activation_config", {"command": [], "rollback": []})
        failures: list[CheckFailure] = []

        def fail(prop: str, problems: list[str]) -> None:
            failures.extend(CheckFailure(prop, f"{prop}: {p}") for p in problems)

        host = inputs.get("host")
        if not is_unknown(host) and (not isinstance(host, str) or not host):
            fail("host", ["must be the host's name (e.g. 'seminar')"])
        target = inputs.get("target")
        if not has_unknown(target):
            fail("target", check_target(target))
        files = inputs.get("files")
        if is_unknown(files):
            files = None  # known at update time; check then
        elif not isinstance(files, Mapping):
            fail("files", ["must map module paths to Nix text"])
            files = {}
        else:
            for rel, text in files.items():
                problem = relpath_problem(rel)
                if problem:
                    fail("files", [f"{rel!r} {problem}"])
                elif not isinstance(text, str) and not is_unknown(text):  # (a tunnel id not created yet)
                    fail("files", [f"{rel!r} must be Nix text"])
        secrets = inputs.get("secrets")
        if is_unknown(secrets):
            pass  # e.g. a tunnel token that the same `up` creates
        elif not isinstance(secrets, Mapping):
            fail("secrets", ["must map absolute paths on the host to contents"])
        else:
            root = target.get("path", "") if isinstance(target, Mapping) else ""
            for path in secrets:
                problem = abspath_problem(path)
                if problem:
                    fail("secrets", [f"{path!r} {problem}"])
                elif isinstance(root, str) and path.startswith(root.rstrip("/") + "/"):
                    fail("secrets", [f"{path!r} must lie outside the module directory"])
        if not has_unknown(inputs["activation_config"]):
            fail("activation", check_activation(inputs["activation_config"]))
        if files is not None and not has_unknown(inputs["checks"]):
            fail("checks", _check_checks(inputs["checks"], files))
        if not isinstance(inputs.get("retain_removed", False), bool):
            fail("retain_removed", ["must be true or false"])
        if files is not None and not has_unknown(inputs.get("claims")):
            fail("claims", _check_claims(inputs.get("claims", {}), files))
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare the old outputs with the new inputs; never connects to the host.

        A change of where the modules live (transport, destination, path) replaces the
        resource, deleting first: old and new may be the same directory under two names.
        """
        old_target, new_target = olds.get("target") or {}, news.get("target") or {}
        moved = not has_unknown(new_target) and any(old_target.get(k) != new_target.get(k) for k in _LOCATION_KEYS)
        replaces = ["target"] if moved else []
        if has_unknown(news):
            return DiffResult(changes=True, replaces=replaces, delete_before_replace=True)
        changed = [k for k in _COMPARED if olds.get(k) != news.get(k)]
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=True)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Write the modules and secrets, activate, check. Transactional: on failure the
        host is put back as it was (files created here are removed) and this raises."""
        transport, root = open_target(props)
        with transport:
            report = self._apply(transport, props, root, {}, "create")
        return CreateResult(f"{props['host']}:{location(props['target'], root)}",
                            _outputs(props, root, report))  # fmt: skip

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Bring the host to `news`: write what differs, remove modules that left the set,
        activate once if anything changed. On failure the previous files are back and
        the error says whether the rollback worked; the state keeps `olds`."""
        transport, root = open_target(news)
        with transport:
            report = self._apply(transport, news, root, olds, "update")
        return UpdateResult(_outputs(news, root, report, olds))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Remove exactly our modules, secrets and manifest (no activation: the host's
        configuration.nix still imports the directory). If this raises, the resource
        still exists and a later destroy retries."""
        transport, root = open_target(props)
        try:
            with transport:
                remove(
                    transport,
                    root,
                    (props.get("files") or {}).keys(),
                    (props.get("secrets") or {}).keys(),
                    host=props.get("host"),
                )
        except HostError as exc:
            raise HostError(
                f"Removing the modules from {props['host']} failed: {exc}; the resource still exists, run destroy again"
            ) from exc

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Read the owned files back (refresh): a module edited or removed on the host
        shows as a change of `files`, a changed secret as a change of `secrets` (the
        value itself never leaves the host); the next update writes them back. Modules
        whose activation was interrupted show as `activation_pending: true`; the next
        update activates them."""
        transport, root = open_target(props)
        secrets = dict(props.get("secrets") or {})
        try:
            with transport:
                files, found, pending = read_back(transport, root, (props.get("files") or {}).keys(), secrets)
        except HostError as exc:
            raise HostError(f"Reading the modules of {props['host']} failed: {exc}") from exc
        outs = {k: v for k, v in props.items() if not k.startswith("__") and k != "activation_pending"}
        if pending:
            outs["activation_pending"] = True
        outs["files"] = files
        outs["hashes"] = {rel: sha256_hex(t.encode()) for rel, t in sorted(files.items())}
        outs["secrets"] = {
            path: value if found[path] == value.encode() else _DRIFTED for path, value in secrets.items()
        }
        # Refreshed inputs too: `preview --diff` compares inputs, so this is what makes
        # a hand edit show as a line diff against the desired text.
        inputs = {k: outs[k] for k in _COMPARED if k in outs}
        return ReadResult(id_, outs, inputs)

    @staticmethod
    def _apply(
        transport: Transport, props: Mapping[str, Any], root: str,
        olds: Mapping[str, Any], verb: str,
    ) -> Report:  # fmt: skip
        desired = _desired(props, root, olds)
        try:
            return apply(
                transport, desired,
                (olds.get("files") or {}).keys(), (olds.get("secrets") or {}).keys(),
            )  # fmt: skip
        except HostError:
            raise  # already says what happened and in which state the host is
        except Exception as exc:
            raise HostError(f"Unexpected failure during {verb} of {desired.host}'s modules: {exc!r}") from exc
