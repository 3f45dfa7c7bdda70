"""The stack-file room's contract where no other fast test held it (docs/testing.md,
"Mutation testing"): the exact words of each refusal a user sees, the boundaries of
go-yaml's numbers, how a stack file is found and compared with the engine's reading, and
how the Pulumi CLI is asked for that reading, against a stand-in CLI that answers as the
real one does (tests/test_diff.py asks the real one, marked `engine`).
"""

from __future__ import annotations

import json
import stat
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

import components.stackfile.read as stack_read
from components.errors import ConfigError
from components.stackfile import (
    StackFile,
    cli_config,
    hosts_from_engine,
    hosts_in_project,
    load_hosts,
    read_stack,
    read_stack_bytes,
    site_in_project,
)
from components.stackfile.agree import engine_agrees, engine_site, first_difference
from components.stackfile.cli_config import EngineReading, engine_reading
from components.stackfile.cli_config import engine_cli as the_engine_cli  # before the fixture stands it down
from components.stackfile.stack_yaml import _allowed_alias_ratio, read_yaml
from tests.site_mutations import seed_site

SOURCE = "stacks/Pulumi.t.yaml"
HEAD = "config:\n  nixedge:site:\n"


def site(text: str) -> bytes:
    """A stack file whose `nixedge:site` holds `text` (written at the site's indentation)."""
    return (HEAD + textwrap.indent(text, "    ")).encode()


def said(data: bytes) -> list[str]:
    """Every issue `check` reports for the stack file `data`, as the user reads it."""
    with pytest.raises(ConfigError) as info:
        read_stack_bytes(data, SOURCE)
    assert info.value.source == SOURCE
    return [str(issue) for issue in info.value.issues]


# -- the file's bytes (stack_yaml._decode) -------------------------------------------------------

UTF16 = (
    f"{SOURCE}: is UTF-16 or UTF-32 text; stack files are UTF-8\n"
    "  Hint: save it as UTF-8 (e.g. iconv -f UTF-16 -t UTF-8)"
)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xff\xfe" + "config: {}\n".encode("utf-16-le"), id="utf-16-le"),
        pytest.param(b"\xfe\xff" + "config: {}\n".encode("utf-16-be"), id="utf-16-be"),
        pytest.param(b"\x00\x00\xfe\xff" + "config: {}\n".encode("utf-32-be"), id="utf-32-be"),
    ],
)
def test_a_file_with_a_utf16_or_utf32_byte_order_mark_is_named_as_such(data: bytes) -> None:
    # stack_yaml._decode #3, #4
    assert said(data) == [UTF16]


def test_a_byte_that_is_not_utf8_is_named_by_its_line_and_column() -> None:
    # stack_yaml._decode #31, #38, #44
    assert said(HEAD.encode() + b"    a: 1\n    b: x\xff\n") == [
        f"{SOURCE}: is not UTF-8 text: byte 0xff at line 4, column 9\n  Hint: save it as UTF-8"
    ]
    assert said(b"\xe9t\xe9: 1\n") == [
        f"{SOURCE}: is not UTF-8 text: byte 0xe9 at line 1, column 1\n  Hint: save it as UTF-8"
    ]


def test_a_nul_byte_is_refused_as_likely_utf16_without_a_mark() -> None:
    # stack_yaml._decode #53, #62, #65, #67
    assert said(site("a: 1\x00\n")) == [
        (
            f"{SOURCE}: holds NUL bytes (UTF-16 without a byte-order mark?); stack files are UTF-8 text\n"
            "  Hint: save it as UTF-8"
        )
    ]


# -- the document's structure (stack_yaml.compose, _Builder) --------------------------------------


def test_a_second_document_is_refused_with_its_line() -> None:
    # stack_yaml._second_document #7, #10
    assert said(site("a: 1\n") + b"---\nb: 2\n") == [
        (
            f"{SOURCE}: holds a second YAML document (line 4); Pulumi reads only the first\n"
            "  Hint: remove the `---` line and everything after it, or merge the documents into one"
        )
    ]


