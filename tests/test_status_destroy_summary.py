"""`nixedge destroy`'s summary (components/commands/destroy.py) read after the destroy:
a directory handed over to another stack is that stack's (its files left to it, no host
step, its hostnames still routed), and the host step names the directory as it is
called. Plain local directories and a made-up `stack export`: no engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.commands.destroy import summary
from components.host.manifest import MANIFEST, manifest_text
from components.host.ownership import Owner

FILES = {"default.nix": "{ }\n", "containers/forgejo.nix": "{ }\n", "cloudflared.nix": "{ }\n"}
ROUTES = {"git.example.test": "http://10.231.0.11:3000"}


def export(root: Path, stack: str) -> dict[str, Any]:
    host = {
        "type": "pulumi-python:dynamic:Resource",
        "outputs": {"host": stack, "target": {"path": str(root)}, "files": FILES,
                    "owner": Owner("nixedge", stack).to_props()},
    }  # fmt: skip
    outputs = {"routes": ROUTES}
    resources = [{"type": "pulumi:pulumi:Stack", "outputs": outputs}, {**host, "type": "nixedge:HostModules"}]
    return {"deployment": {"resources": resources}}


def test_a_directory_handed_over_to_another_stack_is_left_to_it(tmp_path: Path) -> None:
    root = tmp_path / "etc/nixos/nixedge"
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    owner = {**Owner("nixedge", "dev").to_props(), "target": f"local:{root}"}
    (root / MANIFEST).write_bytes(manifest_text("devhost", FILES, (), owner))

    text = "\n".join(summary(export(root, "twin"), "twin"))
    assert f"twin: {root} belongs to stack 'dev' (project nixedge): its files were left to it" in text
    assert "Nothing to do on twin for twin: dev still deploys there" in text
    for wrong in ("removed 0 module(s)", "run destroy again", "Next step", "no longer routed"):
        assert wrong not in text, text


def test_the_host_step_names_the_directory_as_it_is_called(tmp_path: Path) -> None:
    root = tmp_path / "team"
    root.mkdir()
    text = "\n".join(summary(export(root, "dev"), "dev"))
    assert f"dev: removed 3 module(s) from {root}" in text
    assert "`./team` in `imports = [ ./team ]`" in text and "./nixedge" not in text
    assert f"configuration.nix in {tmp_path}" in text
    assert "Hostnames no longer routed by the host's cloudflared: git.example.test" in text


def test_destroy_without_yes_and_without_a_terminal_asks_for_yes() -> None:
    """Pulumi would refuse for want of its own --skip-preview, which nixedge destroy does
    not take: the command says what it takes instead, and runs nothing."""
    import subprocess

    from tests.paths import REPO

    done = subprocess.run(
        [str(REPO / ".venv/bin/nixedge"), "destroy", "--stack", "dev"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done
    assert done.stderr == (
        "stdin is not a terminal, so there is nowhere to ask: `.venv/bin/nixedge destroy --stack dev --yes`\n"
    )
    assert "--skip-preview" not in done.stdout + done.stderr
