"""Checks of a scalar's or a directive's source text, where go-yaml refuses what PyYAML
takes (or reads otherwise): escapes, tabs in a block scalar's indentation, directives."""

from __future__ import annotations

from components.stackfile.refusal import Refusal


def escapes(raw: str, parts: tuple[int | str, ...]) -> list[Refusal]:
    """What go-yaml refuses in a double-quoted scalar's source that PyYAML takes: `\\/`
    (YAML 1.2's escaped slash; go-yaml v3.0.1 knows only YAML 1.1's escapes)."""
    i = raw.find("\\")
    while i != -1:
        if raw[i + 1 : i + 2] == "/":
            return [Refusal(
                parts, "holds the escape \\/, which Pulumi's YAML reader does not know: it refuses the file",
                has_value=False, hint="write / without the backslash",
            )]  # fmt: skip
        i = raw.find("\\", i + 2)
    return []


def block_tabs(raw: str, parts: tuple[int | str, ...], line: int, parent: int) -> list[Refusal]:
    """A tab where go-yaml expects indentation in a block scalar (`|`, `>`): go-yaml
    refuses the file (scannerc.go, yaml_parser_scan_block_scalar_breaks), PyYAML may not.
    The indentation is the first content line's, or with an indicator (`|2`) the parent
    block's (`parent`, -1 at the root) plus it; a tab before it is refused."""
    header, *lines = raw.split("\n")
    digits = "".join(c for c in header if c.isdigit())
    indent: int | None = max(parent, 0) + int(digits) if digits else None
    for n, text in enumerate(lines, start=line + 1):
        spaces = len(text) - len(text.lstrip(" "))
        tab = text[spaces : spaces + 1] == "\t"
        if tab and (indent is None or spaces < indent):
            return [Refusal(
                parts, f"is a block scalar with a tab in its indentation (line {n}): Pulumi refuses the file",
                has_value=False, hint="indent with spaces; write a tab of the text as \\t in a double-quoted string",
            )]  # fmt: skip
        if indent is None and text.strip(" "):
            indent = spaces
    return []


_KNOWN_DIRECTIVES = ("%YAML", "%TAG")


def directives(text: str) -> list[Refusal]:
    """What go-yaml refuses in a document's directives that PyYAML takes: `%YAML` other
    than 1.1 (parserc.go: "found incompatible YAML document"), and a directive go-yaml
    does not know (scannerc.go: "found unknown directive name"), which PyYAML ignores."""
    for n, line in enumerate(text.splitlines(), start=1):
        if line.startswith("---") or not line.startswith("%"):
            if line.strip() and not line.lstrip().startswith("#"):
                return []  # the document has begun: no more directives
            continue
        name, _, rest = line.partition(" ")
        if name not in _KNOWN_DIRECTIVES:
            return [Refusal(
                (), f"starts with the directive {name} (line {n}), which Pulumi does not know: it refuses the file",
                has_value=False, hint=f"remove the {name} line",
            )]  # fmt: skip
        version = rest.split("#")[0].strip()
        if name == "%YAML" and _version(version) not in ((1, 1), None):
            return [Refusal(
                (), f"starts with %YAML {version} (line {n}): Pulumi reads only %YAML 1.1 and refuses the file",
                has_value=False, hint="remove the %YAML line",
            )]  # fmt: skip
    return []


def _version(text: str) -> tuple[int, int] | None:
    """`1.1` as (1, 1); None for what is no version (PyYAML refuses it itself)."""
    major, _, minor = text.partition(".")
    try:
        return int(major), int(minor)
    except ValueError:
        return None
