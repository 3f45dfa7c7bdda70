"""Print Python data as Nix source that reads like hand-written nixfmt output.

Only this module turns values into Nix text. Config data can only ever become Nix
*values* (strings, numbers, lists, attribute sets): every string is escaped, every
attribute name that is not a plain identifier is quoted. Nix *code* comes only from
`Raw`, which the renderer builds from its own literals, never from config text.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from components.errors import RenderError

INDENT = "  "

# Nix keywords cannot be bare attribute names.
_KEYWORDS = frozenset({"assert", "else", "if", "in", "inherit", "let", "or", "rec", "then", "with"})
# \Z, not $: `$` also matches before a trailing newline, and "in\n" is no identifier.
_IDENT = re.compile(r"\A[A-Za-z_][A-Za-z0-9_'-]*\Z")


@dataclass(frozen=True)
class Raw:
    """A Nix expression written by the renderer itself (never from config)."""

    code: str


@dataclass(frozen=True)
class Path:
    """A dotted attribute path, `networking.nat.enable`, as hand-written modules use."""

    parts: tuple[str | Raw, ...]

    def __init__(self, *parts: str | Raw) -> None:
        object.__setattr__(self, "parts", parts)


@dataclass(frozen=True)
class Comment:
    """As a key of an attribute set: a `# comment` line above the next attribute."""

    text: str


Key = str | Path | Comment
NixValue = None | bool | int | float | str | Raw | Sequence["NixValue"] | Mapping[Key, "NixValue"]


def string(text: str) -> str:
    """A double-quoted Nix string whose value is exactly `text`."""
    escaped = (
        text.replace("\\", "\\\\")
        .replace('"', '\\"')
        .replace("${", "\\${")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
        .replace("\t", "\\t")
    )
    return f'"{escaped}"'


def attr_name(name: str) -> str:
    """One attribute name: bare when it is an identifier, quoted otherwise."""
    if _IDENT.match(name) and name not in _KEYWORDS:
        return name
    return string(name)


def key(k: str | Path) -> str:
    if isinstance(k, Path):
        # A Raw part is the renderer's own interpolation, e.g. `${tunnel}`.
        return ".".join(part.code if isinstance(part, Raw) else attr_name(part) for part in k.parts)
    return attr_name(k)


def value(v: NixValue, depth: int = 0) -> str:
    """Nix source for `v`, laid out for a line that starts at `depth` indents."""
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if not math.isfinite(v):
            raise RenderError(f"{v!r} has no Nix literal")
        text = repr(v)
        # Nix reads `1e-05` as `1` applied to `e-05`: its float literals need a '.'.
        mantissa, e, exponent = text.partition("e")
        return f"{mantissa}.0e{exponent}" if e and "." not in mantissa else text
    if isinstance(v, str):
        return string(v)
    if isinstance(v, Raw):
        return v.code
    if isinstance(v, Mapping):
        return _attrs(v, depth)
    if isinstance(v, Sequence):
        return _list(v, depth)
    raise RenderError(f"cannot print {type(v).__name__} as Nix")


def _list_item(v: NixValue, depth: int) -> str:
    text = value(v, depth)
    # A negative number (-0.0 too) or a function application must be parenthesised in a list.
    if (isinstance(v, (int, float)) and not isinstance(v, bool) and text.startswith("-")) or (
        isinstance(v, Raw) and " " in v.code and not v.code.startswith(("{", "[", "("))
    ):
        return f"({text})"
    return text


def _list(items: Sequence[NixValue], depth: int) -> str:
    if not items:
        return "[ ]"
    pad = INDENT * (depth + 1)
    lines = [f"{pad}{_list_item(item, depth + 1)}" for item in items]
    if len(items) == 1 and "\n" not in lines[0]:
        return f"[ {lines[0].strip()} ]"
    return "[\n" + "\n".join(lines) + "\n" + INDENT * depth + "]"


def _attrs(attrs: Mapping[Key, NixValue], depth: int) -> str:
    if not attrs:
        return "{ }"
    return "{\n" + bindings(attrs, depth + 1) + INDENT * depth + "}"


def bindings(attrs: Mapping[Key, NixValue], depth: int) -> str:
    """The `name = value;` lines of an attribute set body, each ending in a newline."""
    pad = INDENT * depth
    out: list[str] = []
    for k, v in attrs.items():
        if isinstance(k, Comment):
            # One line, always: a newline would end the comment and start Nix code.
            out.append(f"{pad}# {' '.join(k.text.splitlines())}\n")
            continue
        text = value(v, depth)
        # A value that starts on its own line (nixfmt's layout for a lambda) gets no space.
        sep = " =" if text.startswith("\n") else " = "
        out.append(f"{pad}{key(k)}{sep}{text};\n")
    return "".join(out)
