"""The dynamic provider process (scripts/engine/pulumi_dynamic_provider.py) serves as many
operations at once as the engine sends: upstream's server has four threads, so a site
of more than four hosts used to activate in waves of four.

The test starts the real entry point (upstream's module, run as the engine runs it)
and sends it twelve `Create` calls at once, each of a provider that waits until all
twelve have started: with four threads, the first four would wait in vain.
"""

from __future__ import annotations

import asyncio
import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path
from typing import Any

import dill  # type: ignore[import-untyped]
import grpc
import pytest
from pulumi.dynamic import CreateResult, ResourceProvider
from pulumi.runtime import rpc
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from tests.conftest import REPO

CALLS = 12
WAIT = 30.0


class Barrier(ResourceProvider):
    """A provider whose `create` waits until `calls` creates have started."""

    def __init__(self, directory: str, calls: int) -> None:
        self.directory, self.calls = directory, calls

    def create(self, props: dict[str, Any]) -> CreateResult:
        name = str(props["name"])
        Path(self.directory, name).touch()
        deadline = time.monotonic() + WAIT
        while (seen := len(os.listdir(self.directory))) < self.calls and time.monotonic() < deadline:
            time.sleep(0.05)
        return CreateResult(name, {"seen": seen})


@pytest.fixture
def provider() -> Iterator[str]:
    """The provider process, as the engine starts it; yields its address."""
    # The repo (components) and tests/ (this module, where dill finds `Barrier`).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "tests")])}
    proc = subprocess.Popen(
        [sys.executable, str(REPO / "scripts" / "engine" / "pulumi_dynamic_provider.py")],
        cwd=REPO, env=env, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        yield f"127.0.0.1:{port}"
    finally:
        proc.kill()
        proc.wait()


def create(stub: provider_pb2_grpc.ResourceProviderStub, serialized: str, i: int) -> int:
    props = asyncio.run(rpc.serialize_properties({"__provider": serialized, "name": f"r{i}"}, {}))
    response = stub.Create(provider_pb2.CreateRequest(urn=f"urn:pulumi:s::p::t::r{i}", properties=props), timeout=90)
    return int(rpc.deserialize_properties(response.properties)["seen"])


def test_the_provider_serves_every_call_at_once(provider: str, tmp_path: Path) -> None:
    serialized = base64.b64encode(dill.dumps(Barrier(str(tmp_path), CALLS), recurse=True)).decode()
    with grpc.insecure_channel(provider) as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        with futures.ThreadPoolExecutor(CALLS) as pool:
            seen = list(pool.map(lambda i: create(stub, serialized, i), range(CALLS)))
    # Each call saw all twelve in flight: none waited for a thread.
    assert seen == [CALLS] * CALLS, seen