def test_nesting_past_the_limit_is_refused_with_the_way_out() -> None:
    # stack_yaml._too_deep #11
    issues = said(site("a: " + "[" * 70 + "]" * 70 + "\n"))
    assert len(issues) == 1
    assert issues[0].endswith(
        ": is nested more than 64 levels deep (mappings and lists); no site needs that\n"
        "  Hint: flatten the value, or write it in a Nix module the container imports (containers.<name>.imports)"
    )


def test_an_alias_no_anchor_defines_is_named_without_a_value() -> None:
    # stack_yaml.compose #43
    assert said(site("a: *x\n")) == ["a: uses the alias *x, which no anchor defines"]


def test_an_anchor_that_holds_its_own_alias_is_refused() -> None:
    # stack_yaml._Builder.alias #11, #15, #16
    assert said(site("a: &x\n  b: *x\n")) == [
        (
            "a.b: uses the alias *x inside its own anchor &x: Pulumi refuses the file\n"
            "  Hint: a value cannot contain itself; write it out"
        )
    ]


def test_the_line_of_a_list_entry_written_as_an_alias_is_the_alias_line() -> None:
    """A key's value is placed at its key's line; a list entry has no key, so an alias
    entry is placed where the alias is written (not where its anchor is)."""
    # stack_yaml.compose #49
    written = read_stack_bytes(site("a: &x 1\nb:\n  - 2\n  - *x\n"), SOURCE)
    assert written.site == {"a": 1, "b": [2, 1]}
    assert (written.line(("a",)), written.line(("b", 0)), written.line(("b", 1))) == (3, 5, 6)


def test_values_after_an_alias_do_not_count_as_expanded_from_it() -> None:
    """go-yaml refuses a document mostly made of alias expansions; one alias followed by
    thousands of values written out is far from that."""
    # stack_yaml._Builder.alias #31
    zeros = ", ".join(["0"] * 2000)
    assert read_yaml(f"a: &x 1\nb: *x\nc: [{zeros}]\n".encode()) == {"a": 1, "b": 1, "c": [0] * 2000}


def test_the_aliasing_limit_is_go_yamls_at_both_ends_of_its_range() -> None:
    """go-yaml's allowedAliasRatio: 0.99 up to 400,000 decoded nodes, 0.10 from 4,000,000,
    and a straight line between."""
    # stack_yaml._allowed_alias_ratio #4
    assert _allowed_alias_ratio(400_000) == 0.99
    assert _allowed_alias_ratio(2_200_000) == pytest.approx(0.545)
    assert _allowed_alias_ratio(4_000_000) == 0.10
    assert _allowed_alias_ratio(40_000_000) == 0.10


def test_a_merge_key_is_refused_and_the_keys_after_it_are_still_read() -> None:
    # stack_yaml._Builder.mapping #36, #40
    assert said(site("a: &x {b: 1}\nc:\n  <<: *x\n  d: yes\n")) == [
        (
            "c.<<: is a YAML merge key (quoted or not, to Pulumi); YAML readers differ on what a merge keeps\n"
            "  Hint: write the merged keys out (an alias of a whole value is fine)"
        ),
        (
            "c.d: YAML 1.1 (PyYAML, many editors) reads yes as true, Pulumi as the text 'yes' (got: 'yes')\n"
            "  Hint: write true for a boolean, or quote it ('yes') to keep the text"
        ),
    ]


def test_a_list_as_a_key_is_refused_and_the_keys_after_it_are_still_read() -> None:
    # stack_yaml._Builder.mapping #67, #70, #73
    assert said(site("? [a]\n: 1\nb: yes\n")) == [
        "config.nixedge:site: has a mapping or list as a key: Pulumi refuses the file\n  Hint: keys are text",
        (
            "b: YAML 1.1 (PyYAML, many editors) reads yes as true, Pulumi as the text 'yes' (got: 'yes')\n"
            "  Hint: write true for a boolean, or quote it ('yes') to keep the text"
        ),
    ]


