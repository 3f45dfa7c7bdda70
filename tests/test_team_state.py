"""State for a team: Pulumi's S3 backend on a real S3-compatible server (SeaweedFS).

Proves, with the real Pulumi CLI through scripts/pulumi and SeaweedFS on 127.0.0.1
(tests.s3server), that:

- SeaweedFS lists an emptied directory as a zero-byte key, which Pulumi's lock check
  reads as a lock: the plain CLI's `up` right after `stack init` stops with
  "unexpected end of JSON input" (the reported failure, kept here as its evidence);
- scripts/pulumi keeps each stack's lock directory non-empty, so the dev stack's
  init, up, preview and destroy all work, one right after the other;
- two checkouts running `up` on one stack at once: the second refuses through the
  backend's lock, naming the holder; nothing is lost, and the state holds every
  resource, so the refused checkout's retry changes nothing;
- a team passphrase that is not the dev one, from PULUMI_CONFIG_PASSPHRASE_FILE,
  encrypts the stack's secrets; the dev passphrase cannot open it;
- a stale lock (an `up` killed mid-update) is named by the next `up`, and `pulumi
  cancel` removes it, as docs/team-state.md says.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from components.nixos.render import render
from components.stackfile import load_stack
from scripts.wrapper import s3_lock_dir
from scripts.wrapper.paths import project_name
from tests.s3server import S3Server
from tests.test_docs_commands import copy_repo

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 240.0
"""Seconds one Pulumi command may take (a dev `up` takes about 3 s on a quiet machine)."""
LOCKS = ".pulumi/locks/organization/nixedge"
KEEP = "nixedge-keep/README.txt"
SLEEP = 6
"""Seconds the team stack's activation holds its `up` (and so the lock) open."""


def _env(url: str, server: S3Server, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "AWS_"))}
    return env | server.env | {"PULUMI_BACKEND_URL": url} | extra


def pulumi(checkout: Path, env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        ["scripts/pulumi", *args, "--non-interactive"],
        check=False, cwd=checkout, env=env, capture_output=True, text=True, timeout=TIMEOUT,
    )  # fmt: skip
    if check:
        output = f"{result.stdout}\n{result.stderr}"
        assert result.returncode == 0, f"pulumi {' '.join(args)}: exit {result.returncode}\n{output}"
    return result


def _bucket(url: str) -> str:
    return urlsplit(url).netloc


@pytest.mark.parametrize(
    ("url", "stack", "bucket", "key"),
    [
        ("s3://state?endpoint=http://127.0.0.1:9000", "dev", "state", f"{LOCKS}/dev/{KEEP}"),
        ("s3://state/team-a?region=garage", "nixedge/homelab", "state", f"team-a/{LOCKS}/homelab/{KEEP}"),
        ("s3://state/a/b/", "organization/other/prod", "state", f"a/b/.pulumi/locks/organization/other/prod/{KEEP}"),
    ],
)
def test_lock_key_follows_pulumis_layout(url: str, stack: str, bucket: str, key: str) -> None:
    """The keep object lies in the directory Pulumi locks in: below the URL's prefix,
    under the organization and project of a fully qualified stack name when given."""
    assert s3_lock_dir.lock_key(url, stack, "nixedge")[:2] == (bucket, key)
    assert project_name(REPO / "Pulumi.yaml") == "nixedge"


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "a" / "nixedge"
    root.mkdir(parents=True)
    copy_repo(root)
    return root


def test_seaweedfs_lists_an_emptied_directory_as_a_key(seaweedfs: S3Server) -> None:
    """The cause: after its last object goes, `prefix=<dir>/&delimiter=/` answers with
    `<dir>/` itself, zero bytes, among Contents (AWS S3 answers nothing). One object a
    level further down keeps the directory non-empty: then it is a common prefix only."""
    s3 = seaweedfs.client()
    bucket = _bucket(seaweedfs.bucket())
    s3.put_object(Bucket=bucket, Key="locks/dev/one.json", Body=b"{}")
    s3.delete_object(Bucket=bucket, Key="locks/dev/one.json")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="locks/dev/", Delimiter="/")
    assert [(o["Key"], o["Size"]) for o in listed.get("Contents", [])] == [("locks/dev/", 0)], listed
    assert s3.get_object(Bucket=bucket, Key="locks/dev/")["Body"].read() == b""

    s3.put_object(Bucket=bucket, Key=f"locks/dev/{KEEP}", Body=b"keep")
    listed = s3.list_objects_v2(Bucket=bucket, Prefix="locks/dev/", Delimiter="/")
    assert listed.get("Contents", []) == [], listed
    assert [p["Prefix"] for p in listed.get("CommonPrefixes", [])] == ["locks/dev/nixedge-keep/"]


