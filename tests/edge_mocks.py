"""Pulumi mocks for the edge tests: canned Cloudflare answers and a recording monitor.

`run(program, stack=...)` runs a program under `pulumi.runtime.set_mocks` and returns
what it registered, read and invoked, with the resource options the engine would see
(dependencies, import id, ignore_changes, which inputs are secret). Pulumi's settings,
root resource and config are restored in `finally`, so runs do not leak into each other
or into other tests.
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import gc
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pulumi
from google.protobuf import json_format
from pulumi.runtime import config as pulumi_config
from pulumi.runtime import mocks, rpc, settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

TUNNEL_ID = "6f1c7a52-3b0e-4f7e-9d59-2a1f3c4b5d6e"
"""The id Cloudflare gives the first tunnel a run creates under these mocks."""


def later_tunnel_id(name: str) -> str:
    """The id of a further tunnel (another host's in a site), derived from its name."""
    digest = hashlib.sha256(name.encode()).hexdigest()
    return f"{digest[:8]}-{digest[8:12]}-4{digest[13:16]}-8{digest[17:20]}-{digest[20:32]}"


TUNNEL_SECRET = base64.b64encode(bytes(range(32))).decode()
"""The secret Cloudflare generated for every tunnel under these mocks."""

TUNNEL_TYPE = "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared"
CONFIG_TYPE = "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig"
DNS_TYPE = "cloudflare:index/dnsRecord:DnsRecord"
DYNAMIC_TYPE = "pulumi-python:dynamic/nixedge:HostModules"
"""The host's dynamic resource (`HostModules` names its type: module nixedge, name HostModules)."""
PRUNE_TYPE = "pulumi-python:dynamic/nixedge:HostPrune"
"""The host's second step, after the edge (`HostPrune`)."""
TOKEN_FN = "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken"
ZONE_FN = "cloudflare:index/getZone:getZone"

# How the wire format marks a secret value (pulumi/runtime/rpc.py, sdk/go/common/resource/sig).
SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"

# Every Settings attribute (context properties) that set_mocks replaces.
_SETTINGS_ATTRS = (
    "rpc_manager",
    "outputs",
    "lock",
    "project",
    "root_directory",
    "stack",
    "parallel",
    "dry_run",
    "legacy_apply_enabled",
    "monitor_features",
    "organization",
    "package_refs",
    "base_providers_by_ref",
    "monitor",
    "engine",
    "callbacks",
)


def _close_event_loops() -> None:
    """Close, at exit, the event loops Pulumi's mocks left open: the main one and one per
    executor thread the mock monitor ran in. Left to the garbage collector at shutdown,
    a loop's `__del__` may run after its self-pipe is gone and print a traceback (about
    1 in 7 runs of a script that calls `run` once)."""
    for loop in [o for o in gc.get_objects() if isinstance(o, asyncio.AbstractEventLoop)]:
        if not loop.is_running() and not loop.is_closed():
            loop.close()


atexit.register(_close_event_loops)


def token_for(account_id: str, tunnel_id: str) -> str:
    """The tunnel token Cloudflare's token endpoint returns under these mocks."""
    body = json.dumps({"a": account_id, "t": tunnel_id, "s": TUNNEL_SECRET})
    return base64.b64encode(body.encode()).decode()


@dataclass(frozen=True)
class Registration:
    """One resource the program registered (or read), as the engine received it."""

    op: str  # "register" or "read"
    type: str
    name: str
    urn: str
    parent: str
    inputs: dict[str, Any]
    dependencies: frozenset[str]  # URNs: depends_on plus every input's dependencies
    import_id: str
    ignore_changes: tuple[str, ...]
    secret_inputs: frozenset[str]  # top-level input keys that hold a secret anywhere inside

    def __str__(self) -> str:
        return self.urn


@dataclass(frozen=True)
class Invocation:
    token: str
    args: dict[str, Any]


@dataclass
class Run:
    """What one program run did."""

    registrations: list[Registration] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)
    results: dict[str, tuple[Any, bool]] = field(default_factory=dict)  # key -> (value, is_secret)
    exports: dict[str, tuple[Any, bool]] = field(default_factory=dict)

    def of_type(self, type_: str) -> list[Registration]:
        return [r for r in self.registrations if r.type == type_]

    def cloudflare(self) -> list[Registration]:
        return [r for r in self.registrations if r.type.startswith("cloudflare:")]

    def one(self, type_: str) -> Registration:
        found = self.of_type(type_)
        assert len(found) == 1, f"expected one {type_}, got {[str(r) for r in found]}"
        return found[0]

    def named(self, name: str) -> Registration:
        found = [r for r in self.registrations if r.name == name]
        assert len(found) == 1, f"expected one resource named {name}, got {[str(r) for r in found]}"
        return found[0]

    def calls(self, token: str) -> list[Invocation]:
        return [i for i in self.invocations if i.token == token]


def _secret_paths(value: Any) -> Iterator[None]:
    if isinstance(value, dict):
        if value.get(SPECIAL_SIG_KEY) == SECRET_SIG:
            yield None
            return
        for v in value.values():
            yield from _secret_paths(v)
    elif isinstance(value, list):
        for v in value:
            yield from _secret_paths(v)