def test_a_refusal_inside_the_value_of_a_list_key_names_the_mapping() -> None:
    # stack_yaml._where #30
    assert said(site('b:\n  ? [a]\n  : "x\\/y"\n')) == [
        (
            "b: holds the escape \\/, which Pulumi's YAML reader does not know: it refuses the file\n"
            "  Hint: write / without the backslash"
        )
    ]


def test_a_pulumi_secret_in_the_site_is_refused_without_its_ciphertext() -> None:
    # stack_yaml._Builder.mapping #136, #141, #142
    assert said(site("token:\n  secure: AAAABBBB\n")) == [
        (
            "token: is a Pulumi secret (`secure:`); nixedge:site holds no Pulumi secrets\n"
            "  Hint: secrets stay files on the host, named under `secrets` (docs/secrets.md)"
        )
    ]


# -- the source text of scalars and directives (source_checks) ------------------------------------


def test_every_escape_of_a_double_quoted_string_is_looked_at_for_an_escaped_slash() -> None:
    # source_checks.escapes #3, #27
    assert said(site('a: "x\\/y\\n"\n')) == [
        (
            "a: holds the escape \\/, which Pulumi's YAML reader does not know: it refuses the file\n"
            "  Hint: write / without the backslash"
        )
    ]


def test_a_tab_right_after_an_indentation_indicator_is_text() -> None:
    """`|2`: the block's indentation is its parent's plus 2; a tab after it is content."""
    # source_checks.block_tabs #8; stack_yaml.compose #66, #109
    assert read_yaml(b"a: |2-\n  \tx\n") == {"a": "\tx"}
    assert read_yaml(b"a:\n  b: |1-\n   \tx\n") == {"a": {"b": "\tx"}}
    assert read_yaml(b"|2-\n  \tx\n") == "\tx"  # at the root the indicator counts from column 0


def test_a_tab_in_a_quoted_strings_continuation_line_is_not_a_block_indentation() -> None:
    # stack_yaml.compose #53
    assert read_yaml(b"a: 'x\n  \ty'\n") == {"a": "x y"}


def test_an_unknown_directive_after_a_comment_is_refused_with_its_line() -> None:
    # source_checks.directives #17, #26, #30
    assert said(b"# the dev stack\n\n%FOO x\n---\n" + site("a: 1\n")) == [
        (
            f"{SOURCE}: starts with the directive %FOO (line 3), which Pulumi does not know: it refuses the file\n"
            "  Hint: remove the %FOO line"
        )
    ]


def test_a_yaml_directive_other_than_1_1_is_refused_with_its_hint() -> None:
    # source_checks.directives #53
    assert said(b"%YAML 1.2\n---\n" + site("a: 1\n")) == [
        (
            f"{SOURCE}: starts with %YAML 1.2 (line 1): Pulumi reads only %YAML 1.1 and refuses the file\n"
            "  Hint: remove the %YAML line"
        )
    ]


# -- scalars (yaml_scalars) and the engine's second pass (engine_pass) ---------------------------


def test_a_tag_is_refused_by_its_short_name() -> None:
    # yaml_scalars.scalar #7, #16, #18
    assert said(site("a: !!str 1\n")) == [
        (
            "a: has the YAML tag !!str; Pulumi drops some tags, converts others, and YAML readers differ on them "
            "(got: '1')\n  Hint: remove the tag: a stack file holds plain data (quote it ('1') to keep the text)"
        )
    ]


def test_a_merge_key_where_a_value_goes_is_refused_with_a_quote_hint() -> None:
    # yaml_scalars.scalar #47
    assert said(site("a: <<\n")) == [
        "a: is a YAML merge key where a value goes (got: '<<')\n  Hint: quote it ('<<') to keep the text"
    ]


def test_a_base_60_number_is_refused_with_a_quote_hint() -> None:
    # yaml_scalars._ambiguous #17
    assert said(site("a: 1:30\n")) == [
        (
            "a: YAML 1.1 reads 1:30 as a base-60 number, Pulumi as the text '1:30' (got: '1:30')\n"
            "  Hint: quote it ('1:30') to keep the text"
        )
    ]


