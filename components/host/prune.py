"""The dynamic provider behind `HostPrune` (`components.host.resources`): a host's
second step, after the edge; it removes the modules that left the stack.

Pulumi deletes a removed DNS record only at the end of an update, and updates a
tunnel's ingress after the host step it depends on. So when a container leaves the
stack with its routes, the host must not stop it in `HostModules`: with
`retain_removed=True` that step keeps the leaving modules (imported under a comment in
an interim default.nix), the ingress rules go, and this resource, which depends on the
edge, removes the modules and activates once:

    modules = HostModules("seminar-modules", ..., retain_removed=True)
    edge = Edge("seminar-edge", ..., activation=modules)
    HostPrune("seminar-prune", host="seminar", target=..., keep=sorted(files),
              leaving=modules.retained, activation=...,
              opts=pulumi.ResourceOptions(depends_on=[modules, edge]))

`keep` is every module path the stack has (held as `{path: true}`), `leaving` what the
host step kept back (its `retained` output). An update whose `keep` lost a path, or
whose `leaving` is new, removes whatever the manifest lists beyond `keep` (also what an
earlier, failed or skipped prune left).
An update that only adds paths, or changes nothing here, connects to nothing. Creation
connects once, in case a stack that just got its edge left something behind.

Its module path is in every state (dill stores the provider by reference): states
written before it lived here name `components.nixos.prune`, which `components.legacy`
maps to this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi.dynamic import CheckFailure, CheckResult, CreateResult, DiffResult, UpdateResult

from components.host.apply import prune
from components.host.manifest import relpath_problem
from components.host.ownership import Owner
from components.host.plan import Report
from components.host.props import HostProps, check_activation, has_unknown
from components.host.provider_base import HostProvider, own_message
from components.host.target import check_target, location, open_target

_COMPARED = ("host", "target", "keep", "leaving", "activation_config")


def _outputs(props: Mapping[str, Any], path: str, report: Report | None) -> dict[str, Any]:
    return {
        "host": props["host"],
        "target": props["target"],
        "keep": dict(props.get("keep") or {}),
        "leaving": dict(props.get("leaving") or {}),
        "activation_config": dict(props.get("activation_config") or {}),
        "path": path,
        "removed": [rel for rel in (report.changed if report else []) if rel not in (props.get("keep") or {})],
        "ran": bool(report and report.ran),
    }


class HostPruneProvider(HostProvider):
    """Removes the modules `HostModules(retain_removed=True)` kept; see the module doc."""

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        """Validate the inputs (skipping values unknown during preview) and fill defaults.

        Pure: a failure is reported as `CheckFailure`s, before anything changes."""
        inputs = dict(news)
        inputs.setdefault("activation_config", {"command": [], "rollback": []})
        failures: list[CheckFailure] = []
        if not has_unknown(inputs.get("target")):
            failures += self.failures("target", check_target(inputs.get("target")))
        keep = inputs.get("keep")
        if not has_unknown(keep):
            if not isinstance(keep, Mapping) or not all(isinstance(k, str) for k in keep):
                failures.append(CheckFailure("keep", "keep: must map the stack's module paths to true"))
            else:
                failures += self.failures("keep", [f"{k!r} {p}" for k in keep if (p := relpath_problem(k))])
        if not has_unknown(inputs["activation_config"]):
            failures += self.failures("activation", check_activation(inputs["activation_config"]))
        return CheckResult(inputs, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        """Pure: an update whenever an input changed (most of them connect to nothing).

        In a preview that updates the host step, `leaving` is not known yet: predict a
        change only when `keep` changed or `leaving` was set (it then empties). Never
        replaces; `path` is stable while the target stays. Pure: a failure leaves
        nothing behind."""
        stables = ["path"] if olds.get("target") == news.get("target") else []
        result = self.partial_diff(olds, news, [k for k in _COMPARED if k != "leaving"], stables)
        if has_unknown(news.get("leaving")):
            leaving = bool(olds.get("leaving"))
        else:
            leaving = (olds.get("leaving") or {}) != (news.get("leaving") or {})
        result.changes = bool(result.changes) or leaving
        return result

    def create(self, props: dict[str, Any]) -> CreateResult:
        """Prune once (a stack that just got its edge may have left modules behind).

        Transactional: if this raises, the resource was not created, the removed
        modules and the previous default.nix are back, and the rollback command ran
        once if an activation had started."""
        path, report = self._prune(props)
        return CreateResult(f"{props['host']}:prune", _outputs(props, path, report))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        """Prune when `keep` lost a path or the host step kept modules back; otherwise
        only record the new inputs (no connection).

        If this raises, the state keeps `olds` and the host is as `create` describes:
        the modules are back, so the next update prunes them again."""
        left = set(olds.get("keep") or {}) - set(news.get("keep") or {})
        if not left and not news.get("leaving") and olds.get("target") == news.get("target"):
            # Same target, so the same place as last time: nothing to connect to.
            return UpdateResult(_outputs(news, str(olds["path"]), None))
        path, report = self._prune(news)
        return UpdateResult(_outputs(news, path, report))

    def delete(self, _id: str, _props: dict[str, Any]) -> None:
        """Nothing: `HostModules`' delete removes every module the manifest lists. Never
        fails, so it leaves the host as it was."""

    @staticmethod
    def _prune(props: Mapping[str, Any]) -> tuple[str, Report]:
        """Prune; return the module directory's location (`path`) and what was done."""
        transport, root = open_target(props)
        with own_message(f"while removing {props['host']}'s leaving modules"), transport:
            common = HostProps.read(props)
            owner = Owner.from_props(props.get("owner"))
            report = prune(transport, common.host, root, (props.get("keep") or {}).keys(), common.activation, owner)
            return location(props["target"], root), report
