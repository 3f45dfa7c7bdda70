"""Read a stack file's YAML as `pulumi up` reads it, or refuse it with the key named.

Pulumi reads stack files with go-yaml v3 (YAML 1.2 rules, a few of YAML 1.1, its own
limits) and hands the program `nixedge:site` as JSON; PyYAML, editors and reviewers
read YAML 1.1. So the two disagree on `no`, `on`, `1:30`, `0755`, `2222.0` or a date.
This module parses with PyYAML but composes the nodes itself (iteratively, so nesting
is ours to limit) and gives each scalar go-yaml's value, then the value Pulumi's JSON
hands the program. It refuses, with a hint:

- what Pulumi refuses (duplicate keys, excessive aliasing, an anchor inside itself, NaN
  and infinity, invalid Unicode), so that `check` refuses it too;
- what the readers read differently (YAML 1.1 booleans, sexagesimal and leading-zero
  numbers, underscores, whole numbers written as floats, dates, tags, merge keys, keys
  that are not text, a second document), so that nobody reviews another value than
  the one deployed.

tests/test_stack_yaml_corpus.py proves the agreement against the real engine.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from components.model.keys import MAX_DEPTH
from components.model.secret_keys import secret_like
from components.stackfile.engine_pass import second_pass
from components.stackfile.refusal import Refusal, Refused
from components.stackfile.source_checks import block_tabs, directives, escapes
from components.stackfile.yaml_scalars import NULLS, TAGS_DIFFER, hidden_scalar, scalar

# -- nodes, composed from PyYAML's events ----------------------------------------------


@dataclass(eq=False)
class _Scalar:
    text: str
    tag: str | None
    plain: bool
    line: int


@dataclass(eq=False)
class _Seq:
    tag: str | None
    line: int
    items: list[_Node] = field(default_factory=list)
    column: int = 0
    """Where its first entry starts: go-yaml's indentation of the block."""


@dataclass(eq=False)
class _Map:
    tag: str | None
    line: int
    items: list[_Node] = field(default_factory=list)
    """Keys and values in turn."""
    column: int = 0
    """Where its first key starts: go-yaml's indentation of the block."""


@dataclass(eq=False)
class _Alias:
    anchor: str
    target: _Node
    line: int


_Node = _Scalar | _Seq | _Map | _Alias


def _where(stack: list[_Seq | _Map]) -> tuple[int | str, ...]:
    """The key path of the node about to be attached to the innermost open collection."""
    parts: list[int | str] = []
    for depth, frame in enumerate(stack):
        inner = depth == len(stack) - 1  # outer frames already hold their open child
        if isinstance(frame, _Seq):
            parts.append(len(frame.items) - (0 if inner else 1))
        else:
            key = frame.items[-1 if inner else -2] if len(frame.items) >= (1 if inner else 2) else None
            parts.append(key.text if isinstance(key, _Scalar) else "[key]")
    return tuple(parts)


def _events(text: str, stack: list[_Seq | _Map]) -> Iterator[yaml.Event]:
    """PyYAML's events; a \\U escape beyond Unicode (a ValueError in PyYAML) refused."""
    try:
        yield from yaml.parse(text, Loader=yaml.SafeLoader)
    except ValueError as exc:
        if isinstance(exc, yaml.YAMLError):
            raise
        raise Refused([Refusal(
            _where(stack), f"holds an escape that is no Unicode character ({exc}): Pulumi refuses the file",
            has_value=False, hint="escapes go up to \\U0010FFFF",
        )]) from None  # fmt: skip


def compose(text: str) -> _Node | None:
    """The first document's node tree; a second document or deep nesting is refused."""
    stack: list[_Seq | _Map] = []
    anchors: dict[str, _Node] = {}
    root: list[_Node] = []
    documents = 0
    refusals: list[Refusal] = []

    def attach(node: _Node, anchor: str | None) -> None:
        if anchor is not None:
            anchors[anchor] = node  # go-yaml lets a later anchor of the same name win
        (stack[-1].items if stack else root).append(node)

    for event in _events(text, stack):
        if isinstance(event, yaml.StreamStartEvent):
            refusals += directives(text)
        line = event.start_mark.line + 1 if event.start_mark else 0
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise Refused([_second_document(line)])
        elif isinstance(event, yaml.AliasEvent):
            if event.anchor not in anchors:
                raise Refused([Refusal(_where(stack), f"uses the alias *{event.anchor}, which no anchor defines",
                                       has_value=False)])  # fmt: skip
            attach(_Alias(event.anchor, anchors[event.anchor], line), None)
        elif isinstance(event, yaml.ScalarEvent):
            if event.style in ('"', "|", ">") and event.start_mark and event.end_mark:
                raw = text[event.start_mark.index : event.end_mark.index]
                where, parent = _where(stack), stack[-1].column if stack else -1
                refusals += escapes(raw, where) if event.style == '"' else block_tabs(raw, where, line, parent)
            attach(_Scalar(event.value, event.tag, event.style is None, line), event.anchor)
        elif isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= MAX_DEPTH:
                raise Refused([_too_deep(_where(stack))])
            kind = _Seq if isinstance(event, yaml.SequenceStartEvent) else _Map
            node: _Seq | _Map = kind(event.tag, line, column=event.start_mark.column if event.start_mark else 0)
            attach(node, event.anchor)
            stack.append(node)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            stack.pop()
    if refusals:
        raise Refused(refusals)
    return root[0] if root else None