@pytest.mark.parametrize(
    ("text", "number"),
    [("1_000", "1000"), ("1_000.5", "1000.5"), ("1_000.0", "1000")],
)
def test_an_underscore_in_a_number_is_refused_with_the_number_pulumi_reads(text: str, number: str) -> None:
    # yaml_scalars._number #147; yaml_scalars._shown #3, #4, #7
    assert said(site(f"a: {text}\n")) == [
        (
            f"a: YAML 1.1 and Pulumi read {text} as the number {number}, YAML 1.2 readers as text (got: {text!r})\n"
            f"  Hint: write {number}, or quote it ({text!r}) to keep the text"
        )
    ]


@pytest.mark.parametrize(
    ("text", "readers"),
    [
        ("0b1" + "0" * 64, "YAML 1.1 readers"),
        ("-0x10000000000000000", "YAML 1.1 and 1.2 readers"),
        ("-0x8000000000000001", "YAML 1.1 and 1.2 readers"),
    ],
)
def test_a_prefixed_number_beyond_64_bits_is_refused_naming_who_reads_a_number(text: str, readers: str) -> None:
    # yaml_scalars._number #46, #58; yaml_scalars._beyond_go #3
    assert said(site(f"a: {text}\n")) == [
        (
            f"a: is beyond 64 bits: Pulumi reads {text} as text, {readers} as a number (got: {text!r})\n"
            f"  Hint: use a smaller number, or quote it ({text!r}) to keep the text"
        )
    ]


def test_the_smallest_64_bit_integer_is_a_number() -> None:
    # yaml_scalars._beyond_go #23
    assert read_yaml(b"a: -0x8000000000000000\n") == {"a": -(2**63)}


def test_a_sign_after_a_prefix_is_a_number_down_to_the_64_bit_minimum() -> None:
    # yaml_scalars._signed_prefix #3, #4
    low = "0b-1" + "0" * 63
    assert said(site(f"a: {low}\n")) == [
        (
            f"a: is the number {-(2**63)} to Pulumi (a sign after the 0b prefix) and text to YAML readers "
            f"(got: {low!r})\n"
            f"  Hint: write {-(2**63)}, or quote it ({low!r}) to keep the text"
        )
    ]
    high = "0b+1" + "0" * 63  # 2**63: Go's ParseInt overflows, and ParseUint takes no sign
    assert read_yaml(f"a: {high}\n".encode()) == {"a": high}


def test_a_leading_line_break_of_a_secret_is_refused_without_the_rest() -> None:
    # engine_pass.second_pass #23, #27
    assert said(site('password: "\\nhunter2"\n')) == [
        (
            "password: starts with a line break, which Pulumi drops when it re-reads the file (its second pass writes "
            "the string as a block), so the rest (hidden: the key names a secret) would deploy (got: '<hidden>')\n"
            "  Hint: remove the leading line break, or start the text with another character"
        )
    ]


# -- YAML syntax errors (yaml_errors) --------------------------------------------------------------

INDENT_HINT = "indent each key two spaces right of the key it belongs to"


def test_an_indentation_mistake_under_the_first_line_names_column_1() -> None:
    # yaml_errors._content #6; yaml_errors.indentation #13, #39; yaml_errors.yaml_message #43, #44
    assert said(b"config: 1\n nixedge:site: 2\n") == [
        (
            f"{SOURCE}: is not valid YAML: an indentation mistake at line 2 (`nixedge:site: 2`): it starts in "
            "column 2, the keys it belongs with in column 1\n"
            f"  Hint: {INDENT_HINT}"
        )
    ]


def test_a_comment_line_is_not_taken_for_the_key_before_an_indentation_mistake() -> None:
    # yaml_errors._content #14
    assert said(b"config:\n  nixedge:site:\n    b: 1\n # note\n   c: 2\n") == [
        (
            f"{SOURCE}: is not valid YAML: an indentation mistake at line 5 (`c: 2`): it starts in column 4, the "
            f"keys it belongs with in column 5\n  Hint: {INDENT_HINT}"
        )
    ]


