"""A YAML syntax error said where the author made it: indentation is named as such.

PyYAML reports an indentation mistake where it notices it, often on a line after the
one that is off (`uid:` indented one level too little is noticed at the `gid:` under
it, a dedented `user:` at the first key after its block). `yaml_message` finds the line
that is off from the lines up to the one PyYAML names: each line's column is checked
against the columns the lines before it leave open (the keys of each mapping two spaces
right of their parent key, list items too, or in the parent's column), and the line
that is off is the one which, put where the lines around it say, makes the rest fit.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from components.model.secret_keys import HIDDEN, secret_like

_INDENTATION = ("mapping values are not allowed here", "expected <block end>", "could not find expected ':'")


@dataclass(frozen=True)
class _Line:
    """A content line: its number, the column of its first character, whether it is a
    list item (`- `), its key (None for a plain value) and whether it opens a block
    (a key or item with nothing after it)."""

    number: int
    column: int
    item: bool
    key: str | None
    opens: bool

    @property
    def keys(self) -> int:
        """The column of the keys of its mapping: after the `- ` of an item."""
        return self.column + 2 if self.item else self.column

    def at(self, column: int) -> _Line:
        return _Line(self.number, column, self.item, self.key, self.opens)


def _line(number: int, text: str) -> _Line | None:
    body = text.strip()
    if not body or body.startswith("#"):
        return None
    item = body == "-" or body.startswith("- ")
    rest = body[2:].strip() if item else body
    quoted = rest.startswith(("'", '"', "{", "["))
    if ": " in rest and not quoted:
        head, value = rest.split(": ", 1)
    elif rest.endswith(":") and not quoted:
        head, value = rest[:-1], ""
    else:
        return _Line(number, len(text) - len(text.lstrip(" ")), item, None, body == "-")
    value = "" if value.strip().startswith("#") else value.strip()
    return _Line(number, len(text) - len(text.lstrip(" ")), item, head.strip().strip("'\""), not value)


def _before(lines: list[str], number: int) -> list[_Line]:
    """The content lines from the first to line `number` (1-based), in order."""
    return [c for n, text in enumerate(lines[:number], 1) if (c := _line(n, text)) is not None]


def _fits(line: _Line, before: list[_Line]) -> bool:
    """Whether `line` starts in a column the lines `before` it leave open."""
    last = before[-1]
    if last.opens:
        child = last.keys + 2
        return line.column == child or (line.item and line.column == last.keys)
    keys, items, floor = {last.keys}, {last.column} if last.item else set(), last.column
    for a in reversed(before[:-1]):
        if a.column < floor:  # a parent: its siblings (and its list's next items) may follow
            keys.add(a.keys)
            items |= {a.column} if a.item else set()
            floor = a.column
    return line.column in (items if line.item else keys)


def _path(column: int, before: list[_Line]) -> tuple[str | int, ...]:
    """The key path of the mapping a key at `column` after `before` would be in."""
    path: list[str | int] = []
    floor = column
    for a in reversed(before):
        if a.column < floor:
            floor = a.column
            if a.key is not None and (a.opens or not a.item):
                path.insert(0, a.key)
            if a.item:
                path.insert(0, 0)
    return tuple(path)


def _known(key: str | None, column: int, before: list[_Line]) -> bool | None:
    """Whether the stack file's schema knows `key` in the mapping at `column` after
    `before`; None where it says nothing (a free-form mapping, outside the site)."""
    path = _path(column, before)
    if key is None or path[:1] != ("config",):
        return None
    if path == ("config",):  # Pulumi's config: namespaced keys, and nixedge's short `site`
        return ":" in key or key == "site"
    if path[1] not in ("nixedge:site", "site"):
        return None
    from components.model.validation import known_keys  # the schema, only on this error path

    known = known_keys(path[2:])
    return key in known if known else None


def _columns(line: _Line, before: list[_Line]) -> list[int]:
    """The columns other than its own that `line` could start in after `before`, nearest first."""
    fits = [c for c in range(line.column + 5) if c != line.column and _fits(line.at(c), before)]
    return sorted(fits, key=lambda c: (abs(c - line.column), -c))  # a tie: the block goes on


def _before_off(b: _Line, n: _Line, upto: list[_Line], after: _Line | None) -> int | None:
    """The column where `b` belongs when it, not `n` after it, is off: put there, `n`
    fits. A `b` that may stand where it is (a key dedented to close a block) is off when
    the schema knows its key where it would go and not `n`'s beside it (a dedented
    `uid:` over `gid:`), or, where the schema says nothing, when the line `after` `n`
    lines up with `n`; a list item in its parent key's column is off."""
    if not upto:
        return None
    for column in _columns(b, upto):
        moved = b.at(column)
        if not _fits(n, [*upto, moved]):
            continue
        unindented = b.item and upto[-1].opens and b.column == upto[-1].keys
        if not _fits(b, upto) or unindented:
            return column
        stays = _known(n.key, b.keys, [*upto, b])
        goes = _known(b.key, moved.keys, [*upto, moved])
        if stays is None and goes is None:
            return column if after is not None and after.column == n.column != b.column else None
        return column if goes and not stays else None
    return None


