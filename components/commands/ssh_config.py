"""`ssh-config`: print the OpenSSH client snippet for a stack's ssh routes.

    nixedge ssh-config --stack seminar > ~/.ssh/nixedge-seminar.conf

Pure: reads the stack file only, imports no Pulumi and needs no Cloudflare account.
"""

from __future__ import annotations

import argparse
import sys

from components.cloudflare.ssh_config import ssh_config
from components.commands.common import EXITS_PLAIN, add_command, add_stack_args, load_site


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "ssh-config",
        "print the ~/.ssh/config snippet that reaches a stack's ssh routes through the tunnel",
        "  .venv/bin/nixedge ssh-config --stack seminar > ~/.ssh/nixedge-seminar.conf",
        EXITS_PLAIN + "\n  (a stack without ssh routes prints nothing, says so on stderr, and exits 0)",
    )
    add_stack_args(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    site = load_site(args)
    # A site of several hosts: one snippet per host, each through that host's tunnel.
    text = "\n".join(t for h in site.hosts if (t := ssh_config(h)))
    if not text:
        hosts = "Host " + site.names[0] if not site.site else "No host of " + ", ".join(site.names)
        print(f"{hosts} has no ssh routes; nothing to print.", file=sys.stderr)
        return 0
    print(text, end="")
    return 0
