"""The wrapper's reads of a stack file: its `nixedge:site`, as the program reads it, and
what the CLI will refuse about its YAML, said first in the words of `nixedge check`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from scripts.wrapper.command_line import CommandLine
from scripts.wrapper.paths import stack_file

# Commands whose first step is reading the stack's config (the CLI stops there on bad YAML).
READ_CONFIG = {"preview", "up", "update", "refresh", "destroy", "import", "config", "watch"}


def read_site(path: Path) -> Any:
    """`config.nixedge:site` of the stack file at `path`, read by the stack-file room as
    the engine reads it; None when the file cannot be read or is refused (the program
    reports why, with its own message naming the key)."""
    from components.errors import ConfigError
    from components.stackfile import read_stack_file

    try:
        return read_stack_file(path)
    except ConfigError:
        return None


def yaml_problem(path: Path) -> str | None:
    """What is wrong with the stack file's YAML, as `nixedge check` says it (the line,
    the indentation, a tab), or None when its YAML reads (its keys are the program's)."""
    from components.errors import ConfigError, StackFileError
    from components.stackfile import read_stack_file
    from components.stackfile.read import shown

    try:
        read_stack_file(shown(path))  # named as the user names it: stacks/Pulumi.dev.yaml
    except StackFileError as exc:
        return str(exc)
    except (ConfigError, OSError):
        return None
    return None


def explain_bad_yaml(line: CommandLine, stack: str | None) -> None:
    """Before the CLI says only "invalid YAML file: yaml: line 34: mapping values are not
    allowed in this context", name the line and the mistake (an indentation off by two)."""
    if stack is None or "/" in stack or line.command not in READ_CONFIG:
        return
    path = stack_file(stack)
    if not path.is_file():
        return
    problem = yaml_problem(path)
    if problem is not None:
        print(f"scripts/pulumi: {problem}", file=sys.stderr)