def test_a_syntax_error_on_the_first_line_is_said_as_pyyaml_places_it() -> None:
    # yaml_errors.indentation #20
    assert said(b"config: nixedge:site: 1\n") == [
        f"{SOURCE}: is not valid YAML at line 1, column 21: mapping values are not allowed here"
    ]


def test_a_control_character_is_said_in_pyyamls_words() -> None:
    # yaml_errors.yaml_message #21
    assert said(site("a: \x01\n")) == [
        (
            f"{SOURCE}: is not valid YAML: unacceptable character #x0001: special characters are not allowed\n"
            '  in "<unicode string>", position 31'
        )
    ]


# -- config keys and the file itself (read) --------------------------------------------------------


def test_the_site_written_under_both_of_its_names_is_refused() -> None:
    # read._namespaced #13, #20
    assert said(b"config:\n  site: {}\n  nixedge:site: {}\n") == [
        (
            "config.nixedge:site: is nixedge:site a second time (as site); Pulumi would keep one of them\n"
            "  Hint: keep one of site and nixedge:site"
        )
    ]


def test_a_stack_file_that_cannot_be_read_is_named_as_the_source(tmp_path: Path) -> None:
    # read.read_stack #7
    path = tmp_path / "Pulumi.gone.yaml"
    with pytest.raises(ConfigError) as info:
        read_stack(path)
    assert info.value.source == str(path)
    assert [str(i) for i in info.value.issues] == [f"{path}: cannot be read: No such file or directory"]


# -- where two readings differ (agree.first_difference) ----------


@pytest.mark.parametrize(
    ("ours", "theirs", "where"),
    [
        ({"a": 1}, {"a": 1}, None),
        ({"a": 1}, {"a": 1.0}, ("a",)),
        ({"a": {"b": [1, 2]}}, {"a": {"b": [1, 3]}}, ("a", "b", 1)),
        ({"a": [1, {"c": 1}]}, {"a": [1, {"c": 2}]}, ("a", 1, "c")),
        ({"a": [1, 2]}, {"a": [1, 2, 3]}, ("a", 2)),
        ({"a": [1, 2, 3]}, {"a": [1, 2]}, ("a", 2)),
        ({"a": 1, "b": 2}, {"a": 1}, ("b",)),
        ({"a": 1}, {"a": 1, "c": 2}, ("c",)),
        ({"b": 1, "a": 2}, {"b": 2, "a": 3}, ("a",)),
        ([], {}, ()),
    ],
)
def test_first_difference_finds_what_a_person_would(ours: Any, theirs: Any, where: Any) -> None:
    assert first_difference(ours, theirs) == where


# -- finding the stack file and comparing the engine's reading (load, agree) ---------------------


