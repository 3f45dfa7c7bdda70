"""More of the stack-file room's contract (docs/testing.md, "Mutation testing"): the words a
user reads when a stack file is refused (a tab, a key written twice through an alias, a
secret's value that readers differ on, a block scalar's tab), and how the program reports
an engine reading it cannot parse or that lacks a key of the stack file.
"""

from __future__ import annotations

import locale
import stat
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

import components.stackfile.read as stack_read
from components.errors import ConfigError, Issue
from components.model.modules import Unreadable
from components.stackfile import StackFile, cli_config, load_hosts, read_stack_bytes
from components.stackfile.agree import disagreement, engine_site, first_difference
from components.stackfile.cli_config import engine_reading
from components.stackfile.read import read_modules
from components.stackfile.refusal import Refusal, Refused
from components.stackfile.source_checks import block_tabs
from components.stackfile.stack_yaml import read_yaml
from components.stackfile.yaml_errors import indentation

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


# -- YAML syntax (yaml_errors) ----------------------------------------------------------------------


def test_a_tab_pyyaml_refuses_is_said_with_a_hint_to_use_spaces() -> None:
    # yaml_errors.yaml_message #30
    assert said(b"config:\n\tnixedge:site: {}\n") == [
        (
            f"{SOURCE}: is not valid YAML at line 2, column 1: found character '\\t' that cannot start any token\n"
            "  Hint: use spaces, not tabs, in a stack file"
        )
    ]


# -- the document's structure (stack_yaml) ----------------------------------------------------------


def test_a_key_written_again_through_an_alias_is_refused_as_keeping_the_last_value() -> None:
    """go-yaml refuses a duplicate key only between keys written out; through an alias it
    keeps the last value, as YAML 1.1 readers do, and the reader of the file sees the first."""
    # stack_yaml._twice #2, #3
    assert said(site("{&k a: 1, *k : 2}\n")) == [
        (
            "a: is defined twice (lines 3 and 3, once through an alias): Pulumi and YAML 1.1 readers keep the "
            "last value, and a reader of the file easily sees the first\n"
            "  Hint: keep one of them"
        )
    ]


def test_a_key_written_through_an_alias_is_placed_at_the_alias() -> None:
    """The lines named are where the key is written each time, not where its anchor is."""
    twice = "is defined twice (lines {} and {}, once through an alias)"
    assert said(site("&k a: 1\nb: 2\n*k : 3\n"))[0].startswith("a: " + twice.format(3, 5))
    assert said(site("x: &k a\n*k : 1\na: 2\n"))[0].startswith("a: " + twice.format(4, 5))


def test_a_tab_in_a_block_scalars_indentation_is_refused_without_a_value() -> None:
    """The value is not what is wrong (and it may be a secret): only the line is named."""
    # source_checks.block_tabs #42
    assert said(site("a: |\n  \tx\n")) == [
        (
            "a: is a block scalar with a tab in its indentation (line 4): Pulumi refuses the file\n"
            "  Hint: indent with spaces; write a tab of the text as \\t in a double-quoted string"
        )
    ]


def test_a_byte_order_mark_does_not_hide_a_directive() -> None:
    # stack_yaml._decode #72
    assert said(b"\xef\xbb\xbf%YAML 1.2\n---\n" + site("a: 1\n")) == [
        (
            f"{SOURCE}: starts with %YAML 1.2 (line 1): Pulumi reads only %YAML 1.1 and refuses the file\n"
            "  Hint: remove the %YAML line"
        )
    ]


def test_an_escape_beyond_unicode_is_refused_without_a_value() -> None:
    # stack_yaml._events #12
    assert said(site('a: "\\U00110000"\n')) == [
        (
            "a: holds an escape that is no Unicode character (chr() arg not in range(0x110000)): Pulumi refuses "
            "the file\n"
            "  Hint: escapes go up to \\U0010FFFF"
        )
    ]


@pytest.mark.parametrize(("key", "text"), [("null", "<nil>"), ("1", "1"), ("true", "true")])
def test_a_key_that_is_not_text_is_refused_with_the_text_pulumi_makes_of_it(key: str, text: str) -> None:
    # stack_yaml._Builder.mapping #83, #93, #97
    assert said(site(f"{key}: x\n")) == [
        (
            f"{key}: is a key that is not text: Pulumi turns it into the text {text!r} (got: {key!r})\n"
            f"  Hint: quote it ({key!r})"
        )
    ]


