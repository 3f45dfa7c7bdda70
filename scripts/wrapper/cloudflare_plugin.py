"""Makes sure the Pulumi engine can load the Cloudflare provider before a stack that
publishes at Cloudflare runs, at the version the program's SDK asks for.

`scripts/pulumi` runs `ensure` before `preview`, `up`, `refresh` and `destroy` of a
stack that publishes at Cloudflare on any host.

The engine loads `pulumi-resource-cloudflare` at the version of the `pulumi-cloudflare`
package (pinned in requirements.txt), and where the CLI does not download plugins by
itself (scripts/pulumi turns that off for a CLI built from Go modules) a missing plugin
would stop the run halfway, after the program started. So: nothing to do when the
plugin is installed or on PATH; else `pulumi plugin install resource cloudflare
<version>`; and when that download fails, exit 1 with the command to run where it
works. The stack file is read by the stack-file room and resolved by the model, as the
program reads it (every host of a site, in either shape): `pulumi_cloudflare` costs
seconds to import, and a site that is invalid is the program's to report.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from scripts.wrapper.paths import REPO, stack_file
from scripts.wrapper.stack_file import read_site

COMMANDS = frozenset({"preview", "pre", "up", "update", "refresh", "destroy"})
"""The commands that load the stack's providers."""
REQUIREMENTS = REPO / "requirements.txt"
PLUGIN = "pulumi-resource-cloudflare"
INSTALL_TIMEOUT = 300.0
"""Seconds the download may take; the CLI retries a failing one 5 times in ~3 s."""


def pinned_version(requirements: Path = REQUIREMENTS) -> str:
    """The `pulumi-cloudflare==X` pin of requirements.txt: the plugin version the SDK requests."""
    found = re.search(r"^pulumi-cloudflare==([^\s;#]+)", requirements.read_text(encoding="utf-8"), re.MULTILINE)
    if found is None:
        raise SystemExit(f"scripts/pulumi: error: {requirements.name} pins no pulumi-cloudflare==VERSION")
    return found[1]


def install_command(version: str) -> list[str]:
    return ["pulumi", "plugin", "install", "resource", "cloudflare", version]


def _names_an_account(value: object) -> bool:
    """Whether `accountId` is a key anywhere in the raw site (spares the model's work)."""
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            if "accountId" in item:
                return True
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    return False


def account_ids(stack_file: Path) -> list[str]:
    """`tunnel.accountId` of every host of the stack's site (one host, `hosts:` or the short
    `config: site:` form), where the site is valid and the id real. A `<placeholder>` or
    an invalid site is the program's to report, with its own message naming the key, so
    for those the plugin is not needed yet."""
    site = read_site(stack_file)
    if not _names_an_account(site):
        return []  # spares the model's import
    from components.errors import ConfigError
    from components.stackfile import hosts_in_project

    try:
        hosts = hosts_in_project(site, str(stack_file), stack_file.resolve().parent.parent)
    except ConfigError:
        return []
    ids = (h.tunnel.account_id for h in hosts.hosts if h.tunnel is not None)
    return sorted({i for i in ids if i and not i.startswith("<")})


def installed(version: str) -> bool:
    """Whether the engine finds the plugin: on PATH, or in Pulumi's plugin cache at `version`."""
    if shutil.which(PLUGIN) is not None:
        return True
    listed = subprocess.run(["pulumi", "plugin", "ls", "--json"], capture_output=True, text=True, check=False)
    try:
        plugins = json.loads(listed.stdout or "[]")
    except json.JSONDecodeError:
        return False
    wanted = ("resource", "cloudflare", version)
    return any(
        (p.get("kind"), p.get("name"), str(p.get("version", "")).lstrip("v")) == wanted
        for p in plugins
        if isinstance(p, dict)
    )


def failure(stack: str, version: str, output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    # The cause (the last failed attempt's, e.g. "no such host") and the CLI's verdict.
    causes = [line for line in lines if "Error downloading plugin" in line][-1:]
    reason = "\n  ".join(dict.fromkeys([*causes, *lines[-1:]])) or "no output"
    command = " ".join(install_command(version))
    return (
        f"scripts/pulumi: error: stack {stack} publishes at Cloudflare (tunnel.accountId), which needs the "
        f"Pulumi provider plugin {PLUGIN} {version} (pulumi-cloudflare=={version} in requirements.txt); "
        f"it is not installed, and downloading it failed:\n"
        f"  {reason}\n"
        f"Hint: where Pulumi's plugin downloads can be reached, run: scripts/{command}\n"
        f"  (or add --file ARCHIVE with its release archive, {PLUGIN}-v{version}-<os>-<arch>.tar.gz, "
        f"copied from a machine that can)\n"
        f"Nothing was changed."
    )


def ensure_for(command: str, stack: str | None) -> int:
    """Before `command` on `stack`: 0 when the engine will find the plugin it needs."""
    if command not in COMMANDS or stack is None or not stack_file(stack).is_file():
        return 0
    return ensure(stack, stack_file(stack))


def ensure(stack: str, stack_file: Path) -> int:
    if not account_ids(stack_file):
        return 0
    version = pinned_version()
    if installed(version):
        return 0
    print(f"Installing the Pulumi provider plugin {PLUGIN} {version} for stack {stack}...", file=sys.stderr)
    try:
        result = subprocess.run(
            install_command(version), capture_output=True, text=True, timeout=INSTALL_TIMEOUT, check=False
        )
        output, ok = result.stdout + result.stderr, result.returncode == 0
    except subprocess.TimeoutExpired:
        output, ok = f"no answer after {INSTALL_TIMEOUT:.0f} s", False
    if not ok or not installed(version):
        print(failure(stack, version, output), file=sys.stderr)
        return 1
    print(f"Installed the Pulumi provider plugin {PLUGIN} {version}", file=sys.stderr)
    return 0
