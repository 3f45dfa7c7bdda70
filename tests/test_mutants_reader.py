"""Tests written for the survivors of the mutation run in the stack-file reader
(components/stackfile/, docs/testing.md "Mutation testing"). The reader's proofs against the
real engine (tests/test_stack_yaml_corpus.py) are slow and outside the run: here `check`'s
half of that corpus runs alone, so that a reader that stops refusing a file the engine
refuses, or starts refusing one both read alike, fails a fast test too.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from components.errors import ConfigError
from components.stackfile import read_stack_file
from components.stackfile.agree import first_difference
from tests.yaml_corpus import CORPUS, DIFFER, REFUSED, SAME, Entry


def check_reading(path: Path) -> tuple[Any, str | None, tuple[str, ...]]:
    """`check`'s reading of a stack file: its value, or its report and the keys it names."""
    try:
        value = read_stack_file(path)
    except ConfigError as exc:
        return None, exc.report(), tuple(i.loc for i in exc.issues)
    if not isinstance(value, dict):  # site_from_data refuses it
        return value, "not a mapping", ("nixedge:site",)
    return value, None, ()


@pytest.mark.parametrize("entry", [pytest.param(e, id=e.id) for e in CORPUS])
def test_check_reads_the_corpus_as_the_engine_does_or_refuses_it(tmp_path: Path, entry: Entry) -> None:
    path = tmp_path / "Pulumi.corpus.yaml"
    path.write_bytes(entry.data)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 20_000))  # the corpus' 3,000-deep lists
    try:
        value, refused, keys = check_reading(path)
    finally:
        sys.setrecursionlimit(limit)
    if entry.outcome == SAME:
        assert refused is None, refused
        return
    assert entry.outcome in (REFUSED, DIFFER)
    assert refused is not None, f"check reads {value!r:.300}"
    if entry.key is not None:
        assert entry.key in keys, refused
    if entry.outcome == DIFFER:
        assert "Hint:" in refused, refused


# -- where two readings differ (agree.first_difference) ---------------------------------------


@pytest.mark.parametrize(
    ("ours", "theirs", "where"),
    [
        ({"a": 1}, {"a": 1}, None),
        ({"a": 1}, {"a": 1.0}, ("a",)),
        ({"a": 1}, {"a": True}, ("a",)),
        ({"a": {"b": [1, 2]}}, {"a": {"b": [1, 3]}}, ("a", "b", 1)),
        ({"a": [1, 2]}, {"a": [1, 2, 3]}, ("a", 2)),
        ({"a": [1, 2, 3]}, {"a": [1, 2]}, ("a", 2)),
        ({"a": 1, "b": 2}, {"a": 1}, ("b",)),
        ({"a": 1}, {"a": 1, "c": 2}, ("c",)),
        ({"b": 1, "a": 2}, {"b": 2, "a": 3}, ("a",)),
        ("x", "y", ()),
        ([], {}, ()),
    ],
)
def test_two_readings_differ_first_where_a_person_would_look(ours: Any, theirs: Any, where: Any) -> None:
    assert first_difference(ours, theirs) == where


# -- the exact words for a tab and an indentation mistake (source_checks, yaml_errors) --------


def refused(tmp_path: Path, text: str) -> list[tuple[str, str, str | None]]:
    path = tmp_path / "Pulumi.x.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        read_stack_file(path)
    return [(i.loc.replace(str(path), "FILE"), i.message, i.hint) for i in info.value.issues]


def test_a_tab_in_a_block_scalars_indentation_names_its_line(tmp_path: Path) -> None:
    assert refused(tmp_path, "config:\n  nixedge:site:\n    a: |-\n      \tx\n") == [
        (
            "a",
            "is a block scalar with a tab in its indentation (line 4): Pulumi refuses the file",
            "indent with spaces; write a tab of the text as \\t in a double-quoted string",
        )
    ]


INDENT_HINT = "indent each key two spaces right of the key it belongs to"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "config:\n  nixedge:site:\n    a:\n      b: 1\n     c: 2\n",
            "an indentation mistake at line 5 (`c: 2`): it starts in column 6, the keys it belongs with in column 7",
        ),
        (
            "config:\n  nixedge:site:\n    a:\n      b: 1\n\n        c: 2\n",
            "an indentation mistake at line 6 (`c: 2`): it starts in column 9, the keys it belongs with in column 7",
        ),
        (
            "config:\n  a: 1\n b: 2\n",
            "an indentation mistake at line 3 (`b: 2`): it starts in column 2, the keys it belongs with in column 3",
        ),
    ],
)
def test_an_indentation_mistake_names_the_line_that_is_off_and_its_column(
    tmp_path: Path, text: str, message: str
) -> None:
    assert refused(tmp_path, text) == [("FILE", f"is not valid YAML: {message}", INDENT_HINT)]