def test_a_tagged_list_is_refused_by_its_short_tag_without_a_value() -> None:
    # stack_yaml._Builder.value #75, #86
    assert said(site("a: !!seq [1]\n")) == [
        (
            "a: has the YAML tag !!seq; Pulumi drops some tags, converts others, and YAML readers differ on them\n"
            "  Hint: remove the tag: a stack file holds plain data"
        )
    ]


def test_a_list_key_at_the_deepest_level_is_refused_as_a_key_not_as_nesting() -> None:
    """A key sits one level below its mapping, as a value does."""
    # stack_yaml._Builder.mapping #55
    with pytest.raises(Refused) as info:
        read_yaml(("{a: " * 62 + "{[x]: 1}" + "}" * 62).encode())
    assert [(r.parts, r.message) for r in info.value.refusals] == [
        (("a",) * 62, "has a mapping or list as a key: Pulumi refuses the file")
    ]
    with pytest.raises(Refused) as info:
        read_yaml(("{a: " * 63 + "{[x]: 1}" + "}" * 63).encode())
    assert [r.message for r in info.value.refusals] == [
        "is nested more than 64 levels deep (mappings and lists); no site needs that"
    ]


def test_a_key_written_through_an_alias_is_kept_as_any_key_is() -> None:
    """The engine's second pass writes keys quoted, so a key that starts with a line break
    keeps it, whether it is written out or comes through an alias."""
    # stack_yaml._Builder.value #18
    assert read_yaml(b'&k "\\nx": 1\nb: {*k : 2}\n') == {"\nx": 1, "b": {"\nx": 2}}


def aliases(copies: int) -> bytes:
    """A site whose `c` holds `copies` aliases of a list of 10 aliases of a list of 10."""
    return site(
        "a: &a [" + ", ".join(["0"] * 10) + "]\n"
        "b: &b [" + ", ".join(["*a"] * 10) + "]\n"
        "c: [" + ", ".join(["*b"] * copies) + "]\n"
    )


def test_aliases_expand_up_to_go_yamls_ratio_and_no_further() -> None:
    """go-yaml counts every node it decodes and every one that comes from an alias, from
    zero, and refuses past 99% aliased (in a document under 400,000 nodes). Here 139 copies
    of `b` (121 nodes each) stay under it, the 140th goes over; the alias is named."""
    # stack_yaml._Builder.__init__ #4; stack_yaml._Builder.count #9, #32, #35
    read_stack_bytes(aliases(139), SOURCE)
    assert said(aliases(140)) == [
        (
            "c[139]: expands its aliases too far: Pulumi refuses the file (document contains excessive aliasing)\n"
            "  Hint: write the repeated values out, or use fewer aliases"
        )
    ]


# -- numbers (yaml_scalars._number) and the engine's second pass (engine_pass) --------------------


def test_a_signed_leading_zero_number_is_read_as_go_reads_it() -> None:
    """Go reads a leading 0 as octal, with or without a sign; where octal and decimal agree
    there is nothing to refuse."""
    # yaml_scalars._number #64
    assert read_yaml(b"a: -07\nb: +07\nc: -0\n") == {"a": -7, "b": 7, "c": 0}
    assert said(site("a: +0755\n")) == [
        (
            "a: is the octal number 493 to Pulumi and the number 755 to YAML 1.2 readers (got: '+0755')\n"
            "  Hint: write 493, 0o755 for octal, or quote it ('+0755') to keep the text"
        )
    ]


def test_a_leading_line_break_is_refused_saying_what_would_deploy() -> None:
    # engine_pass.second_pass #21
    assert said(site('a: "\\nhello"\n')) == [
        (
            "a: starts with a line break, which Pulumi drops when it re-reads the file (its second pass writes the "
            "string as a block), so 'hello' would deploy (got: '\\nhello')\n"
            "  Hint: remove the leading line break, or start the text with another character"
        )
    ]


def test_a_leading_tab_before_a_line_break_is_refused_as_pulumi_refuses_it() -> None:
    # engine_pass.second_pass #32, #36
    assert said(site('a: "\\tx\\ny"\n')) == [
        (
            "a: starts with a tab and holds a line break: Pulumi writes it back as a block and then refuses the file "
            "(got: '\\tx\\ny')\n"
            "  Hint: remove the leading tab, or start the text with another character"
        )
    ]