def test_plain_cli_up_after_stack_init_reads_the_directory_as_a_lock(seaweedfs: S3Server, checkout: Path) -> None:
    """The reported failure, with the CLI alone (no scripts/pulumi): `stack init` takes
    and drops a lock, the emptied lock directory lists as a key, `up` reads it as a lock."""
    url = seaweedfs.bucket()
    env = _env(url, seaweedfs, PULUMI_CONFIG_PASSPHRASE="nixedge-dev", PULUMI_SKIP_UPDATE_CHECK="true")
    env["PATH"] = f"{checkout / '.venv' / 'bin'}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
    cli = [str(checkout / ".venv" / "bin" / "pulumi"), "--non-interactive"]

    def plain(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*cli, *args], check=False, cwd=checkout, env=env, capture_output=True, text=True, timeout=TIMEOUT
        )

    init = plain("stack", "init", "dev")
    assert init.returncode == 0, init.stderr
    up = plain("up", "--stack", "dev", "--yes")
    assert up.returncode != 0 and "error: unexpected end of JSON input" in up.stderr, up.stdout + up.stderr
    assert seaweedfs.keys(_bucket(url), f"{LOCKS}/dev/") == [], "the failed up must leave no lock"

    # scripts/pulumi repairs such a stack before it locks: the same `up` goes through.
    pulumi(checkout, _env(url, seaweedfs), "up", "--stack", "dev", "--yes")
    assert (checkout / ".dev-host/etc/nixos/nixedge/default.nix").is_file()


def test_dev_stack_init_up_preview_destroy(seaweedfs: S3Server, checkout: Path) -> None:
    url = seaweedfs.bucket()
    bucket = _bucket(url)
    env = _env(url, seaweedfs)
    expected = render(load_stack(config_file=checkout / "stacks/Pulumi.dev.yaml"))
    target = checkout / ".dev-host/etc/nixos/nixedge"
    pulumi(checkout, env, "stack", "init", "--stack", "dev")
    assert seaweedfs.keys(bucket, f"{LOCKS}/dev/") == [f"{LOCKS}/dev/{KEEP}"]
    up = pulumi(checkout, env, "up", "--stack", "dev", "--yes")  # seconds after init's lock
    assert "2 created" in up.stdout, up.stdout
    assert {p.relative_to(target).as_posix(): p.read_text() for p in target.rglob("*.nix")} == expected
    pulumi(checkout, env, "preview", "--stack", "dev", "--expect-no-changes")
    assert ".pulumi/stacks/nixedge/dev.json" in seaweedfs.keys(bucket, ".pulumi/stacks/")
    pulumi(checkout, env, "destroy", "--stack", "dev", "--yes")
    assert not any(target.rglob("*.nix"))
    assert seaweedfs.keys(bucket, f"{LOCKS}/dev/") == [f"{LOCKS}/dev/{KEEP}"], "no lock left behind"


def _team_stack(checkout: Path, host: Path) -> None:
    """stacks/Pulumi.team.yaml: the dev stack without its salt, writing to `host` (one
    directory for every checkout, as a team shares its host) with an activation that
    holds the `up` open for SLEEP seconds."""
    text = (checkout / "stacks/Pulumi.dev.yaml").read_text()
    lines = [line for line in text.splitlines(keepends=True) if not line.startswith("encryptionsalt:")]
    text = "".join(lines).replace("name: devhost", "name: team")
    text = text.replace("path: .dev-host/etc/nixos/nixedge", f"path: {host}")
    activation = f'        mode: switch\n        command: [sleep, "{SLEEP}"]\n        check: false\n'
    assert "        mode: none\n" in text
    (checkout / "stacks/Pulumi.team.yaml").write_text(text.replace("        mode: none\n", activation, 1))