def _opener_off(found: list[_Line], n: _Line) -> tuple[_Line, int] | None:
    """A key above that opens a block whose keys are not two spaces right of it, when
    `n` fits once it is moved: the key itself (a dedented `user:` over its well-indented
    keys, when the schema knows it there, or its block has two keys or more and the
    schema does not know it where it is), or else
    the first key under it (`forgejo:` indented under `containers:`)."""
    floor = found[-1].column
    for i in range(len(found) - 2, -1, -1):
        a, child = found[i], found[i + 1]
        if a.column >= floor:
            continue
        floor = a.column
        if not a.opens or child.column in (a.keys + 2, a.keys if child.item else -1):
            continue
        moved = a.at(child.column - 2 - (a.keys - a.column))
        if n.column == (moved.column if n.item else moved.keys) and moved.column >= 0 and _fits(moved, found[:i]):
            known, here = _known(a.key, moved.keys, found[:i]), _known(a.key, a.keys, found[:i])
            block = [c for c in found[i + 1 :] if c.column == child.column]
            if known or (known is None and not here and len(block) > 1):
                return a, moved.column
        if n.column == a.keys + 2:
            return child, a.keys + 2
    return None


def _two_space(found: list[_Line]) -> bool:
    """Whether the blocks in `found` indent their contents two spaces, as the finder
    below assumes (a four-space file would have the wrong line blamed): most of them,
    since the line that is off may be among them."""
    steps = [c.column - a.keys for a, c in itertools.pairwise(found) if a.opens and c.column > a.keys]
    return 2 * steps.count(2) > len(steps) or not steps


def off_line(lines: list[str], number: int) -> tuple[_Line, int] | None:
    """The line whose indentation is off, near line `number` where PyYAML noticed a
    mistake, and the column the lines around it say it belongs in; None if all line up
    or the file's blocks are not indented two spaces each (then PyYAML's words stand)."""
    found = _before(lines, number)
    if len(found) < 2 or found[-1].number != number or not _two_space(found[:-2]):
        return None
    n, b, upto = found[-1], found[-2], found[:-2]
    if _fits(n, found[:-1]):
        return None
    opener = _opener_off(found[:-1], n)
    if opener is not None:
        return opener
    after = next((c for k in range(number, len(lines)) if (c := _line(k + 1, lines[k])) is not None), None)
    column = _before_off(b, n, upto, after)
    if column is not None:
        return b, column
    columns = _columns(n, found[:-1])
    return (n, columns[0]) if columns else None


def _shown(line: str) -> str:
    """A line of the file as a message quotes it: a value under a key that names a
    secret hidden (`ADMIN_TOKEN: <hidden>`)."""
    text = line.strip()
    key, colon, value = text.partition(":")
    key = key.removeprefix("- ").strip().strip("'\"")
    return f"{text[: text.index(':')]}: {HIDDEN}" if colon and value.strip() and secret_like(key) else text


def indentation(lines: list[str], number: int) -> str | None:
    """The indentation mistake near line `number` (1-based), said at the one line that
    is off, or None."""
    found = off_line(lines, number)
    if found is None:
        return None
    off, column = found
    what = "list items" if off.item else "keys"
    return (
        f"an indentation mistake at line {off.number} (`{_shown(lines[off.number - 1])}`): it starts in column "
        f"{off.column + 1}, the {what} it belongs with in column {column + 1}"
    )


def yaml_message(exc: Exception, text: str) -> tuple[str, str | None]:
    """What to say about a YAML error (PyYAML's, read by components/stackfile: the
    model imports no YAML library) in `text`, and a hint (None: none known)."""
    mark = getattr(exc, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = str(getattr(exc, "problem", exc))
    # PyYAML refuses a tab in some places go-yaml takes it; spaces read the same everywhere.
    if "'\\t'" in problem:
        return f"is not valid YAML{where}: {problem}", "use spaces, not tabs, in a stack file"
    if mark is not None and any(problem.startswith(p) for p in _INDENTATION):
        said = indentation(text.splitlines(), mark.line + 1)
        if said is not None:
            return f"is not valid YAML: {said}", "indent each key two spaces right of the key it belongs to"
    return f"is not valid YAML{where}: {problem}", None
