"""The dynamic provider behind `HostModules`: one resource per host owns its modules.

dill stores this class in the state by reference (this module must import in the
provider process: the program directory is its working directory and on `sys.path`).
It captures nothing: every value it needs arrives in the resource's properties.
Its module path is in every state: states written before it lived here name
`components.nixos.provider`, which `components.legacy` maps to this module; moving it
again needs an entry there.

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
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, ReadResult, UpdateResult

from components.errors import HostError
from components.host import outcomes, rollout
from components.host.apply import apply, read_back, remove
from components.host.manifest import relpath_problem
from components.host.move import move, moved
from components.host.ownership import Owner
from components.host.plan import Report
from components.host.preflight import foreign_owner, takes_target
from components.host.props import (
    UNKNOWN,
    check_activation,
    check_checks,
    check_claims,
    check_secrets,
    desired,
    has_unknown,
    is_unknown,
    old_claims,
)
from components.host.provider_base import HostProvider, own_message
from components.host.target import check_target, location, open_target
from components.host.transport import Transport, sha256_hex

__all__ = ["UNKNOWN", "HostModulesProvider"]

# Inputs that diff compares with their echo in the old outputs. `activation_pending` is
# never an input: only `read` sets it (True), when the host holds modules whose
# activation an interrupted run never completed, so that the next `up` updates.
_COMPARED = (
    "host",
    "target",
    "files",
    "secrets",
    "activation_config",
    "checks",
    "retain_removed",
    "claims",
    "activation_pending",
)
_DRIFTED = "(changed on the host)"
# Inputs diff does not compare, echoed in the outputs so that `read` can give them back
# as inputs: a refresh that dropped them would show them as added in `preview --diff`.
_UNCOMPARED = ("owner", "rollout")


def _outputs(
    props: Mapping[str, Any], root: str, report: Report | None, olds: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    act = props.get("activation_config") or {}
    files = dict(props.get("files") or {})
    held = old_claims(olds or {})
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
        **({"owner": props["owner"]} if "owner" in props else {}),
        **({"rollout": props["rollout"]} if "rollout" in props else {}),
        # Modules kept for `prune` (with their claims, still held until they go).
        "retained": {rel: held.get(rel, {}) for rel in (report.retained if report else [])},
        "activation_config": dict(act),
        "hashes": {rel: sha256_hex(text.encode()) for rel, text in sorted(files.items())},
        "path": location(props["target"], root),
        "activation": {
            "ran": bool(report and report.ran),
            "command": shlex.join(act.get("command") or []),
            "changed": list(report.changed) if report else [],
            "removed": list(report.removed) if report else [],
            "secrets_changed": list(report.secrets_changed) if report else [],
            "checked": list(report.checked) if report else [],
            "retained": list(report.retained) if report else [],
            **({"adopted": report.adopted} if report and report.adopted else {}),
            # A move's old place, emptied (components.host.move), and what was removed there.
            **(
                {"emptied": {"path": report.emptied, "removed": report.emptied_modules}}
                if report and report.emptied
                else {}
            ),
            # When this ran, so that the program tells this update's activation from an
            # earlier one's (an unchanged resource keeps its outputs), and what it said.
            **({"at": datetime.now(UTC).isoformat(timespec="microseconds")} if report else {}),
            **({"output": report.output} if report and report.output else {}),
        },
    }


class HostModulesProvider(HostProvider):
    """Writes one host's NixOS modules and secrets, activates, rolls back on failure.

    `diff` is pure (no connection); create, update, read and delete each use one
    connection to the host, closed before they return.
    """

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate the inputs (skipping values unknown during preview) and fill defaults.

        Writes nothing. A failure is reported as `CheckFailure`s (one per problem,
        `prop: message`), before anything changes anywhere. Connects to the host only
        for a target this resource does not deploy to yet, to read whose it is
        (`components.host.preflight`): a preview refuses another stack's directory."""
        inputs = dict(news)
        inputs.setdefault("secrets", {})
        inputs.setdefault("checks", [])
        inputs.setdefault("activation_config", {"command": [], "rollback": []})
        failures: list[CheckFailure] = []

        def fail(prop: str, problems: list[str]) -> None:
            failures.extend(self.failures(prop, problems))

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
                elif not isinstance(text, str) and not is_unknown(text):  # (unknown until an earlier resource exists)
                    fail("files", [f"{rel!r} must be Nix text"])
        if not is_unknown(inputs["secrets"]):  # (unknown: e.g. a tunnel token the same `up` creates)
            fail("secrets", check_secrets(inputs["secrets"], target))
        if not has_unknown(inputs["activation_config"]):
            fail("activation", check_activation(inputs["activation_config"]))
        if files is not None and not has_unknown(inputs["checks"]):
            fail("checks", check_checks(inputs["checks"], files))
        if not isinstance(inputs.get("retain_removed", False), bool):
            fail("retain_removed", ["must be true or false"])
        if files is not None and not has_unknown(inputs.get("claims")):
            fail("claims", check_claims(inputs.get("claims", {}), files))
        if not failures and not has_unknown(target) and takes_target(olds, inputs):
            foreign = foreign_owner(inputs)
            fail("target", [foreign] if foreign else [])
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Compare the old outputs with the new inputs; never connects to the host.

        A change of where the modules live (transport, destination, path) is an update,
        not a replacement: only `update` sees both places, so it writes (and activates)
        the new one before it removes the old (`components.host.move`); Pulumi's replace
        would delete the old resource knowing nothing of the new one, which may be the same
        directory under another name and lists the same secret files. The id keeps naming
        the first place. Otherwise `path` and (when unchanged) `host` are stable outputs.
        Pure: a failure here leaves nothing behind.
        """
        new_target = news.get("target") or {}
        relocated = has_unknown(new_target) or moved(olds.get("target") or {}, new_target)
        stables = [] if relocated else ["path", *(["host"] if olds.get("host") == news.get("host") else [])]
        return self.partial_diff(olds, news, _COMPARED, stables)

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Write the modules and secrets, activate, check; return the id
        `host:location` and the outputs.

        Transactional: if this raises, the resource was not created. Every file this
        call wrote is removed again (files it replaced are restored), the rollback
        command ran once if an activation had started, and the message says so; when
        even the restore failed, it says which files are left and that the host holds
        complete files only (never a partial one)."""
        transport, root = open_target(props)
        with transport:
            report = self._apply(transport, props, root, {}, "create")
        return CreateResult(f"{props['host']}:{location(props['target'], root)}", _outputs(props, root, report))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Bring the host to `news`: write what differs, remove modules that left the set
        (or retain them, `retain_removed`), activate once if anything changed, check the
        origins of the changed modules.

        If this raises, the state keeps `olds`: the previous files are back, the
        rollback command ran once if an activation had started, and the message says
        whether both worked. An activation whose rollback failed leaves the pending
        marker, so the next update activates again."""
        if moved(olds.get("target") or {}, news["target"]):
            return UpdateResult(self._move(olds, news))
        transport, root = open_target(news)
        with transport:
            report = self._apply(transport, news, root, olds, "update")
        return UpdateResult(_outputs(news, root, report, olds))

    @staticmethod
    def _move(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        """The update of a moved target (`components.host.move`): the new place is
        complete, activated when anything changed there, before the old one is emptied."""
        new, root = open_target(news)
        old, old_root = open_target(olds)
        kinds = [
            (t.get("transport", "local"), t.get("destination"), t.get("port")) for t in (olds["target"], news["target"])
        ]
        with new, old:
            state = desired(news, root, olds)
            with own_message(f"while moving {state.host}'s modules to {root}"):
                report = move(
                    new,
                    state,
                    old,
                    old_root,
                    (olds.get("files") or {}).keys(),
                    (olds.get("secrets") or {}).keys(),
                    old_host=str(olds.get("host") or state.host),
                    same_host=kinds[0] == kinds[1],
                )
        if report.emptied is not None:  # named as outputs name a place (`destination:/path`)
            report = replace(report, emptied=location(olds["target"], report.emptied))
        return _outputs(news, root, report, olds)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        """Remove exactly our modules, secrets and manifest (no activation: the host's
        configuration.nix still imports the directory); files nixedge did not write stay.

        If this raises, the resource still exists in the state and a later destroy
        retries: what was removed already stays removed, and the manifest, removed last,
        still lists what is left."""
        transport, root = open_target(props)
        try:
            with transport:
                remove(
                    transport,
                    root,
                    (props.get("files") or {}).keys(),
                    (props.get("secrets") or {}).keys(),
                    host=props.get("host"),
                    owner=Owner.from_props(props.get("owner")),
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
        update activates them.

        Changes nothing on the host. If this raises (the host cannot be reached), the
        state is left as it was."""
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
        inputs = {k: outs[k] for k in (*_COMPARED, *_UNCOMPARED) if k in outs}
        return ReadResult(id_, outs, inputs)

    @staticmethod
    def _apply(
        transport: Transport,
        props: Mapping[str, Any],
        root: str,
        olds: Mapping[str, Any],
        verb: str,
    ) -> Report:
        state = desired(props, root, olds)
        rollout.started(state.host)
        with own_message(f"during {verb} of {state.host}'s modules"):
            try:
                report = apply(
                    transport,
                    state,
                    (olds.get("files") or {}).keys(),
                    (olds.get("secrets") or {}).keys(),
                )
            except HostError as exc:
                note = rollout.note(state.host, props.get("rollout"), exc) or outcomes.others_note(state.host)
                if not note:
                    raise  # already says what happened and in which state the host is
                raise HostError(f"{exc}\n{note}") from exc
        outcomes.deployed(state.host)
        return report
