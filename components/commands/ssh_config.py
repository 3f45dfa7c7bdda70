"""`ssh-config`: print the OpenSSH client snippet for a stack's ssh routes.

    python -m components ssh-config --stack seminar > ~/.ssh/nixedge-seminar.conf

Pure: reads the stack file only, imports no Pulumi and needs no Cloudflare account.
"""

from __future__ import annotations

import argparse
import sys

from components.cloudflare.ssh_config import ssh_config
from components.commands.common import add_stack_args, load


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = sub.add_parser(
        "ssh-config",
        help="print the ~/.ssh/config snippet that reaches a stack's ssh routes through the tunnel",
    )
    add_stack_args(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    site = load(args)
    text = ssh_config(site)
    if not text:
        print(f"Host {site.host} has no ssh routes; nothing to print.", file=sys.stderr)
        return 0
    print(text, end="")
    return 0