def _names_secret(parts: tuple[int | str, ...]) -> bool:
    """Whether the last key of `parts` (list indexes skipped) names a secret."""
    key = next((p for p in reversed(parts) if isinstance(p, str)), None)
    return key is not None and secret_like(key)


def _second_document(line: int) -> Refusal:
    return Refusal(
        (),
        f"holds a second YAML document (line {line}); Pulumi reads only the first",
        has_value=False,
        hint="remove the `---` line and everything after it, or merge the documents into one",
    )


def _too_deep(parts: tuple[int | str, ...]) -> Refusal:
    return Refusal(
        parts,
        f"is nested more than {MAX_DEPTH} levels deep (mappings and lists); no site needs that",
        has_value=False,
        hint="flatten the value, or write it in a Nix module the container imports (containers.<name>.imports)",
    )


def _twice(parts: tuple[int | str, ...], first: int, second: int, aliased: bool) -> Refusal:
    """A key written twice. go-yaml refuses a duplicate only between keys written out; one
    that comes through an alias (`*k: ...`) passes, and the last value wins, as in PyYAML."""
    if aliased:
        message = (f"is defined twice (lines {first} and {second}, once through an alias): Pulumi and "
                   "YAML 1.1 readers keep the last value, and a reader of the file easily sees the first")  # fmt: skip
    else:
        message = (
            f"is defined twice (lines {first} and {second}): Pulumi refuses the file, "
            "YAML 1.1 readers keep the last one"
        )
    return Refusal(parts, message, has_value=False, hint="keep one of them")


def _allowed_alias_ratio(decoded: int) -> float:
    """go-yaml's limit on how much of a document may come from aliases (an alias bomb)."""
    if decoded <= 400_000:
        return 0.99
    if decoded >= 4_000_000:
        return 0.10
    return 0.99 - 0.89 * (decoded - 400_000) / 3_600_000


