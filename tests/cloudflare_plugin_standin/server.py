"""The gRPC resource provider (`pulumirpc.ResourceProvider`, the SDK's generated
service) that the engine starts as `pulumi-resource-cloudflare`.

The engine runs the plugin with its own address as argument and reads the port of the
plugin's gRPC server from the first line of its stdout. Calls the engine needs and this
stand-in does not serve (Handshake, Parameterize, Construct, Call, Attach, GetMapping)
answer UNIMPLEMENTED, which the engine takes as "not supported".
"""

from __future__ import annotations

import json
import signal
import sys
from concurrent import futures
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from tests.cloudflare_plugin_standin import resources
from tests.cloudflare_plugin_standin.account import CloudflareError, opened
from tests.cloudflare_plugin_standin.invokes import FUNCTIONS

VERSION = "6.23.1"
"""pulumi-cloudflare==6.23.1 of requirements.txt: the plugin version the SDK asks for."""
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""How the engine marks a value unknown at preview."""


def to_dict(message: struct_pb2.Struct) -> dict[str, Any]:
    return dict(json_format.MessageToDict(message))


def to_struct(value: dict[str, Any]) -> struct_pb2.Struct:
    out = struct_pb2.Struct()
    out.update({k: v for k, v in value.items() if v is not None})
    return out


def kind_of(urn: str, given: str) -> str:
    """The resource type: the request's `type`, else the URN's last type segment."""
    return given or urn.split("::")[-2].split("$")[-1]


class Provider(provider_pb2_grpc.ResourceProviderServicer):
    def GetPluginInfo(self, request: Any, context: Any) -> Any:
        return plugin_pb2.PluginInfo(version=VERSION)

    def GetSchema(self, request: Any, context: Any) -> Any:
        return provider_pb2.GetSchemaResponse(schema=json.dumps({"name": "cloudflare", "version": VERSION}))

    def CheckConfig(self, request: Any, context: Any) -> Any:
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: Any, context: Any) -> Any:
        return provider_pb2.DiffResponse(changes=provider_pb2.DiffResponse.DIFF_NONE)

    def Configure(self, request: Any, context: Any) -> Any:
        return provider_pb2.ConfigureResponse(supportsPreview=True)

    def Check(self, request: Any, context: Any) -> Any:
        kind = kind_of(request.urn, request.type)
        return provider_pb2.CheckResponse(inputs=to_struct(resources.checked(kind, to_dict(request.news))))

    def Diff(self, request: Any, context: Any) -> Any:
        kind = kind_of(request.urn, request.type)
        olds, news = to_dict(request.olds), to_dict(request.news)
        ignored = set(request.ignoreChanges)
        changed = [
            k
            for k in resources.KINDS[kind].inputs
            if k not in ignored and (olds.get(k) != news.get(k) or news.get(k) == UNKNOWN)
        ]
        replaces = [k for k in changed if k in resources.KINDS[kind].replaces]
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed,
            replaces=replaces,
        )

    def Create(self, request: Any, context: Any) -> Any:
        kind = kind_of(request.urn, request.type)
        props = to_dict(request.properties)
        if request.preview:
            return provider_pb2.CreateResponse(properties=request.properties)
        with answering(context), opened() as state:
            rid, outputs = resources.create(state, kind, props)
        return provider_pb2.CreateResponse(id=rid, properties=to_struct(outputs))

    def Read(self, request: Any, context: Any) -> Any:
        kind = kind_of(request.urn, request.type)
        with answering(context), opened() as state:
            found = resources.read(state, kind, request.id)
        if found is None:
            return provider_pb2.ReadResponse(id="")
        rid, outputs, inputs = found
        return provider_pb2.ReadResponse(id=rid, properties=to_struct(outputs), inputs=to_struct(inputs))

    def Update(self, request: Any, context: Any) -> Any:
        kind = kind_of(request.urn, request.type)
        if request.preview:
            return provider_pb2.UpdateResponse(properties=request.news)
        with answering(context), opened() as state:
            outputs = resources.update(state, kind, request.id, to_dict(request.news))
        return provider_pb2.UpdateResponse(properties=to_struct(outputs))

    def Delete(self, request: Any, context: Any) -> Any:
        kind = kind_of(request.urn, request.type)
        with answering(context), opened() as state:
            resources.delete(state, kind, request.id)
        return empty_pb2.Empty()

    def Invoke(self, request: Any, context: Any) -> Any:
        function = FUNCTIONS.get(request.tok)
        if function is None:
            reason = f"the stand-in serves no function {request.tok}"
            return provider_pb2.InvokeResponse(failures=[provider_pb2.CheckFailure(reason=reason)])
        try:
            with opened() as state:
                result = function(state, to_dict(request.args))
        except CloudflareError as exc:
            return provider_pb2.InvokeResponse(failures=[provider_pb2.CheckFailure(reason=str(exc))])
        return provider_pb2.InvokeResponse(**{"return": to_struct(result)})

    def Cancel(self, request: Any, context: Any) -> Any:
        return empty_pb2.Empty()


class answering:
    """Turns an API error into the gRPC error the engine reports (the provider's message)."""

    def __init__(self, context: Any) -> None:
        self.context = context

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, CloudflareError):
            self.context.abort(grpc.StatusCode.UNKNOWN, str(exc))


def main() -> int:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(Provider(), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    # The engine stops its plugins with a signal when it is done: end quietly.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: server.stop(0))
    server.wait_for_termination()
    return 0


if __name__ == "__main__":
    sys.exit(main())