def test_a_refused_exception_says_every_refusal() -> None:
    # refusal.Refused.__init__ #4
    refused = Refused([Refusal(("a",), "is one thing"), Refusal(("b",), "is another")])
    assert str(refused) == "is one thing; is another"


@pytest.mark.parametrize("text", ["2001-12-14 10:61:00", "2001-12-14 25:00:00"])
def test_a_date_with_a_clock_go_cannot_read_is_text_to_pulumi(text: str) -> None:
    """Go's time.Parse refuses an hour past 23 or a minute past 59, so go-yaml keeps the text."""
    # yaml_scalars._go_timestamp #41
    assert said(site(f"a: {text}\n")) == [
        (
            f"a: YAML 1.1 (PyYAML) reads {text} as a date, Pulumi as the text {text!r} (got: {text!r})\n"
            f"  Hint: quote it ({text!r}) to keep the text"
        )
    ]


# -- a secret's value that readers read differently (yaml_scalars.hidden_scalar) ------------------

HIDDEN_SCALAR = (
    "is not read as the same text by every YAML reader: Pulumi or YAML 1.1 readers take it for a number, "
    "date, boolean or YAML syntax (its value is hidden: the key names a secret) (got: '<hidden>')\n"
    "  Hint: quote it to keep the text"
)


@pytest.mark.parametrize("value", ["yes", "1_000", "0755", "2024-01-02"])
def test_a_secrets_value_that_readers_differ_on_is_refused_without_saying_it(value: str) -> None:
    # yaml_scalars.hidden_scalar #10, #15, #16
    issues = said(site(f"password: {value}\n"))
    assert issues == [f"password: {HIDDEN_SCALAR}"]
    assert value not in issues[0]


def test_a_tagged_secret_is_refused_with_a_hint_that_does_not_repeat_it() -> None:
    # yaml_scalars.hidden_scalar #7
    issues = said(site("password: !!str hunter2\n"))
    assert issues == [
        (
            "password: has the YAML tag !!str; Pulumi drops some tags, converts others, and YAML readers differ on "
            "them (got: '<hidden>')\n"
            "  Hint: remove the tag: a stack file holds plain data (quote the value to keep the text)"
        )
    ]
    assert "hunter2" not in issues[0]


# -- config keys beside the site, the stack's name, module files (read, load) ----------------------


def test_a_nixedge_key_that_names_a_secret_points_to_the_sites_secrets() -> None:
    # read._other_keys #31; read.read_stack_bytes #85 (the source named)
    assert said(HEAD.encode() + b"    a: 1\n  nixedge:password: x\n") == [
        (
            "config.nixedge:password: is not a key nixedge reads (it reads only nixedge:site); its value would be "
            "ignored\n"
            "  Hint: a secret of a container is a file on the host: declare it under nixedge:site's `secrets:` "
            "(docs/secrets.md) and delete this key"
        )
    ]


def test_a_plain_text_secret_of_another_namespace_says_how_to_encrypt_it() -> None:
    # read._other_keys #63
    assert said(HEAD.encode() + b"    a: 1\n  cloudflare:apiToken: abc\n") == [
        (
            "config.cloudflare:apiToken: is a secret in plain text in the stack file, which is committed and "
            "reviewed\n"
            "  Hint: set it encrypted instead: scripts/pulumi config set --secret cloudflare:apiToken"
        )
    ]


@pytest.fixture
def ascii_locale() -> Iterator[None]:
    """The C locale, whose text encoding is ASCII (as on a host with no locale set)."""
    before = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, before)


def test_a_module_file_is_read_as_utf8_whatever_the_locale(tmp_path: Path, ascii_locale: None) -> None:
    # read.read_modules #5
    text = "{ ... }: { users.users.jos\u00e9 = { }; }\n"
    (tmp_path / "modules").mkdir()
    (tmp_path / "modules" / "a.nix").write_bytes(text.encode("utf-8"))
    (tmp_path / "modules" / "b.nix").write_bytes(b"\xff\n")
    site = {"containers": {"c": {"imports": ["modules/a.nix", "modules/b.nix"]}}}
    assert read_modules(site, tmp_path) == {"modules/a.nix": text, "modules/b.nix": Unreadable("not UTF-8 text")}


# -- the engine's reading against the stack file (agree) -------------------------------------------