class _Builder:
    """Builds Python values from nodes, counting alias expansion as go-yaml does."""

    def __init__(self) -> None:
        self.decoded = 1  # go-yaml counts the document node too
        self.aliased = 0
        self.alias_depth = 0
        self.active: dict[int, tuple[int | str, ...]] = {}
        """Alias nodes being expanded -> where each was written."""
        self.refusals: list[Refusal] = []
        self.lines: dict[tuple[int | str, ...], int] = {}
        """Key path -> the line its value starts on (the first time it is written)."""

    def count(self, parts: tuple[int | str, ...]) -> None:
        self.decoded += 1
        if self.alias_depth:
            self.aliased += 1
        ratio = self.aliased / self.decoded
        if self.aliased > 100 and self.decoded > 1000 and ratio > _allowed_alias_ratio(self.decoded):
            outermost = next(iter(self.active.values()), parts)  # the alias written outside any other
            raise Refused([Refusal(
                outermost,
                "expands its aliases too far: Pulumi refuses the file (document contains excessive aliasing)",
                has_value=False, hint="write the repeated values out, or use fewer aliases",
            )])  # fmt: skip

    def value(self, node: _Node, parts: tuple[int | str, ...], depth: int, *, key: bool = False) -> Any:
        self.count(parts)
        self.lines.setdefault(parts, node.line)
        if depth >= MAX_DEPTH and isinstance(node, (_Seq, _Map)):
            raise Refused([_too_deep(parts)])  # deep once its aliases are expanded
        if isinstance(node, _Alias):
            return self.alias(node, parts, depth, key=key)
        if isinstance(node, _Scalar):
            secret = not key and _names_secret(parts)
            try:
                found = scalar(node.text, node.tag, node.plain)
            except ValueError as exc:
                message, hint = hidden_scalar(node.text, node.tag, *exc.args) if secret else exc.args
                self.refusals.append(Refusal(parts, message, node.text, hint))
                return None
            changed = second_pass(found, hide=secret) if isinstance(found, str) and not key else None
            if changed is not None:
                self.refusals.append(Refusal(parts, changed[0], node.text, changed[1]))
            return found
        if node.tag is not None:
            tag = node.tag.replace("tag:yaml.org,2002:", "!!")
            self.refusals.append(Refusal(
                parts, f"has the YAML tag {tag}; {TAGS_DIFFER}",
                has_value=False, hint="remove the tag: a stack file holds plain data",
            ))  # fmt: skip
        if isinstance(node, _Seq):
            return [self.value(item, (*parts, i), depth + 1) for i, item in enumerate(node.items)]
        return self.mapping(node, parts, depth)

    def alias(self, node: _Alias, parts: tuple[int | str, ...], depth: int, *, key: bool = False) -> Any:
        if id(node) in self.active:
            raise Refused([Refusal(
                self.active[id(node)],
                f"uses the alias *{node.anchor} inside its own anchor &{node.anchor}: Pulumi refuses the file",
                has_value=False, hint="a value cannot contain itself; write it out",
            )])  # fmt: skip
        self.active[id(node)] = parts
        self.alias_depth += 1
        try:
            return self.value(node.target, parts, depth, key=key)
        finally:
            self.alias_depth -= 1
            del self.active[id(node)]

    def mapping(self, node: _Map, parts: tuple[int | str, ...], depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        lines: dict[str, int] = {}
        aliased = False
        for knode, vnode in zip(node.items[::2], node.items[1::2], strict=True):
            target = knode.target if isinstance(knode, _Alias) else knode
            if isinstance(target, _Scalar) and target.text == "<<" and target.tag in (None, "!"):
                self.refusals.append(Refusal(
                    (*parts, "<<"),
                    "is a YAML merge key (quoted or not, to Pulumi); YAML readers differ on what a merge keeps",
                    has_value=False, hint="write the merged keys out (an alias of a whole value is fine)",
                ))  # fmt: skip
                continue
            key = self.value(
                knode, (*parts, target.text if isinstance(target, _Scalar) else "[key]"), depth + 1, key=True
            )
            if not isinstance(target, _Scalar):
                self.refusals.append(Refusal(
                    parts, "has a mapping or list as a key: Pulumi refuses the file", has_value=False,
                    hint="keys are text",
                ))  # fmt: skip
                continue
            if key is None and target.text not in NULLS:
                continue  # the key itself was refused
            if not isinstance(key, str):
                # Go's %v; by identity, since 1 == True would make the key 1 read 'true'.
                shown = "<nil>" if key is None else str(key).lower() if isinstance(key, bool) else str(key)
                self.refusals.append(Refusal(
                    (*parts, target.text), f"is a key that is not text: Pulumi turns it into the text {shown!r}",
                    target.text, hint=f"quote it ({target.text!r})",
                ))  # fmt: skip
                continue
            if key in out:
                self.refusals.append(_twice((*parts, key), lines[key], knode.line, aliased or knode is not target))
                continue
            lines[key] = knode.line  # an alias key is written at the alias
            aliased = aliased or knode is not target
            out[key] = self.value(vnode, (*parts, key), depth + 1)
        if len(out) == 1 and isinstance(out.get("secure"), str):
            self.refusals.append(Refusal(
                parts, "is a Pulumi secret (`secure:`); nixedge:site holds no Pulumi secrets", has_value=False,
                hint="secrets stay files on the host, named under `secrets` (docs/secrets.md)",
            ))  # fmt: skip
        return out


def _decode(data: bytes) -> str:
    """The file's text: UTF-8, a leading byte-order mark dropped (as Pulumi does)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        raise Refused([Refusal(
            (), "is UTF-16 or UTF-32 text; stack files are UTF-8", has_value=False,
            hint="save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)",
        )])  # fmt: skip
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[: exc.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        raise Refused([Refusal(
            (), f"is not UTF-8 text: byte 0x{data[exc.start]:02x} at line {line}, column {column}", has_value=False,
            hint="save it as UTF-8",
        )]) from None  # fmt: skip
    if "\x00" in text:
        raise Refused([Refusal(
            (), "holds NUL bytes (UTF-16 without a byte-order mark?); stack files are UTF-8 text", has_value=False,
            hint="save it as UTF-8",
        )])  # fmt: skip
    return text.removeprefix("\ufeff")


def read_yaml(data: bytes) -> Any:
    """The first document of a stack file as Pulumi reads it; Refused with every reason
    not to, yaml.YAMLError when it is no YAML at all."""
    return read_yaml_lines(data)[0]


def read_yaml_lines(data: bytes) -> tuple[Any, dict[tuple[int | str, ...], int]]:
    """read_yaml's value, and the line where each key path's value starts."""
    node = compose(_decode(data))
    if node is None:
        return None, {}
    builder = _Builder()
    value = builder.value(node, (), 0)
    if builder.refusals:
        raise Refused(builder.refusals)
    return value, builder.lines


__all__ = ["Refusal", "Refused", "compose", "read_yaml", "read_yaml_lines"]