class RecordingMonitor(mocks.MockMonitor):
    """MockMonitor that keeps each request's options, which MockResourceArgs leaves out."""

    def __init__(self, mocks_: mocks.Mocks, run: Run) -> None:
        super().__init__(mocks_)
        self.run = run

    def _record(self, op: str, request: Any, urn: str, inputs_struct: Any) -> None:
        raw = json_format.MessageToDict(inputs_struct)
        deps = set(getattr(request, "dependencies", []))
        for pdeps in getattr(request, "propertyDependencies", {}).values():
            deps.update(pdeps.urns)
        self.run.registrations.append(
            Registration(
                op=op,
                type=request.type,
                name=request.name,
                urn=urn,
                parent=request.parent,
                inputs=self.resources[urn].state if op == "read" else _deserialize(inputs_struct),
                dependencies=frozenset(deps),
                import_id=getattr(request, "importId", "") if op == "register" else request.id,
                ignore_changes=tuple(getattr(request, "ignoreChanges", ())),
                secret_inputs=frozenset(k for k, v in raw.items() if any(True for _ in _secret_paths(v))),
            )
        )

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != "pulumi:pulumi:Stack":
            self._record("register", request, response.urn, request.object)
        return response

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        self._record("read", request, response.urn, request.properties)
        return response

    def Invoke(self, request: Any) -> Any:
        if request.tok != "pulumi:pulumi:getResource":
            self.run.invocations.append(Invocation(request.tok, _deserialize(request.args)))
        return super().Invoke(request)  # type: ignore[no-untyped-call]


def _unwrap(value: Any) -> Any:
    """The value with every secret wrapper replaced by what it wraps."""
    if isinstance(value, dict):
        if value.get(SPECIAL_SIG_KEY) == SECRET_SIG:
            return _unwrap(value.get("value"))
        return {k: _unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap(v) for v in value]
    return value


def _deserialize(struct: Any) -> dict[str, Any]:
    """Inputs as plain values (secrets unwrapped: `secret_inputs` says which were)."""
    return dict(_unwrap(rpc.deserialize_properties(struct)))


class CloudflareMocks(mocks.Mocks):
    """Answers as Cloudflare would, deterministically; anything else echoes its inputs.

    `created_config_src`: the config_src of the tunnel an earlier run created, which the
    engine keeps in the outputs while the program ignores changes to it.
    """

    def __init__(self, created_config_src: str | None = None) -> None:
        self.created_config_src = created_config_src
        self.created_tunnels: list[str] = []

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if args.typ == TUNNEL_TYPE:
            if args.resource_id:  # a read of an existing tunnel: `<account_id>/<tunnel_id>`
                account_id, tunnel_id = args.resource_id.split("/", 1)
                return tunnel_id, {"accountId": account_id, "name": "made-by-hand", "configSrc": "local"}
            tunnel_id = TUNNEL_ID if not self.created_tunnels else later_tunnel_id(args.inputs["name"])
            self.created_tunnels.append(tunnel_id)
            state = {**args.inputs, "accountTag": args.inputs["accountId"], "status": "inactive"}
            if self.created_config_src is not None:
                state["configSrc"] = self.created_config_src
            return tunnel_id, state
        if args.typ == DNS_TYPE:
            digest = hashlib.sha256(args.inputs["name"].encode()).hexdigest()[:32]
            return digest, dict(args.inputs)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: mocks.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        if args.token == TOKEN_FN:
            account_id, tunnel_id = args.args["accountId"], args.args["tunnelId"]
            return {"accountId": account_id, "tunnelId": tunnel_id, "token": token_for(account_id, tunnel_id)}
        if args.token == ZONE_FN:
            # Every zone name exists in two accounts that the token sees, as the provider
            # finds them: a lookup by name alone matches both and fails.
            wanted = args.args["filter"]
            account = wanted.get("account", {}).get("id")
            if account is None:
                raise ValueError(f"expected exactly one zone named {wanted['name']}, found 2 (in 2 accounts)")
            key = f"{account}/{wanted['name']}"
            return {"id": "zone-" + hashlib.sha256(key.encode()).hexdigest()[:27], "name": wanted["name"]}
        return {}


def run(
    program: Callable[[], dict[str, Any] | None],
    *,
    stack: str,
    project: str = "nixedge",
    config: dict[str, str] | None = None,
    preview: bool = False,
    created_config_src: str | None = None,
) -> Run:
    """Run `program` under mocks; resolve what it returns and what the stack exports.

    `config` is the stack config as the engine passes it (`{"nixedge:site": "<json>"}`);
    `created_config_src` stands for a tunnel created by an earlier run (see CloudflareMocks).
    """
    result = Run()
    saved = {name: getattr(settings.SETTINGS, name) for name in _SETTINGS_ATTRS}
    saved_root = settings.get_root_resource()
    saved_config = dict(pulumi_config.CONFIG.get())
    saved_secret_keys = set(pulumi_config._SECRET_KEYS.get())
    try:
        settings.ROOT.set(None)
        pulumi_config.set_all_config(dict(config or {}), [])
        mocks_ = CloudflareMocks(created_config_src)
        pulumi.runtime.set_mocks(
            mocks_,
            project=project,
            stack=stack,
            preview=preview,
            monitor=RecordingMonitor(mocks_, result),
        )

        async def body() -> None:
            returned = program() or {}
            for key, value in returned.items():
                out = pulumi.Output.from_input(value)
                result.results[key] = (await out.future(), await out.is_secret())
            root = settings.get_root_resource()
            for key, value in dict(getattr(root, "outputs", {})).items():
                out = pulumi.Output.from_input(value)
                result.exports[key] = (await out.future(), await out.is_secret())

        _sync_await(run_pulumi_func(body))
        return result
    finally:
        for name, value in saved.items():
            setattr(settings.SETTINGS, name, value)
        settings.ROOT.set(saved_root)
        pulumi_config.CONFIG.set(saved_config)
        pulumi_config._SECRET_KEYS.set(saved_secret_keys)