@pytest.fixture
def stacks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty stacks/ directory that stack names resolve to."""
    directory = tmp_path / "stacks"
    directory.mkdir()
    monkeypatch.setattr(stack_read, "STACKS_DIR", directory)
    return directory


def test_a_key_the_engine_did_not_read_is_said_to_be_absent(stacks: Path) -> None:
    # agree._at #2
    path = stacks / "Pulumi.t.yaml"
    path.write_text(HEAD + "    a: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        engine_site("t", "{}", "stack t", compare=True)
    assert [str(i) for i in info.value.issues] == [
        (
            f"a: (line 3 of {path}) is 1 to `check` (what was reviewed) but absent to the Pulumi engine; "
            "deploying it would change what was reviewed\n"
            "  Hint: write it as 1 in JSON, which every YAML reader reads alike, or as the value you mean in that form"
        )
    ]


@pytest.mark.parametrize("value", ["<absent>", "absent"])
def test_a_key_only_the_engine_reads_is_absent_to_check_and_a_value_that_says_absent_is_a_value(value: str) -> None:
    found = disagreement(StackFile({"b": value}), {"a": 1, "b": value}, "Pulumi.t.yaml", "review", "the Pulumi engine")
    assert found is not None
    assert [str(i) for i in found.issues] == [
        (
            "a: (Pulumi.t.yaml) is absent to `check` (what was reviewed) but 1 to the Pulumi engine; deploying it "
            "would change what was reviewed\n"
            "  Hint: write it in JSON (a quoted string, say), which every YAML reader reads alike, or as the value "
            "you mean in that form"
        )
    ]
    assert disagreement(StackFile({"b": value}), {"b": value}, "Pulumi.t.yaml", "review", "the engine") is None


def test_a_reading_without_lines_names_the_file_alone() -> None:
    """A site that came with no line of its own (not read from a file's text) is placed in
    the file, not at a line that says `None`."""
    # agree.disagreement #20
    found = disagreement(StackFile({"a": 1}), {"a": 2}, "Pulumi.t.yaml", "review", "the Pulumi engine")
    assert found is not None
    assert found.source == "review"
    assert [str(i) for i in found.issues] == [
        (
            "a: (Pulumi.t.yaml) is 1 to `check` (what was reviewed) but 2 to the Pulumi engine; deploying it would "
            "change what was reviewed\n"
            "  Hint: write it as 1 in JSON, which every YAML reader reads alike, or as the value you mean in that form"
        )
    ]


def test_an_engine_reading_that_is_no_json_is_refused_as_no_site(stacks: Path) -> None:
    # agree.engine_site #14
    with pytest.raises(ConfigError) as info:
        engine_site("gone", "not json", "stack gone", compare=True)
    assert info.value.source == "stack gone"
    assert [str(i) for i in info.value.issues] == [
        "nixedge:site: must be a mapping with host, network and containers (got: 'not json')"
    ]


def test_an_engine_reading_that_is_no_json_names_the_stack_files_own_refusal(stacks: Path) -> None:
    """When the stack file is there, what `check` refuses in it is the better message (it
    names the key), e.g. nesting deeper than Python's JSON reads."""
    # agree.engine_site #6
    path = stacks / "Pulumi.t.yaml"
    path.write_text(HEAD + "    a: yes\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        engine_site("t", "not json", "stack t", compare=True)
    assert info.value.source == str(path)
    assert [str(i) for i in info.value.issues] == [
        (
            "a: YAML 1.1 (PyYAML, many editors) reads yes as true, Pulumi as the text 'yes' (got: 'yes')\n"
            "  Hint: write true for a boolean, or quote it ('yes') to keep the text"
        )
    ]


def test_first_difference_compares_mappings_whose_keys_are_not_all_text() -> None:
    """Keys are ordered by their text, so a mapping with a number key beside text keys is
    compared, not refused by Python's ordering."""
    # agree.first_difference #8
    assert first_difference({1: 0, "b": 0}, {1: 0, "b": 1}) == ("b",)
    assert first_difference({1: 0, "b": 0}, {1: 0, "b": 0}) is None


def test_load_hosts_reads_the_stack_it_is_named(stacks: Path) -> None:
    # load.load_hosts #2
    path = stacks / "Pulumi.t.yaml"
    path.write_text("config: {}\n", encoding="utf-8")
    (stacks / "Pulumi.dev.yaml").write_text(HEAD + "    a: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_hosts("t")
    assert info.value.source == str(path)
    assert [i.loc for i in info.value.issues] == ["config.nixedge:site"]


# -- asking the Pulumi CLI (cli_config) ---------------------------------------------------------------


def test_a_cli_that_does_not_answer_in_time_is_given_up(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`diff` goes on with its own reading rather than wait for a CLI that hangs."""
    # cli_config._run #32, #39
    cli = tmp_path / "pulumi-standin"
    cli.write_text("#!/bin/sh\nexec sleep 3\n", encoding="utf-8")
    cli.chmod(cli.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(cli_config, "TIMEOUT", 0.2)
    assert engine_reading(b"config: {}\n", str(cli)) is None


# -- the final sample: issues without a value, second escapes, lines past the end ---------------------


def refused(data: bytes) -> list[Issue]:
    """The issues `check` reports for the stack file `data`, as the program gets them."""
    with pytest.raises(ConfigError) as info:
        read_stack_bytes(data, SOURCE)
    return list(info.value.issues)


def test_an_empty_stack_file_is_one_issue_that_shows_no_value() -> None:
    # read._missing #7
    assert refused(b"") == [
        Issue(
            "config",
            "is missing: the file is empty",
            hint="start from stacks/Pulumi.dev.yaml; the site goes under config: nixedge:site:",
            has_value=False,
        )
    ]


def test_refusals_that_show_no_value_say_so_plainly() -> None:
    """An alias bomb and a tagged list are refused by where they are, never by a value:
    the issue says it has none (False, not merely something falsy)."""
    # stack_yaml._Builder.count #26; stack_yaml._Builder.value #80
    assert [issue.has_value for issue in refused(aliases(140))] == [False]
    assert [issue.has_value for issue in refused(site("a: !!seq [1]\n"))] == [False]


def test_an_escaped_slash_after_another_escape_is_refused() -> None:
    # source_checks.escapes #34
    assert said(site('a: "x\\ty\\/z"\n')) == [
        (
            "a: holds the escape \\/, which Pulumi's YAML reader does not know: it refuses the file\n"
            "  Hint: write / without the backslash"
        )
    ]


def test_a_block_scalars_indicator_counts_from_its_parents_indentation() -> None:
    """`|2` under a block at column 3 sets the indentation at 4 spaces: a tab after 3 is refused."""
    # source_checks.block_tabs #10
    assert block_tabs("|2\n   \tx", ("a",), 1, 2) == [
        Refusal(
            ("a",),
            "is a block scalar with a tab in its indentation (line 2): Pulumi refuses the file",
            has_value=False,
            hint="indent with spaces; write a tab of the text as \\t in a double-quoted string",
        )
    ]


def test_a_line_past_the_files_end_is_no_indentation_mistake() -> None:
    # yaml_errors._content #3
    assert indentation(["a: 1", "  b: 2"], 3) is None


def test_an_indentation_mistake_hides_a_secrets_whole_value_even_with_a_colon_in_it() -> None:
    # yaml_errors._shown #15
    assert said(b"config:\n  nixedge:site:\n    name: x\n   password: a:b\n") == [
        (
            f"{SOURCE}: is not valid YAML: an indentation mistake at line 4 (`password: <hidden>`): it starts "
            "in column 4, the keys it belongs with in column 5\n"
            "  Hint: indent each key two spaces right of the key it belongs to"
        )
    ]


def test_a_date_with_a_lowercase_t_and_a_zone_is_read_as_a_date() -> None:
    """go-yaml takes `t` as it takes `T` between a date and its clock."""
    # yaml_scalars._go_timestamp #10
    assert said(site("a: 2001-12-14t21:59:43Z\n")) == [
        (
            "a: is read as a date; Pulumi passes the program a reformatted text, not '2001-12-14t21:59:43Z' "
            "(got: '2001-12-14t21:59:43Z')\n"
            "  Hint: quote it ('2001-12-14t21:59:43Z') to keep the text"
        )
    ]


def test_an_integer_beyond_64_bits_is_refused_with_the_text_to_quote() -> None:
    # yaml_scalars._through_json #31
    assert said(site("a: 9223372036854775809\n")) == [
        (
            "a: is beyond 64-bit integers: Pulumi passes it rounded to 9223372036854776000 "
            "(got: '9223372036854775809')\n"
            "  Hint: use a smaller number, or quote it ('9223372036854775809') to keep the text"
        )
    ]
