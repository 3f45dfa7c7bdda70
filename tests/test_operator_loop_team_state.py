"""Issue 23's docs/team-state.md items against a real SeaweedFS: the identity the guide
gives can create the state bucket (with Read, Write and List alone SeaweedFS answers
AccessDenied, as the guide used to say), and the guide has the commands that start a
local server and create the bucket, which tests/test_docs_commands.py runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import s3server
from tests.conftest import REPO
from tests.test_docs_commands import document_commands

GUIDE = REPO / "docs/team-state.md"
BUCKET = "nixedge-state"
OLD_ACTIONS = ["Read", "Write", "List"]  # what the guide said before, on the state bucket


def guide_identity() -> dict[str, Any]:
    """The identity in the guide's runnable `s3.json` here-document."""
    (command,) = [c for c in document_commands(GUIDE) if "s3.json" in c.text and "<<'EOF'" in c.text]
    body = command.text.split("\n", 1)[1].rsplit("\nEOF", 1)[0]
    (identity,) = json.loads(body)["identities"]
    assert isinstance(identity, dict)
    return identity


def test_the_guide_starts_a_local_server_and_creates_the_bucket() -> None:
    texts = [c.text for c in document_commands(GUIDE)]
    assert any(".venv/bin/weed mini" in t and "-s3.config=" in t for t in texts), texts
    assert any(f'create_bucket(Bucket="{BUCKET}")' in t for t in texts), texts
    assert any(t.startswith("kill -KILL") for t in texts), texts  # and stops it again


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, dict[str, Any]]]:
    """SeaweedFS with two identities: the guide's, and the guide's with its old actions."""
    identity = guide_identity()
    old = {"name": "old", "credentials": [{"accessKey": "old", "secretKey": "old-secret"}],
           "actions": [f"{a}:{BUCKET}" for a in OLD_ACTIONS]}  # fmt: skip
    d = Path(tempfile.mkdtemp(prefix="nixedge-s3-"))
    (d / "data").mkdir()
    config = d / "s3.json"
    config.write_text(json.dumps({"identities": [identity, old]}))
    ports = s3server.free_ports(10)
    with open(d / "weed.log", "ab") as out:
        proc = subprocess.Popen(
            s3server.weed_command(d / "data", config, ports), stdin=subprocess.DEVNULL, stdout=out,
            stderr=subprocess.STDOUT, env=os.environ | {"TMPDIR": str(d / "data")}, start_new_session=True,
        )  # fmt: skip
    try:
        yield f"http://127.0.0.1:{ports[3]}", identity
    finally:
        s3server.stop(proc, ports)
        shutil.rmtree(d, ignore_errors=True)


def client(endpoint: str, key: str, secret: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint, region_name=s3server.REGION, aws_access_key_id=key,
                        aws_secret_access_key=secret, config=Config(s3={"addressing_style": "path"}))  # fmt: skip


def create(endpoint: str, key: str, secret: str) -> str:
    """`create_bucket`'s error code ('' on success), once the server takes writes."""
    from botocore.exceptions import ClientError, EndpointConnectionError

    deadline = time.monotonic() + s3server.START_TIMEOUT
    while True:
        try:
            client(endpoint, key, secret).create_bucket(Bucket=BUCKET)
            return ""
        except ClientError as e:
            code = str(e.response.get("Error", {}).get("Code", ""))
            if code == "AccessDenied" or time.monotonic() > deadline:
                return code
        except EndpointConnectionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.5)


def test_read_write_list_cannot_create_the_bucket_and_the_guides_identity_can(
    server: tuple[str, dict[str, Any]],
) -> None:
    endpoint, identity = server
    assert any(a.startswith("Admin") for a in identity["actions"]), identity
    (cred,) = identity["credentials"]
    # The guide's identity first: it tells when the server is ready for writes.
    assert create(endpoint, cred["accessKey"], cred["secretKey"]) == ""
    listed = client(endpoint, cred["accessKey"], cred["secretKey"]).list_buckets()["Buckets"]
    assert [b["Name"] for b in listed] == [BUCKET]
    client(endpoint, cred["accessKey"], cred["secretKey"]).delete_bucket(Bucket=BUCKET)
    assert create(endpoint, "old", "old-secret") == "AccessDenied"
