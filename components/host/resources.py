"""The host engine's resources: `HostModules` and `HostPrune`, one of each per host.

`HostModules` owns the host's generated NixOS modules:

    HostModules(
        "seminar-modules",
        host="seminar",
        target={"transport": "ssh", "destination": "root@seminar", "path": "/etc/nixos/nixedge"},
        files={"default.nix": "...", "containers/forgejo.nix": "..."},
        secrets={"/var/lib/nixedge/secrets/tunnel-token": token},   # kept secret
        # The rollback rebuilds the restored (previous) modules: `--rollback` would go
        # one generation too far after a build error.
        activation={"command": ["nixos-rebuild", "switch"],
                    "rollback": ["nixos-rebuild", "switch"]},
        checks=[OriginCheck("forgejo", "192.168.100.11", 8080, ("containers/forgejo.nix",))],
        claims={"containers/forgejo.nix": [Claim("address", "192.168.100.11", "forgejo")]},
    )

`pulumi preview --diff` shows a changed module as a line diff of its text under
`files`; secrets show as [secret]. See `components.host.provider` for the behaviour.
`HostPrune` removes, after the edge, the modules that left the stack: see
`components.host.prune`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NotRequired, TypedDict

import pulumi
import pulumi.dynamic

from components.host.ownership import Owner
from components.host.provider import HostModulesProvider
from components.host.prune import HostPruneProvider
from components.host.wire import check_to_props, claims_to_props
from components.model.claims import Claim, OriginCheck


class HostTarget(TypedDict):
    """Where the module directory lives."""

    transport: str
    """`local` (a directory on the machine running Pulumi) or `ssh`."""
    path: str
    """The module directory; for `local` a relative path resolves against the program
    directory, for `ssh` it must be absolute (e.g. `/etc/nixos/nixedge`)."""
    destination: NotRequired[str]
    """ssh only: `user@host` or a Host alias of ~/.ssh/config."""
    port: NotRequired[int]
    """ssh only: the port, when not 22 and not set in ~/.ssh/config."""
    ssh_options: NotRequired[list[str]]
    """ssh only: extra arguments for `ssh`, e.g. `["-F", "/path/ssh_config"]`."""
    ssh_command: NotRequired[list[str]]
    """ssh only: the client to run instead of `ssh` (a wrapper), as argv."""


class ActivationSettings(TypedDict):
    """How to activate the host after its files changed; `[]` means no activation."""

    command: list[str]
    """e.g. `["nixos-rebuild", "switch"]`; run once per update, only after a change."""
    rollback: list[str]
    """Run once when the command or a check failed, after the files were restored."""
    timeout: NotRequired[float]
    """Seconds before the command is killed (default 3600)."""


class HostModulesArgs(TypedDict):
    """Arguments of `HostModules` (also accepted as keyword arguments)."""

    host: pulumi.Input[str]
    """The host's name, used in every message (e.g. `seminar`)."""
    target: pulumi.Input[HostTarget]
    files: pulumi.Input[Mapping[str, pulumi.Input[str]]]
    """Module path relative to the target directory -> Nix text; we own exactly these."""
    secrets: NotRequired[pulumi.Input[Mapping[str, pulumi.Input[str]]]]
    """Absolute path on the host -> content, written 0600 (directories 0700); always
    stored as a Pulumi secret, never in messages or generated Nix."""
    activation: NotRequired[pulumi.Input[ActivationSettings]]
    """Default: none (`{"command": [], "rollback": []}`)."""
    checks: NotRequired[Sequence[OriginCheck]]
    """Origins to check after an activation that changed their modules."""
    retain_removed: NotRequired[bool]
    """Keep a module that leaves `files` (imported by an interim default.nix) until a
    `HostPrune` that depends on the edge removes it. Default: remove it at once."""
    claims: NotRequired[Mapping[str, Iterable[Claim]]]
    """Module path -> what it holds (e.g. `Claim("address", "192.168.100.11", "forgejo")`): a
    leaving module whose claim a new module holds otherwise is removed at once even with
    `retain_removed`, since the two cannot run side by side."""
    rollout: NotRequired[Sequence[Sequence[str]]]
    """The site's rollout batches (host names, first batch first), for the message of a
    failed host: which hosts were deployed, rolled back and skipped. Not compared by diff."""


