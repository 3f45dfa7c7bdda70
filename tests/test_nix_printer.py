"""The Nix printer (components/nixos/nix.py) prints exactly the expected nixfmt-style text.

Exact-string tests of strings and escapes, empty and one-item collections, layout of
several items, negative numbers and floats, quoted attribute names and keywords, dotted
`Path` keys and `Comment` keys; and, through nix-instantiate, that what it prints means
the value it was given.
"""

from __future__ import annotations

import pytest

from components.errors import RenderError
from components.nixos import nix
from components.nixos.nix import Comment, Path, Raw
from tests.nixeval import eval_expr


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", '""'),
        ("plain", '"plain"'),
        ('say "hi"', r'"say \"hi\""'),
        ("back\\slash", r'"back\\slash"'),
        ("${x}", r'"\${x}"'),
        ("$${x}", r'"$\${x}"'),
        ("\\${x}", r'"\\\${x}"'),
        ("$x and $", '"$x and $"'),
        ("a\nb", r'"a\nb"'),
        ("a\tb\rc", r'"a\tb\rc"'),
        ("''", "\"''\""),
        ("ünïcode ✓", '"ünïcode ✓"'),
    ],
)
def test_string(text: str, expected: str) -> None:
    assert nix.string(text) == expected


def test_strings_evaluate_to_themselves() -> None:
    texts = [
        "",
        'q"',
        "b\\",
        '${builtins.readFile "/etc/shadow"}',
        "$${x}",
        "\\${x}",
        "''${x}",
        "a\nb\tc\rd",
        "$",
        "x$",
        "ü✓",
    ]
    expr = "[ " + " ".join(nix.string(t) for t in texts) + " ]"
    assert eval_expr(expr) == texts


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (0, "0"),
        (-7, "-7"),
        (8080, "8080"),
        (1.5, "1.5"),
        (-0.25, "-0.25"),
        (1e-05, "1.0e-05"),
        (1e100, "1.0e+100"),
        ([], "[ ]"),
        ({}, "{ }"),
        ([1], "[ 1 ]"),
        (["ve-+"], '[ "ve-+" ]'),
        ([-1], "[ (-1) ]"),
        ([[]], "[ [ ] ]"),
        ([{}], "[ { } ]"),
        (Raw("lib.mkForce false"), "lib.mkForce false"),
    ],
)
def test_scalars_and_short_collections(v: nix.NixValue, expected: str) -> None:
    assert nix.value(v) == expected


def test_floats_read_back_as_floats() -> None:
    assert eval_expr(nix.value([1e-05, 1e100, -1e16, 0.5])) == [1e-05, 1e100, -1e16, 0.5]


def test_several_items_one_per_line() -> None:
    assert nix.value(["atticd", "forgejo"]) == '[\n  "atticd"\n  "forgejo"\n]'


def test_negative_numbers_and_applications_in_lists_are_parenthesised() -> None:
    assert nix.value([1, -2, -0.5, Raw("f x"), Raw("wrapper")]) == "[\n  1\n  (-2)\n  (-0.5)\n  (f x)\n  wrapper\n]"
    assert eval_expr(nix.value([1, -2, -0.5])) == [1, -2, -0.5]


def test_nested_layout() -> None:
    assert nix.value({"a": [{"name": "x", "b": True}], "c": {"d": []}}, 1) == (
        "{\n"
        "    a = [\n"
        "      {\n"
        '        name = "x";\n'
        "        b = true;\n"
        "      }\n"
        "    ];\n"
        "    c = {\n"
        "      d = [ ];\n"
        "    };\n"
        "  }"
    )


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("enable", "enable"),
        ("HTTP_PORT", "HTTP_PORT"),
        ("uptime-kuma", "uptime-kuma"),
        ("_type", "_type"),
        ("x'", "x'"),
        ("in", '"in"'),
        ("if", '"if"'),
        ("or", '"or"'),
        ("rec", '"rec"'),
        ("inherit", '"inherit"'),
        ("let", '"let"'),
        ("with", '"with"'),
        ("assert", '"assert"'),
        ("container@forgejo", '"container@forgejo"'),
        ("/run/postgresql", '"/run/postgresql"'),
        ("forgejo.ncaq.net", '"forgejo.ncaq.net"'),
        ("8080", '"8080"'),
        ("-x", '"-x"'),
        ("a b", '"a b"'),
        ("${x}", r'"\${x}"'),
        ("", '""'),
        ("in\n", r'"in\n"'),
        ("x\n", r'"x\n"'),
    ],
)
def test_attribute_names(name: str, expected: str) -> None:
    assert nix.attr_name(name) == expected


def test_path_keys() -> None:
    assert nix.key(Path("networking", "nat", "enable")) == "networking.nat.enable"
    assert nix.key(Path("systemd", "services", "container@forgejo")) == 'systemd.services."container@forgejo"'
    assert nix.key(Path("services", "in", "a.b")) == 'services."in"."a.b"'
    assert nix.value({Path("users", "groups", "forgejo", "gid"): 986}) == "{\n  users.groups.forgejo.gid = 986;\n}"


def test_comment_keys() -> None:
    text = nix.value(
        {Comment("why this is here"): None, "a": 1, Comment("second"): None, "b": {Comment("inner"): None, "c": 2}}
    )
    assert text == "{\n  # why this is here\n  a = 1;\n  # second\n  b = {\n    # inner\n    c = 2;\n  };\n}"


def test_keywords_and_odd_names_evaluate_as_names() -> None:
    names = [
        "in",
        "or",
        "if",
        "let",
        "rec",
        "a b",
        "a.b",
        "${x}",
        '"',
        "\\",
        "8080",
        "container@forgejo",
        "in\n",
        "x\n",
    ]
    attrs: dict[nix.Key, nix.NixValue] = {n: i for i, n in enumerate(names)}
    assert eval_expr(nix.value(attrs)) == attrs
    assert eval_expr(nix.value({Path("in", "a.b", "or"): 1})) == {"in": {"a.b": {"or": 1}}}


def test_bindings_and_lambda_values() -> None:
    assert nix.bindings({"a": 1, Path("b", "c"): "d"}, 1) == '  a = 1;\n  b.c = "d";\n'
    # A value on its own line (a lambda, nixfmt-style) follows ` =` with no trailing space.
    assert nix.bindings({"config": Raw("\n  { lib, ... }:\n  { }")}, 0) == "config =\n  { lib, ... }:\n  { };\n"


def test_values_without_nix_literal_are_refused() -> None:
    with pytest.raises(RenderError, match="no Nix literal"):
        nix.value(float("nan"))
    with pytest.raises(RenderError, match="no Nix literal"):
        nix.value(float("inf"))
    with pytest.raises(RenderError, match="cannot print set as Nix"):
        nix.value({1, 2})  # type: ignore[arg-type]


def test_negative_zero_in_a_list_is_parenthesised() -> None:
    """Found by the property test: `[ -0.0 ]` reads as a subtraction without parentheses."""
    assert nix.value([-0.0, 1]) == "[\n  (-0.0)\n  1\n]"
