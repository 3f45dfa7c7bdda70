"""Review equals deploy: the engine's reading of the stack file against this room's own.

At every `preview` and `up` the program gets `nixedge:site` from the engine (the
language host receives the config in `Run`); `check`, `render` and `diff` read the same
file with components/stackfile/stack_yaml.py. Where the two readings differ in any value
(types included: 1, 1.0 and true are three values), the run stops before any resource
is registered, naming the key, its line and a way to write it that both read alike.
`diff` compares the same two readings when the CLI is there (`engine_agrees`, which
asks the CLI through components/stackfile/cli_config.py).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from components.errors import ConfigError, Issue
from components.model.keys import dotted
from components.model.load import SITE_KEY
from components.model.secret_keys import echoed
from components.stackfile.cli_config import engine_reading
from components.stackfile.read import StackFile, read_stack, shown, stack_path


def first_difference(ours: Any, theirs: Any, parts: tuple[int | str, ...] = ()) -> tuple[int | str, ...] | None:
    """Where two readings of a value first differ (types too: 1, 1.0 and True are three
    values), or None when they are the same."""
    todo = [(ours, theirs, parts)]
    while todo:  # iterative: a site may nest as deep as MAX_DEPTH, JSON deeper
        a, b, at = todo.pop()
        if type(a) is not type(b):
            return at
        if isinstance(a, dict):
            keys = sorted(set(a) | set(b), key=str)
            missing = next((k for k in keys if k not in a or k not in b), None)
            if missing is not None:
                return (*at, missing)
            todo.extend((a[k], b[k], (*at, k)) for k in reversed(keys))
        elif isinstance(a, list):
            if len(a) != len(b):
                return (*at, min(len(a), len(b)))
            todo.extend((x, y, (*at, i)) for i, (x, y) in reversed(list(enumerate(zip(a, b, strict=True)))))
        elif a != b:
            return at
    return None


_ABSENT = object()
"""What `_at` finds where one reading has no such key or item."""


def _at(value: Any, parts: tuple[int | str, ...]) -> Any:
    for part in parts:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return _ABSENT
    return value


def _said(loc: str, value: Any) -> str:
    return "absent" if value is _ABSENT else repr(echoed(loc, value))  # a secret is never repeated


def disagreement(written: StackFile, theirs: Any, file: str, source: str, reader: str) -> ConfigError | None:
    """The error naming the first key where `reader` (the engine) reads another value than
    `check`, or None when the readings agree."""
    parts = first_difference(written.site, theirs)
    if parts is None:
        return None
    ours, engine = _at(written.site, parts), _at(theirs, parts)
    line = written.line(parts)
    where = f"line {line} of {file}" if line is not None else file
    loc = dotted(parts) or SITE_KEY
    plain = ours is not _ABSENT and echoed(loc, ours) == ours
    form = f"as {json.dumps(ours, ensure_ascii=True)} in JSON" if plain else "in JSON (a quoted string, say)"
    issue = Issue(
        loc,
        f"({where}) is {_said(loc, ours)} to `check` (what was reviewed) but {_said(loc, engine)} to {reader}; "
        "deploying it would change what was reviewed",
        has_value=False,
        hint=f"write it {form}, which every YAML reader reads alike, or as the value you mean in that form",
    )
    return ConfigError([issue], source)


def engine_site(stack: str, text: str, source: str, *, compare: bool) -> Any:
    """`nixedge:site` as the engine hands it over (JSON), parsed; with `compare`, checked
    against the stack file in stacks/ as `check` reads it (its refusals raised too).

    `compare` is off only where config reaches the program another way (Pulumi's mocks).
    """
    path = shown(stack_path(stack))
    try:
        theirs = json.loads(text)
    except (RecursionError, ValueError):
        if path.exists():
            read_stack(path)  # names the key (nesting too deep for Python's JSON)
        issue = Issue(SITE_KEY, "must be a mapping with host, network and containers", text[:80])
        raise ConfigError([issue], source) from None
    if path.exists():
        written = _written(path)
        found = disagreement(written, theirs, str(path), source, "the Pulumi engine") if written and compare else None
        if found is not None:
            raise found
    return theirs


def _written(path: Path) -> StackFile | None:
    """The stack file as `check` reads it (raises what `check` refuses), or None when it
    has no site (the engine got it some other way)."""
    try:
        return read_stack(path)
    except ConfigError as exc:
        if all(issue.message.startswith("is missing") for issue in exc.issues):
            return None
        raise


def engine_agrees(data: bytes, written: StackFile, file: str, source: str) -> None:
    """Raise where the Pulumi CLI (when there is one) reads the stack file `data` otherwise
    than `check` did (`written`): refuses it, or reads another value."""
    reading = engine_reading(data)
    if reading is None:
        return
    if reading.refused is not None:
        issue = Issue(
            file, f"is refused by the Pulumi engine, which `check` accepts: {reading.refused}", has_value=False,
            hint="report it as a bug of nixedge's reader; the engine's message names the line",
        )  # fmt: skip
        raise ConfigError([issue], source)
    found = disagreement(written, reading.site, file, source, "the Pulumi engine")
    if found is not None:
        raise found
