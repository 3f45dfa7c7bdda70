"""An indentation mistake is named at the line that is off, once (components/stackfile/
yaml_errors.py, and a dedented key of a block in components/model/validation.py): every
key of a container, of its `user:` block and of its routes' list items, dedented or
indented by one or two spaces, in the dev stack."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.errors import ConfigError
from components.stackfile import load_stack

REPO = Path(__file__).resolve().parents[1]
DEV = (REPO / "stacks/Pulumi.dev.yaml").read_text().splitlines(keepends=True)
FIRST = next(n for n, line in enumerate(DEV, 1) if line.startswith("    containers:")) + 1
LAST = next(n for n, line in enumerate(DEV, 1) if line.strip() == "nixos:" and n > FIRST)


def shifted(number: int, by: int) -> str:
    lines = list(DEV)
    line = lines[number - 1]
    lines[number - 1] = " " * by + line if by > 0 else line[-by:]
    return "".join(lines)


def first_error(tmp_path: Path, text: str) -> str:
    path = tmp_path / "stacks" / "Pulumi.dev.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_stack(config_file=path)
    return str(caught.value.issues[0])


# Every content line of the containers up to the last container's `nixos:` (below it the
# values are free-form NixOS options: a shifted line there is often another valid nesting).
CASES = [
    pytest.param(n, by, id=f"line{n}{by:+d}-{DEV[n - 1].strip().split(':')[0].removeprefix('- ')}")
    for n in range(FIRST, LAST + 1)
    if DEV[n - 1].strip() and not DEV[n - 1].strip().startswith("#")
    for by in (-2, -1, 1, 2)
    if (by > 0 or DEV[n - 1].startswith(" " * -by))
    # A container indented under the one before it repeats that one's keys: said as such.
    and not (by == 2 and DEV[n - 1].startswith("      ") and not DEV[n - 1].startswith("       "))
]


@pytest.mark.parametrize(("number", "by"), CASES)
def test_a_shifted_line_is_named_once(tmp_path: Path, number: int, by: int) -> None:
    said = first_error(tmp_path, shifted(number, by))
    assert re.findall(r"\bline (\d+)", said) == [str(number)], said


def test_the_reported_case_names_line_31_only(tmp_path: Path) -> None:
    number = next(n for n, line in enumerate(DEV, 1) if line == "          uid: 991\n")
    said = first_error(tmp_path, shifted(number, -2))
    assert (
        f"an indentation mistake at line {number} (`uid: 991`): it starts in column 9, the keys it belongs with "
        "in column 11" in said
    ), said


@pytest.mark.parametrize("last", ["          gid: 986\n", "          gid: 2001\n"])
def test_the_last_key_of_a_block_dedented_is_named_as_indentation(tmp_path: Path, last: str) -> None:
    number = DEV.index(last) + 1
    said = first_error(tmp_path, shifted(number, -2))
    assert "is a key of `user:` (which lacks it), indented one level too little" in said, said
    assert said.endswith(f"(line {number})\n  Hint: indent `gid:` two more spaces, under `user:`"), said


def test_a_list_item_dedented_to_its_keys_parent(tmp_path: Path) -> None:
    number = DEV.index("          - hostname: git-ssh.example.test\n") + 1
    said = first_error(tmp_path, shifted(number, -2))
    assert f"an indentation mistake at line {number} (`- hostname: git-ssh.example.test`)" in said, said
    assert "the list items it belongs with in column 11" in said, said


def test_the_cases_cover_the_brief() -> None:
    ids = {c.id for c in CASES}
    assert {"line31-2-uid", "line30-2-name", "line32-1-gid", "line37-2-hostname", "line36-2-routes"} <= ids
    assert len(CASES) > 100


def doubled(text: str) -> str:
    """The stack file with every indentation doubled: a four-space file, as valid (an
    item's `- ` becomes `-   `, so that its keys line up with the lines below them)."""
    out = []
    for line in text.splitlines(keepends=True):
        body = line.lstrip(" ")
        body = "-   " + body[2:] if body.startswith("- ") else body
        out.append(" " * 2 * (len(line) - len(line.lstrip(" "))) + body)
    return "".join(out)


def test_a_four_space_file_is_read_alike(tmp_path: Path) -> None:
    path = tmp_path / "stacks" / "Pulumi.dev.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(doubled("".join(DEV)))
    assert load_stack(config_file=path) == load_stack(config_file=REPO / "stacks/Pulumi.dev.yaml")


@pytest.mark.parametrize("by", [-2, -1, 1])
def test_a_four_space_file_gets_no_two_space_diagnosis(tmp_path: Path, by: int) -> None:
    """The finder assumes two-space blocks: in a four-space file it would blame the
    wrong line (a dedented `gid:` said as `uid:` belonging in column 15), so PyYAML's own
    words stand there, with their line."""
    text = doubled("".join(DEV))
    lines = text.splitlines(keepends=True)
    number = next(n for n, line in enumerate(lines, 1) if line.strip() == "gid: 986")
    line = lines[number - 1]
    lines[number - 1] = " " * by + line if by > 0 else line[-by:]
    said = first_error(tmp_path, "".join(lines))
    assert "an indentation mistake" not in said, said
    assert "is not valid YAML at line" in said, said