@pytest.fixture
def stacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty stacks/ directory that stack names resolve to."""
    directory = tmp_path / "stacks"
    directory.mkdir()
    monkeypatch.setattr(stack_read, "STACKS_DIR", directory)
    return directory


def bad_port_site() -> dict[str, Any]:
    data = seed_site()
    data["containers"]["forgejo"]["routes"][0]["port"] = 70000
    return data


BAD_PORT = "containers.forgejo.routes[0].port: must be less than or equal to 65535 (got: 70000)"


def test_a_stack_without_a_name_is_the_dev_stack(stacks: Path) -> None:
    # load._path #8
    path = stacks / "Pulumi.dev.yaml"
    path.write_text(yaml.safe_dump({"config": {"nixedge:site": bad_port_site()}}), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_hosts()
    assert info.value.source == str(path)
    assert [str(i).partition(" (line")[0] for i in info.value.issues] == [BAD_PORT]


def test_a_site_read_with_no_source_is_called_stack_config() -> None:
    # load.site_in_project #1
    with pytest.raises(ConfigError) as info:
        site_in_project(bad_port_site())
    assert info.value.source == "stack config"


def two_hosts(alpha_path: str, beta_path: str) -> dict[str, Any]:
    """Two hosts of the seed site, without routes, whose modules go to local paths."""
    hosts = {}
    for name, path in (("alpha", alpha_path), ("beta", beta_path)):
        data = seed_site()
        data["host"] = {"name": name, "target": {"transport": "local", "path": path}}
        del data["tunnel"]
        for container in data["containers"].values():
            container.pop("routes", None)
        hosts[name] = data
    return {"hosts": hosts}


def test_a_relative_local_target_is_resolved_in_the_project(tmp_path: Path) -> None:
    # load.hosts_in_project #8, #12
    data = two_hosts("out", str(tmp_path / "out"))
    assert len(hosts_in_project(two_hosts("out", "elsewhere"), "s", tmp_path).hosts) == 2
    with pytest.raises(ConfigError) as info:
        hosts_in_project(data, "s", tmp_path)
    assert [str(i) for i in info.value.issues] == [
        (
            f"hosts.beta.host.target: is host alpha's target too (local:{tmp_path}/out): the two hosts would "
            f"overwrite each other's modules (got: 'local:{tmp_path}/out')"
        )
    ]


def test_modules_are_read_from_the_project_given(tmp_path: Path) -> None:
    # load.hosts_in_project #4, #11, #13, #14
    module = "{ ... }: { }\n"
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "extra.nix").write_text(module, encoding="utf-8")
    data = seed_site()
    data["containers"]["forgejo"]["imports"] = ["modules/extra.nix"]
    (host,) = hosts_in_project(data, "s", tmp_path).hosts
    assert host.module_files == (("modules/extra.nix", module),)


def test_load_hosts_names_the_stack_file_and_reads_relative_to_its_project(tmp_path: Path) -> None:
    # load.load_hosts #12
    (tmp_path / "stacks").mkdir()
    path = tmp_path / "stacks" / "Pulumi.two.yaml"
    data = two_hosts("out", str(tmp_path / "out"))
    path.write_text(yaml.safe_dump({"config": {"nixedge:site": data}}), encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_hosts(config_file=path)
    assert info.value.source == str(path)
    assert [i.loc for i in info.value.issues] == ["hosts.beta.host.target"]


def test_the_program_names_the_line_of_an_error_in_the_stack_file_it_was_handed(stacks: Path) -> None:
    # load.hosts_from_engine #19, #24
    data = bad_port_site()
    text = yaml.safe_dump({"config": {"nixedge:site": data}})
    (stacks / "Pulumi.t.yaml").write_text(text, encoding="utf-8")
    line = next(n for n, written in enumerate(text.splitlines(), 1) if "port: 70000" in written)
    with pytest.raises(ConfigError) as info:
        hosts_from_engine("t", json.dumps(data), "stack t")
    assert [str(i) for i in info.value.issues] == [f"{BAD_PORT} (line {line})"]
    with pytest.raises(ConfigError) as info:  # no stack file: no line to name
        hosts_from_engine("gone", json.dumps(data), "stack gone")
    assert [str(i) for i in info.value.issues] == [BAD_PORT]


def test_the_program_stops_where_the_engine_read_the_stack_file_otherwise(stacks: Path) -> None:
    # agree.engine_site #3, #21, #29, #39
    path = stacks / "Pulumi.t.yaml"
    path.write_text(HEAD + "    a: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        engine_site("t", '{"a": 2}', "stack t", compare=True)
    assert info.value.source == "stack t"
    assert [str(i) for i in info.value.issues] == [
        (
            f"a: (line 3 of {path}) is 1 to `check` (what was reviewed) but 2 to the Pulumi engine; deploying it "
            "would change what was reviewed\n"
            "  Hint: write it as 1 in JSON, which every YAML reader reads alike, or as the value you mean in that form"
        )
    ]
    assert engine_site("t", '{"a": 2}', "stack t", compare=False) == {"a": 2}


def test_a_stack_file_without_a_site_is_not_compared(stacks: Path) -> None:
    """The engine got the site some other way (`pulumi config set`): nothing to compare."""
    # agree._written #4
    (stacks / "Pulumi.t.yaml").write_text("config:\n  aws:region: eu-west-1\n", encoding="utf-8")
    assert engine_site("t", '{"a": 2}', "stack t", compare=True) == {"a": 2}


# -- asking the Pulumi CLI (cli_config), of a stand-in that answers as it does ------------------

STANDIN = """\
#!{python}
import json, os, sys
args = sys.argv[1:]
seen = {{
    "args": args,
    "cwd": os.getcwd(),
    "files": sorted(os.listdir()),
    "project": open("Pulumi.yaml").read() if os.path.isfile("Pulumi.yaml") else None,
    "stack": open("stack.yaml").read() if os.path.isfile("stack.yaml") else None,
    "env": {{k: v for k, v in os.environ.items() if k.startswith(("PULUMI_", "NIXEDGE_PROBE"))}},
}}
with open({log!r}, "a") as log:
    log.write(json.dumps(seen) + "\\n")