def _wait_for_lock(server: S3Server, bucket: str, proc: subprocess.Popen[Any]) -> str:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline and proc.poll() is None:
        locks = [k for k in server.keys(bucket, f"{LOCKS}/team/") if k.endswith(".json")]
        if locks:
            return locks[0]
        time.sleep(0.1)
    raise AssertionError(f"the first up took no lock (exit {proc.poll()})")


def test_two_checkouts_up_at_once_with_a_team_passphrase(seaweedfs: S3Server, checkout: Path, tmp_path: Path) -> None:
    url = seaweedfs.bucket()
    bucket = _bucket(url)
    secret = tmp_path / "team.passphrase"
    secret.write_text("correct horse battery staple, team edition\n")
    secret.chmod(0o600)
    env = _env(url, seaweedfs, PULUMI_CONFIG_PASSPHRASE_FILE=str(secret))
    host = tmp_path / "host"
    _team_stack(checkout, host)
    pulumi(checkout, env, "stack", "init", "--stack", "team")
    # The second checkout has the stack file as committed, salt included.
    other = tmp_path / "b" / "nixedge"
    other.mkdir(parents=True)
    copy_repo(other)
    (other / "stacks/Pulumi.team.yaml").write_text((checkout / "stacks/Pulumi.team.yaml").read_text())

    up = ["scripts/pulumi", "up", "--stack", "team", "--yes", "--non-interactive"]
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE, "text": True}
    first = subprocess.Popen(up, cwd=checkout, env=env, **pipes)  # type: ignore[call-overload]
    try:
        lock = _wait_for_lock(seaweedfs, bucket, first)
        second = subprocess.run(up, check=False, cwd=other, env=env, capture_output=True, text=True, timeout=TIMEOUT)
        out, err = first.communicate(timeout=TIMEOUT)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, out + err
    assert second.returncode != 0, second.stdout + second.stderr
    assert "the stack is currently locked by 1 lock(s)" in second.stderr, second.stderr
    # The message names the lock object and its holder, the first up's process: the
    # second ran while the first held the lock.
    assert f"/{lock}?" in second.stderr and f"(pid {first.pid})" in second.stderr, second.stderr
    history = json.loads(pulumi(other, env, "stack", "history", "--stack", "team", "--json").stdout)
    assert len(history) == 1, f"the refused up must record nothing: {history}"

    # Nothing lost: the state holds every resource of the program, so the refused
    # checkout's retry has nothing to do, and no lock is left behind.
    state = json.loads(pulumi(other, env, "stack", "export", "--stack", "team").stdout)
    names = sorted(r["urn"].rsplit("::", 1)[1] for r in state["deployment"]["resources"])
    assert names == ["default", "nixedge-team", "team-modules"], names  # provider, stack, host
    expected = render(load_stack(config_file=other / "stacks/Pulumi.team.yaml"))
    outputs = json.loads(pulumi(other, env, "stack", "output", "--stack", "team", "--json").stdout)
    assert sorted(outputs["files"]) == sorted(expected), outputs
    assert {p.relative_to(host).as_posix(): p.read_text() for p in host.rglob("*.nix")} == expected
    pulumi(other, env, "up", "--stack", "team", "--yes", "--expect-no-changes")
    assert seaweedfs.keys(bucket, f"{LOCKS}/team/") == [f"{LOCKS}/team/{KEEP}"]

    # The secrets are encrypted with the team passphrase; the dev one cannot open them.
    assert json.dumps(state).count('"ciphertext"') >= 1
    stack_state = seaweedfs.client().get_object(Bucket=bucket, Key=".pulumi/stacks/nixedge/team.json")["Body"].read()
    assert b"correct horse" not in stack_state
    wrong = _env(url, seaweedfs, PULUMI_CONFIG_PASSPHRASE="nixedge-dev")
    refused = pulumi(other, wrong, "preview", "--stack", "team", check=False)
    assert refused.returncode != 0 and "incorrect passphrase" in refused.stderr, refused.stderr


