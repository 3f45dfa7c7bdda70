"""Whether a stack is in an S3 backend, so that a stack not created there yet, or a
mistyped one, gets the hint the local backend gives (stacks.say_unknown): Pulumi says
only "no stack named 'teamtwo' found".

Pulumi's DIY backend keeps a stack's checkpoint at
`<prefix>/.pulumi/stacks/<project>/<stack>.json` (or `.json.gz`; `.pulumi/stacks/<stack>.json`
in the layout before projects). One listing per layout; any failure (credentials, an
endpoint out of reach) answers "cannot tell", and Pulumi's own error is the one read.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scripts.wrapper import s3_lock_dir


def checkpoint_keys(url: str, stack: str, project: str) -> tuple[str, list[str]]:
    """(bucket, the keys the checkpoint of `stack` may have) in the S3 backend `url`."""
    parts = urlsplit(url)
    prefix = parts.path.strip("/")
    keys = []
    for where in (f".pulumi/stacks/{project}/{stack}.json", f".pulumi/stacks/{stack}.json"):
        key = f"{prefix}/{where}" if prefix else where
        keys += [key, f"{key}.gz"]
    return parts.netloc, keys


def holds(url: str, stack: str, project: str) -> bool | None:
    """Whether the S3 backend `url` holds `stack` (not the `.bak` `stack rm` leaves);
    None when it cannot be asked."""
    _, _, query = s3_lock_dir.lock_key(url, stack, project)
    bucket, keys = checkpoint_keys(url, stack, project)
    try:
        s3 = s3_lock_dir.client(query)
        for key in keys[::2]:
            listed = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=10)  # type: ignore[attr-defined]
            if any(item.get("Key") in keys for item in listed.get("Contents", [])):
                return True
    except Exception:  # noqa: BLE001 - any failure: Pulumi reports the cause itself
        return None
    return False