class HostModules(pulumi.dynamic.Resource, module="nixedge", name="HostModules"):
    """The generated modules (and secret files) of one host, activated on change.

    Activation runs at most once per `pulumi up`, only when a file or secret changed;
    an unchanged stack neither connects to the host nor activates it.
    """

    host: pulumi.Output[str]
    """The host's name."""
    files: pulumi.Output[dict[str, str]]
    """Module path -> Nix text, as written."""
    hashes: pulumi.Output[dict[str, str]]
    """Module path -> sha256 of its text."""
    path: pulumi.Output[str]
    """The module directory: an absolute local path, or `destination:/path`."""
    activation: pulumi.Output[dict[str, Any]]
    """What the last create/update did: `ran` (bool), `command` (str), `changed`
    (module paths written or removed), `secrets_changed` (paths), `checked`
    (containers whose origin was checked), `retained` (leaving modules kept for the
    prune step)."""
    retained: pulumi.Output[dict[str, dict[str, str]]]
    """Leaving modules the last update kept (`retain_removed`), with their claims."""

    def __init__(
        self,
        resource_name: str,
        *,
        host: pulumi.Input[str],
        target: pulumi.Input[HostTarget] | pulumi.Input[Mapping[str, Any]],
        files: pulumi.Input[Mapping[str, pulumi.Input[str]]],
        secrets: pulumi.Input[Mapping[str, pulumi.Input[str]]] | None = None,
        activation: pulumi.Input[ActivationSettings] | pulumi.Input[Mapping[str, Any]] | None = None,
        checks: Sequence[OriginCheck] | None = None,
        retain_removed: bool = False,
        claims: Mapping[str, Iterable[Claim]] | None = None,
        owner: Owner | None = None,
        rollout: Sequence[Sequence[str]] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "host": host,
            "target": target,
            # Who may write the directory (components.host.ownership); not compared by diff.
            **({"owner": owner.to_props()} if owner else {}),
            # Only for a failure's message (components.host.rollout); not compared by diff.
            **({"rollout": [list(b) for b in rollout]} if rollout else {}),
            "files": files,
            # Secret as a whole, whatever the caller passed.
            "secrets": pulumi.Output.secret(secrets or {}),
            # Not "activation": that name is the output saying what the last run did.
            "activation_config": activation or {"command": [], "rollback": []},
            "checks": [check_to_props(check) for check in checks or ()],
            # Outputs only: declared so that they are attributes of this resource.
            "hashes": None,
            "path": None,
            "activation": None,
            "retained": None,
        }
        if retain_removed:  # only then: a preview of a stack without an edge stays as it was
            props["retain_removed"] = True
            props["claims"] = claims_to_props(claims or {})
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["secrets"]))
        super().__init__(HostModulesProvider(), resource_name, props, opts)


def _as_keys(paths: Mapping[str, Any] | Sequence[str] | None) -> dict[str, bool]:
    """`{path: true}` for each path: a map diff in a preview names what came or went."""
    return dict.fromkeys(sorted(paths or {}), True)


class HostPrune(pulumi.dynamic.Resource, module="nixedge", name="HostPrune"):
    """Removes the modules that left a host's stack, after the edge stopped routing to them."""

    removed: pulumi.Output[list[str]]
    """Module paths the last run removed."""
    ran: pulumi.Output[bool]
    """Whether the last run activated the host."""
    path: pulumi.Output[str]
    """The module directory: an absolute local path, or `destination:/path`."""

    def __init__(
        self,
        resource_name: str,
        *,
        host: pulumi.Input[str],
        target: pulumi.Input[HostTarget] | pulumi.Input[Mapping[str, Any]],
        keep: pulumi.Input[Sequence[str]],
        leaving: pulumi.Input[Mapping[str, Any]] | None = None,
        activation: pulumi.Input[ActivationSettings] | pulumi.Input[Mapping[str, Any]] | None = None,
        owner: Owner | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "host": host,
            "target": target,
            **({"owner": owner.to_props()} if owner else {}),
            # A map, not a list: a preview then shows `- containers/x.nix: true` for a
            # module that goes, where a list diff would show every later index shift.
            "keep": pulumi.Output.from_input(keep).apply(_as_keys),
            # What the host step kept back: new entries call for a prune even when `keep`
            # is unchanged (an earlier up stopped before this step).
            "leaving": pulumi.Output.from_input(leaving or {}).apply(_as_keys),
            "activation_config": activation or {"command": [], "rollback": []},
            "path": None,
            "removed": None,
            "ran": None,
        }
        super().__init__(HostPruneProvider(), resource_name, props, opts)