def test_a_stale_lock_is_named_and_cancel_removes_it(seaweedfs: S3Server, checkout: Path, tmp_path: Path) -> None:
    """An `up` killed mid-update leaves its lock: the next `up` refuses and names it,
    `pulumi cancel` deletes it (and only it), and the next `up` completes the state."""
    url = seaweedfs.bucket()
    bucket = _bucket(url)
    secret = tmp_path / "team.passphrase"
    secret.write_text("another team passphrase\n")
    env = _env(url, seaweedfs, PULUMI_CONFIG_PASSPHRASE_FILE=str(secret))
    host = tmp_path / "host"
    _team_stack(checkout, host)
    pulumi(checkout, env, "stack", "init", "--stack", "team")
    up = ["scripts/pulumi", "up", "--stack", "team", "--yes", "--non-interactive"]
    killed = subprocess.Popen(
        up, cwd=checkout, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    try:
        lock = _wait_for_lock(seaweedfs, bucket, killed)
    finally:
        os.killpg(killed.pid, signal.SIGKILL)  # the CLI, its language host and providers
        killed.wait()
    assert lock in seaweedfs.keys(bucket, f"{LOCKS}/team/")

    refused = pulumi(checkout, env, "up", "--stack", "team", "--yes", check=False)
    assert refused.returncode != 0 and f"/{lock}?" in refused.stderr, refused.stderr
    assert f"(pid {killed.pid})" in refused.stderr, refused.stderr
    cancel = pulumi(checkout, env, "cancel", "--stack", "team", "--yes")
    assert "has been canceled" in cancel.stdout, cancel.stdout
    assert seaweedfs.keys(bucket, f"{LOCKS}/team/") == [f"{LOCKS}/team/{KEEP}"]

    pulumi(checkout, env, "up", "--stack", "team", "--yes")
    expected = render(load_stack(config_file=checkout / "stacks/Pulumi.team.yaml"))
    assert {p.relative_to(host).as_posix(): p.read_text() for p in host.rglob("*.nix")} == expected
    pulumi(checkout, env, "preview", "--stack", "team", "--expect-no-changes")


def test_a_stack_not_created_in_the_bucket_is_told_how(seaweedfs: S3Server, checkout: Path) -> None:
    """docs/team-state.md: a shared backend gets no stack on first use. Pulumi says only
    "no stack named 'teamtwo' found"; the wrapper names `stack init --stack teamtwo`
    first, and for a mistyped name the stack meant, as on the local backend."""
    url = seaweedfs.bucket()
    env = _env(url, seaweedfs, PULUMI_CONFIG_PASSPHRASE="team")
    dev = (checkout / "stacks/Pulumi.dev.yaml").read_text()
    team = "".join(line for line in dev.splitlines(keepends=True) if not line.startswith("encryptionsalt:"))
    (checkout / "stacks/Pulumi.teamtwo.yaml").write_text(team.replace("name: devhost", "name: teamtwo"))
    absent = pulumi(checkout, env, "preview", "--stack", "teamtwo", check=False)
    assert absent.returncode != 0
    hint = absent.stderr.index(
        f"scripts/pulumi: stack teamtwo is described in stacks/Pulumi.teamtwo.yaml but not created in "
        f"s3://{_bucket(url)}: a shared backend gets its stacks on purpose, once: "
        "scripts/pulumi stack init --stack teamtwo (docs/team-state.md)"
    )
    assert hint < absent.stderr.index("no stack named 'teamtwo' found"), absent.stderr
    typo = pulumi(checkout, env, "preview", "--stack", "teamtow", check=False)
    assert typo.returncode != 0 and "did you mean --stack teamtwo?" in typo.stderr, typo.stderr
    pulumi(checkout, env, "stack", "init", "--stack", "teamtwo")
    created = pulumi(checkout, env, "preview", "--stack", "teamtwo")
    assert "scripts/pulumi: stack teamtwo" not in created.stderr, created.stderr
