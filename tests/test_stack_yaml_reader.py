"""The stack file reader's own contract, without the engine: exact messages for the
readings it refuses, type-exact comparison, the nesting limit on data from any source,
and how the program takes the engine's value."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.errors import ConfigError
from components.model import site_from_data
from components.model.keys import MAX_DEPTH, too_deep
from components.stackfile import hosts_from_engine, read_stack_file, stack_path
from components.stackfile.agree import first_difference
from components.stackfile.stack_yaml import Refused, read_yaml


def refusal(text: str) -> tuple[str, str, str | None]:
    with pytest.raises(Refused) as info:
        read_yaml(text.encode())
    r = info.value.refusals[0]
    return ".".join(map(str, r.parts)), r.message, r.hint


def test_a_yaml_1_1_boolean_is_refused_with_a_quote_hint() -> None:
    assert refusal("a: NO\n") == (
        "a",
        "YAML 1.1 (PyYAML, many editors) reads NO as false, Pulumi as the text 'NO'",
        "write false for a boolean, or quote it ('NO') to keep the text",
    )


def test_a_whole_float_is_refused_as_the_integer_pulumi_passes() -> None:
    assert refusal("port: 2222.0\n") == (
        "port",
        "Pulumi passes 2222.0 to the program as the integer 2222; a float cannot stay whole",
        "write 2222 for an integer, or quote it ('2222.0') to keep the text",
    )


def test_a_leading_zero_is_refused_as_octal() -> None:
    key, message, hint = refusal("mode: 0755\n")
    assert (key, message) == ("mode", "is the octal number 493 to Pulumi and the number 755 to YAML 1.2 readers")
    assert hint == "write 493, 0o755 for octal, or quote it ('0755') to keep the text"


def test_a_second_key_is_refused_with_both_lines() -> None:
    assert refusal("a:\n  b: 1\n  b: 2\n")[:2] == (
        "a.b",
        "is defined twice (lines 2 and 3): Pulumi refuses the file, YAML 1.1 readers keep the last one",
    )


def test_go_yaml_values() -> None:
    text = "a: 0o17\nb: 0x1F\nc: 0b101\nd: +12\ne: .5\nf: 1e400\ng: 100000000000000000000\nh: ~\ni: 'no'\n"
    assert read_yaml(text.encode()) == {
        "a": 15, "b": 31, "c": 5, "d": 12, "e": 0.5, "f": "1e400", "g": 10**20, "h": None, "i": "no",
    }  # fmt: skip


def test_first_difference_tells_types_apart() -> None:
    assert first_difference({"a": [1, True]}, {"a": [1, True]}) is None
    assert first_difference({"a": [1, True]}, {"a": [1, 1]}) == ("a", 1)
    assert first_difference({"a": 1}, {"a": 1.0}) == ("a",)
    assert first_difference({"a": 1}, {"a": 1, "b": 2}) == ("b",)
    assert first_difference([1], [1, 2]) == (1,)


def test_nesting_is_limited_for_data_from_any_source() -> None:
    data: Any = 1
    for _ in range(3000):
        data = [data]
    assert too_deep(data) == (0,) * MAX_DEPTH
    with pytest.raises(ConfigError) as info:
        site_from_data({"containers": {"a": {"nixos": {"x": data}}}})
    assert info.value.issues[0].loc.startswith("containers.a.nixos.x[0][0]")
    assert info.value.issues[0].message == f"is nested more than {MAX_DEPTH} levels deep"


def test_the_program_refuses_what_check_refuses_and_takes_the_engine_value() -> None:
    written = read_stack_file(stack_path("dev"))
    site = hosts_from_engine("dev", json.dumps(written), "stack dev (nixedge:site)")
    assert site.hosts == (site_from_data(written),)


def test_the_program_names_the_key_of_json_too_deep_for_python() -> None:
    with pytest.raises(ConfigError) as info:
        hosts_from_engine("no-such-stack", "[" * 100_000 + "]" * 100_000, "stack x (nixedge:site)")
    assert info.value.issues[0].loc == "nixedge:site"
