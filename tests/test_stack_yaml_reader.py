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


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("-0755", "is the octal number -493 to Pulumi and the number -755 to YAML 1.2 readers",
         "write -493, -0o755 for octal, or quote it ('-0755') to keep the text"),
        ("+0755", "is the octal number 493 to Pulumi and the number 755 to YAML 1.2 readers",
         "write 493, 0o755 for octal, or quote it ('+0755') to keep the text"),
    ],
)  # fmt: skip
def test_a_signed_leading_zero_is_refused_with_octal_of_the_same_sign(text: str, message: str, hint: str) -> None:
    assert refusal(f"mode: {text}\n") == ("mode", message, hint)
    assert read_yaml(f"mode: {hint.split(', ')[1].split()[0]}\n".encode()) == {"mode": int(text, 8)}


@pytest.mark.parametrize(
    ("text", "passed"),
    [
        ("9_223_372_036_854_775_808", "9223372036854776000"),  # 2**63, a float64 the program gets whole
        ("1_0000000000000000001", "10000000000000000000"),
        ("-1_0000000000000000001", "-10000000000000000000"),
        ("1_000_000_000_000_000_000_000_000", "1e+24"),
    ],
)
def test_an_underscored_integer_beyond_64_bits_names_the_number_pulumi_passes(text: str, passed: str) -> None:
    assert refusal(f"a: {text}\n") == (
        "a",
        f"is beyond 64-bit integers: Pulumi passes {text} rounded to {passed}, YAML 1.2 readers as text",
        f"use a smaller number, or quote it ('{text}') to keep the text",
    )


def test_an_underscored_integer_within_64_bits_is_refused_with_its_value() -> None:
    assert refusal("a: 9_223_372_036_854_775_807\n") == (
        "a",
        (
            "YAML 1.1 and Pulumi read 9_223_372_036_854_775_807 as the number 9223372036854775807, "
            "YAML 1.2 readers as text"
        ),
        "write 9223372036854775807, or quote it ('9_223_372_036_854_775_807') to keep the text",
    )


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


# -- hints that say only what is true (each checked against the pinned engine in
# tests/test_stack_yaml_corpus.py and tests/test_stack_fuzz_engine.py) ---------------------


def test_an_escape_beyond_unicode_is_refused_not_a_traceback() -> None:
    key, message, hint = refusal('a:\n  b: "\\U00110000"\n')
    assert key == "a.b" and "no Unicode character" in message and "Pulumi refuses the file" in message
    assert hint == "escapes go up to \\U0010FFFF"


def test_the_engine_refuses_what_check_used_to_accept() -> None:
    assert "%YAML 1.3" in refusal("%YAML 1.3\n---\na: 1\n")[1]
    assert "%YAML 1.2" in refusal("%YAML 1.2\n---\na: 1\n")[1]
    assert read_yaml(b"%YAML 1.1\n---\na: 1\n") == {"a": 1}
    assert "the directive %FOO (line 1), which Pulumi does not know" in refusal("%FOO x\n---\na: 1\n")[1]
    assert read_yaml(b"%TAG !e! tag:e.com,2000:\n---\na: '%FOO'\n") == {"a": "%FOO"}
    unknown = "holds the escape \\/, which Pulumi's YAML reader does not know: it refuses the file"
    assert refusal('a: "x\\/y"\n')[:2] == ("a", unknown)


def test_a_date_the_engine_passes_unchanged_is_not_said_to_be_reformatted() -> None:
    text = "2001-12-14 21:59:43.10 -5"
    assert refusal(f"a: {text}\n")[1] == f"YAML 1.1 (PyYAML) reads {text} as a date, Pulumi as the text {text!r}"
    assert "reformatted" in refusal("a: 2001-12-14  21:59:43\n")[1]  # go's layouts take a run of spaces
    assert "reformatted" not in refusal("a: 2001-12-14T21:59:43\n")[1]  # no zone: text to go-yaml


