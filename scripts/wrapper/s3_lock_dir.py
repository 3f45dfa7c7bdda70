"""Keeps a stack's lock directory in an S3 backend non-empty (`keep`, run by scripts/pulumi
before a command that takes the stack's lock).

Pulumi's S3 backend (`PULUMI_BACKEND_URL=s3://...`) takes a stack's lock by writing
`.pulumi/locks/organization/<project>/<stack>/<id>.json`, then lists that directory with
delimiter "/" and reads every key it finds there as someone else's lock. Object stores
built on a file system (SeaweedFS 4.x) answer that listing of an emptied directory with
the directory itself, a zero-byte key ending in "/": Pulumi reads it as a lock, gets no
bytes, and stops with "unexpected end of JSON input". Every lock leaves the directory
empty behind it, so the next `up` within two and a half minutes fails (SeaweedFS
removes an empty folder only then).

A small object one level down, `<lock dir>/nixedge-keep/README.txt`, keeps the directory
non-empty; Pulumi lists it as a common prefix and skips it, and `pulumi cancel` leaves
it alone. On stores without directories (AWS S3, MinIO, Garage) it is one harmless key.
Idempotent: a HEAD when the key exists. Warns and exits 0 on failure, so that Pulumi's
own error (credentials, endpoint) is the one the user reads.
"""

from __future__ import annotations

import os
import sys
from urllib.parse import parse_qs, urlsplit

from scripts.wrapper.command_line import CommandLine
from scripts.wrapper.paths import project_name

KEEP = "nixedge-keep/README.txt"
TEXT = (
    b"Keeps this Pulumi lock directory non-empty: an object store that lists an empty\n"
    b"directory as a zero-byte key would make Pulumi read that key as a broken lock.\n"
    b"Written by nixedge's scripts/pulumi (docs/team-state.md). Safe to keep; not a lock.\n"
)
LOCKING = frozenset(
    ["up", "update", "destroy", "refresh", "import", "watch", "stack init", "stack rm", "stack rename", "stack import"]
)
"""Commands that take the stack's lock (previews and reads take none)."""
ORG = "organization"
"""The organization Pulumi's DIY backends put every project-scoped stack under."""


def lock_key(url: str, stack: str, project: str) -> tuple[str, str, dict[str, str]]:
    """(bucket, key of the keep object, URL query) for `stack` in the backend `url`.

    `stack` may be `dev`, `nixedge/dev` or `organization/nixedge/dev`."""
    parts = urlsplit(url)
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    names = stack.split("/")
    stack_name = names[-1]
    project = names[-2] if len(names) >= 2 else project
    prefix = parts.path.strip("/")
    key = f".pulumi/locks/{ORG}/{project}/{stack_name}/{KEEP}"
    return parts.netloc, f"{prefix}/{key}" if prefix else key, query


def client(query: dict[str, str]) -> object:
    """An S3 client configured from the backend URL's query, as Pulumi reads it."""
    import boto3
    from botocore.config import Config

    endpoint = query.get("endpoint")
    if endpoint and "://" not in endpoint:
        insecure = query.get("disableSSL", query.get("disable_https", "false")).lower() == "true"
        endpoint = f"{'http' if insecure else 'https'}://{endpoint}"
    path_style = any(query.get(k, "").lower() == "true" for k in ("s3ForcePathStyle", "use_path_style"))
    session = boto3.Session(profile_name=query.get("profile"))
    return session.client(
        "s3",
        endpoint_url=endpoint,
        region_name=query.get("region") or os.environ.get("AWS_REGION") or "us-east-1",
        config=Config(
            s3={"addressing_style": "path" if path_style else "auto"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            retries={"max_attempts": 2},
            connect_timeout=10,
            read_timeout=20,
        ),
    )


def ensure(url: str, stack: str, project: str) -> bool:
    """Writes the keep object unless it exists; True when it wrote it."""
    from botocore.exceptions import ClientError

    bucket, key, query = lock_key(url, stack, project)
    s3 = client(query)
    try:
        s3.head_object(Bucket=bucket, Key=key)  # type: ignore[attr-defined]
        return False
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchKey", "NotFound"):
            raise
    s3.put_object(Bucket=bucket, Key=key, Body=TEXT, ContentType="text/plain")  # type: ignore[attr-defined]
    return True


def keep(line: CommandLine, url: str, stack: str | None) -> None:
    """Before a command that locks `stack` in the S3 backend `url`: its lock directory is
    not empty. Warns on failure, so that Pulumi's own error (credentials, endpoint) is
    the one the user reads."""
    locks = line.command in LOCKING or f"{line.command} {line.subcommand}" in LOCKING
    if stack is None or not url.startswith("s3://") or not locks:
        return
    try:
        ensure(url, stack, project_name())
    except Exception as exc:  # noqa: BLE001 - any failure: Pulumi reports the cause itself
        print(f"scripts/pulumi: warning: could not keep the lock directory of stack {stack}: {exc}", file=sys.stderr)