answer = {answers!r}[args[0]]
sys.stdout.write(answer.get("stdout", ""))
sys.stderr.write(answer.get("stderr", ""))
sys.exit(answer.get("code", 0))
"""


def standin(tmp_path: Path, **answers: dict[str, Any]) -> tuple[str, Path]:
    """A stand-in for the CLI: it logs each run and answers `answers[<command>]`
    (stdout, stderr, exit code). Not named `pulumi`: it is not the engine."""
    log = tmp_path / "runs.jsonl"
    cli = tmp_path / "pulumi-standin"
    cli.write_text(STANDIN.format(python=sys.executable, log=str(log), answers=answers), encoding="utf-8")
    cli.chmod(cli.stat().st_mode | stat.S_IXUSR)
    return str(cli), log


def runs(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()]


def config_json(site: Any) -> str:
    """`pulumi config --json` of a stack whose nixedge:site is `site` (an object value)."""
    return json.dumps({"nixedge:site": {"value": json.dumps(site), "objectValue": site, "secret": False}})


STACK_FILE = b"config:\n  nixedge:site:\n    a: 1\n"


def test_the_cli_reads_the_file_as_config_of_a_throwaway_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # cli_config._run #2, #3, #7, #8, #11, #29, #35, #42
    # cli_config.engine_reading #7, #10, #14, #16, #19, #20, #26, #28, #31, #32, #39, #41, #47, #54, #58, #60,
    # #66, #70, #75, #79
    monkeypatch.setenv("PULUMI_ACCESS_TOKEN", "from-the-callers-login")
    monkeypatch.setenv("NIXEDGE_PROBE", "kept")
    cli, log = standin(tmp_path, stack={}, config={"stdout": config_json({"a": 1})})
    assert engine_reading(STACK_FILE, cli) == EngineReading(site={"a": 1})
    init, config = runs(log)
    assert init["args"] == ["stack", "init", "reading", "--non-interactive"]
    assert config["args"] == [
        "config", "--json", "--stack", "reading", "--config-file", "stack.yaml", "--non-interactive",
    ]  # fmt: skip
    for run in (init, config):
        root = run["cwd"]
        assert Path(root).name.startswith("nixedge-reading-")
        assert run["files"] == ["Pulumi.yaml", "stack.yaml", "state"]
        assert run["project"] == "name: nixedge\nruntime: python\n"
        assert run["stack"] == STACK_FILE.decode()
        assert run["env"] == {
            "PULUMI_BACKEND_URL": f"file://{root}/state",
            "PULUMI_CONFIG_PASSPHRASE": "reading",
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_HOME": f"{root}/home",
            "NIXEDGE_PROBE": "kept",
        }
    assert not Path(init["cwd"]).exists()  # the throwaway project is gone


def test_the_clis_refusal_is_its_own_message(tmp_path: Path) -> None:
    cli, _ = standin(tmp_path, stack={}, config={"stderr": "error: bad file\n", "code": 255})
    assert engine_reading(STACK_FILE, cli) == EngineReading(refused="error: bad file")
    cli, _ = standin(tmp_path, stack={}, config={"stdout": "error: on stdout\n", "code": 1})
    assert engine_reading(STACK_FILE, cli) == EngineReading(refused="error: on stdout")


def test_a_reading_without_the_site_is_a_refusal(tmp_path: Path) -> None:
    cli, _ = standin(tmp_path, stack={}, config={"stdout": "{}"})
    assert engine_reading(STACK_FILE, cli) == EngineReading(
        refused="it hands the program no nixedge:site (or a secret)"
    )


def test_no_reading_when_the_cli_cannot_make_the_stack_or_run(tmp_path: Path) -> None:
    cli, log = standin(tmp_path, stack={"code": 1}, config={"stdout": config_json({"a": 1})})
    assert engine_reading(STACK_FILE, cli) is None
    assert [run["args"][:2] for run in runs(log)] == [["stack", "init"]]  # config was not asked
    assert engine_reading(STACK_FILE, str(tmp_path / "no-such-cli")) is None


def test_the_pinned_cli_of_the_checkout_comes_before_one_on_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # cli_config.engine_cli #1, #13
    pinned = tmp_path / "checkout" / ".venv" / "bin" / "pulumi"
    on_path = tmp_path / "bin" / "pulumi"
    for cli in (pinned, on_path):
        cli.parent.mkdir(parents=True)
        cli.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
        cli.chmod(0o755)
    monkeypatch.setattr(cli_config, "REPO", tmp_path / "checkout")
    monkeypatch.setenv("PATH", str(on_path.parent))
    assert the_engine_cli() == str(pinned)
    pinned.unlink()
    assert the_engine_cli() == str(on_path)
    on_path.unlink()
    assert the_engine_cli() is None


def checked(data: bytes) -> StackFile:
    return read_stack_bytes(data, SOURCE)


def test_diff_stops_where_the_cli_refuses_what_check_accepts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # agree.engine_agrees #5, #16, #20
    cli, _ = standin(tmp_path, stack={}, config={"stderr": "error: line 3: bad\n", "code": 255})
    monkeypatch.setattr(cli_config, "engine_cli", lambda: cli)
    with pytest.raises(ConfigError) as info:
        engine_agrees(STACK_FILE, checked(STACK_FILE), SOURCE, "review")
    assert info.value.source == "review"
    assert [str(i) for i in info.value.issues] == [
        (
            f"{SOURCE}: is refused by the Pulumi engine, which `check` accepts: error: line 3: bad\n"
            "  Hint: report it as a bug of nixedge's reader; the engine's message names the line"
        )
    ]


def test_diff_stops_where_the_cli_reads_another_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # agree.engine_agrees #21, #29, #34
    cli, _ = standin(tmp_path, stack={}, config={"stdout": config_json({"a": "1"})})
    monkeypatch.setattr(cli_config, "engine_cli", lambda: cli)
    with pytest.raises(ConfigError) as info:
        engine_agrees(STACK_FILE, checked(STACK_FILE), SOURCE, "review")
    assert info.value.source == "review"
    assert [str(i) for i in info.value.issues] == [
        (
            f"a: (line 3 of {SOURCE}) is 1 to `check` (what was reviewed) but '1' to the Pulumi engine; deploying it "
            "would change what was reviewed\n"
            "  Hint: write it as 1 in JSON, which every YAML reader reads alike, or as the value you mean in that form"
        )
    ]
    cli, _ = standin(tmp_path, stack={}, config={"stdout": config_json({"a": 1})})
    engine_agrees(STACK_FILE, checked(STACK_FILE), SOURCE, "review")  # read alike: no error


def test_no_cli_means_no_comparison(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_config, "engine_cli", lambda: None)
    assert engine_reading(STACK_FILE) is None
    engine_agrees(STACK_FILE, checked(STACK_FILE), SOURCE, "review")
