"""What every subcommand shares: choosing the stack file and printing errors."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from components.model import ResolvedSite, load_stack


def add_stack_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--stack", "-s", default=None, help="stack name: reads stacks/Pulumi.<NAME>.yaml (default: dev)")
    group.add_argument("--config", "-c", type=Path, default=None, help="any stack file instead of --stack")


def load(args: argparse.Namespace) -> ResolvedSite:
    site = load_stack(args.stack, args.config)
    for warning in site.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    return site