def test_a_prefixed_number_past_64_bits_is_said_to_be_text_not_rounded() -> None:
    text = "0x10000000000000000"
    expected = f"is beyond 64 bits: Pulumi reads {text} as text, YAML 1.1 and 1.2 readers as a number"
    assert refusal(f"a: {text}\n")[1] == expected
    assert "YAML 1.2 readers as a number" in refusal("a: 0o2000000000000000000000\n")[1]  # text to PyYAML
    assert "rounded to 18446744073709552000" in refusal("a: 18446744073709551616\n")[1]  # a decimal: a float


def test_y_and_n_are_text_to_every_reader() -> None:
    assert read_yaml(b"a: y\nb: N\nc: [n, Y]\n") == {"a": "y", "b": "N", "c": ["n", "Y"]}


def test_a_key_twice_through_an_alias_is_not_said_to_be_refused_by_pulumi() -> None:
    key, message, hint = refusal("k: &x a\n*x : 2\na: 1\n")
    assert key == "a" and "Pulumi refuses" not in message and "keep the last value" in message
    assert hint == "keep one of them"


def test_signs_after_a_prefix_are_numbers_to_the_engine() -> None:
    assert refusal("a: 0b+1\n")[1:] == (
        "is the number 1 to Pulumi (a sign after the 0b prefix) and text to YAML readers",
        "write 1, or quote it ('0b+1') to keep the text",
    )
    assert "number -5" in refusal("a: 0b-101\n")[1] and "number -15" in refusal("a: 0o-17\n")[1]
    assert read_yaml(b"a: -0b-1\nb: 0b+\n") == {"a": "-0b-1", "b": "0b+"}  # text to go-yaml too


def test_the_second_pass_of_the_engine_is_modelled() -> None:
    assert refusal('a: "\\nx"\n')[1].startswith("starts with a line break, which Pulumi drops")
    assert refusal("a: |\n\n  x\n")[1].startswith("starts with a line break")
    assert refusal('a: "\\Lx\\ny"\n')[1].startswith("starts with U+2028")
    assert "then refuses the file" in refusal('a: "\\tx\\n"\n')[1]
    assert read_yaml(b'a: "\\Lx"\nb: "x\\n\\ty"\n') == {"a": "\u2028x", "b": "x\n\ty"}
    assert read_yaml(b'"\\nk": 1\n') == {"\nk": 1}  # a key is written back quoted: kept


def test_the_lines_of_a_reading_name_where_each_value_is_written() -> None:
    from components.stackfile import read_stack_bytes

    written = read_stack_bytes(b"config:\n  nixedge:site:\n    a:\n      b: 1\n    c: [x, y]\n", "f")
    assert (written.line(("a", "b")), written.line(("c", 1)), written.line(("a", "zz"))) == (4, 5, 3)


def test_a_disagreement_names_the_key_its_line_and_a_way_to_write_it() -> None:
    """What the program raises at preview and up where the engine's reading differs
    (components/stackfile/agree.py); here in the short `config: site:` form."""
    from components.stackfile import read_stack_bytes
    from components.stackfile.agree import disagreement

    written = read_stack_bytes(b"config:\n  site:\n    a:\n      port: 8080\n    b: x\n", "f")
    assert disagreement(written, {"a": {"port": 8080}, "b": "x"}, "f", "s", "the engine") is None
    found = disagreement(written, {"a": {"port": "8080"}, "b": "x"}, "stacks/Pulumi.s.yaml", "s", "the engine")
    expected = (
        "a.port: (line 4 of stacks/Pulumi.s.yaml) is 8080 to `check` (what was reviewed) but '8080' to the engine; "
        "deploying it would change what was reviewed\n"
        "  Hint: write it as 8080 in JSON, which every YAML reader reads alike, or as the value you mean in that form"
    )
    assert found is not None and [str(i) for i in found.issues] == [expected]
    missing = disagreement(written, {"a": {"port": 8080}}, "f", "s", "the engine")
    assert missing is not None and missing.issues[0].loc == "b"
