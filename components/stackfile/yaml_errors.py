"""A YAML syntax error said where the author made it: indentation is named as such.

PyYAML reports an indentation mistake where it notices it, often on the line after the
one that is off (`name:` indented one space too little is noticed at the `uid:` under
it). `yaml_message` looks at the line it names and the one before: when their keys do
not line up, it says so, and which of the two is off from its parent's step.
"""

from __future__ import annotations

from components.model.secret_keys import HIDDEN, secret_like

_INDENTATION = ("mapping values are not allowed here", "expected <block end>", "could not find expected ':'")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _shown(line: str) -> str:
    """A line of the file as a message quotes it: a value under a key that names a
    secret hidden (`ADMIN_TOKEN: <hidden>`)."""
    text = line.strip()
    key, colon, value = text.partition(":")
    key = key.removeprefix("- ").strip().strip("'\"")
    return f"{text[: text.index(':')]}: {HIDDEN}" if colon and value.strip() and secret_like(key) else text


def _content(lines: list[str], number: int) -> bool:
    text = lines[number - 1].strip() if 0 < number <= len(lines) else ""
    return bool(text) and not text.startswith("#")


def indentation(lines: list[str], number: int) -> str | None:
    """Why line `number` (1-based) and the content line before it do not line up, or None."""
    before = next((n for n in range(number - 1, 0, -1) if _content(lines, n)), None)
    if before is None or not _content(lines, number):
        return None
    a, b = _indent(lines[before - 1]), _indent(lines[number - 1])
    if a == b:
        return None
    parent = next((n for n in range(before - 1, 0, -1) if _content(lines, n) and _indent(lines[n - 1]) < min(a, b)), 0)
    step = _indent(lines[parent - 1]) + 2 if parent else 0
    off = before if b == step and a != step else number
    return (
        f"an indentation mistake at line {off} (`{_shown(lines[off - 1])}`): line {before} starts in column "
        f"{a + 1} and line {number} in column {b + 1}; keys of one mapping start in the same column, "
        f"{'two spaces right of their parent key (line ' + str(parent) + ')' if parent else 'column 1'}"
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
