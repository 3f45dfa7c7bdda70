"""The dynamic provider's progress lines, sent to the engine as log messages.

The engine starts a provider plugin with its own address as the first argument and
shows a provider's `Engine.Log` calls with a resource's URN and `ephemeral` as that
resource's status while it works. Upstream's dynamic
provider never calls it; `install` connects to the engine, notes the URN of every
request in the thread that serves it, and installs the factory of
`components.host.progress` that sends to the engine for that URN.
"""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, provider_pb2_grpc

from components.host import progress

_serving = threading.local()
_REQUESTS = ("Check", "Diff", "Create", "Update", "Delete", "Read")


class EngineReporter:
    """Log messages for one resource, sent to the engine; a failed send is dropped
    (progress must never fail a deployment)."""

    def __init__(self, engine: engine_pb2_grpc.EngineStub, urn: str) -> None:
        self._engine = engine
        self._urn = urn

    def status(self, message: str) -> None:
        request = engine_pb2.LogRequest(severity=engine_pb2.INFO, message=message, urn=self._urn, ephemeral=True)
        with contextlib.suppress(grpc.RpcError):
            self._engine.Log(request, timeout=10)


def install(engine_address: str) -> None:
    """Send progress to the engine at `engine_address` (the plugin's first argument)."""
    engine = engine_pb2_grpc.EngineStub(grpc.insecure_channel(engine_address))

    def factory() -> progress.Reporter:
        urn = getattr(_serving, "urn", "")
        return EngineReporter(engine, urn) if urn else progress.Silent()

    progress.install(factory)
    register = provider_pb2_grpc.add_ResourceProviderServicer_to_server

    def register_noting_urns(servicer: Any, server: Any) -> None:
        for name in _REQUESTS:
            setattr(servicer, name, _noting_urn(getattr(servicer, name)))
        register(servicer, server)

    provider_pb2_grpc.add_ResourceProviderServicer_to_server = register_noting_urns


def _noting_urn(method: Any) -> Any:
    def serve(request: Any, context: Any) -> Any:
        _serving.urn = getattr(request, "urn", "")
        try:
            return method(request, context)
        finally:
            _serving.urn = ""

    return serve
