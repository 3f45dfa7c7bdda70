"""Tricky YAML stack files, and how `check` and the Pulumi engine must read each one.

Every entry is a whole stack file. `outcome` says what both readers do with it:

- SAME: both read it, to the same value (`check`'s reader and the engine's JSON, compared
  with types: 1, 1.0 and true are three values);
- REFUSED: the engine refuses the file before the program runs, and `check` refuses it
  too, with its own message naming the key;
- DIFFER: the engine reads a value, but YAML 1.1 readers (PyYAML, editors, reviewers)
  read another, or the engine's JSON changes it: `check` refuses it with a hint (quote
  it, write the number out, drop the tag), and so does the program under the engine,
  which reads the stack file with `check`'s reader (components/stackfile/agree.engine_site).

`key` is the key path `check`'s error names (relative to nixedge:site inside it).
"""

from __future__ import annotations

from dataclasses import dataclass

SAME = "same"
REFUSED = "refused"
DIFFER = "differ"

HEAD = "config:\n  nixedge:site:\n"


@dataclass(frozen=True)
class Entry:
    id: str
    data: bytes
    outcome: str
    key: str | None = None
    """The key `check` names (REFUSED and DIFFER); None for a file-level error (the path)."""


def site(body: str, outcome: str, key: str | None = None, *, id: str) -> Entry:
    """`body` (lines indented by 4) as the value of nixedge:site."""
    return Entry(id, (HEAD + body.rstrip("\n") + "\n").encode(), outcome, key)


def whole(text: str | bytes, outcome: str, key: str | None = None, *, id: str) -> Entry:
    return Entry(id, text if isinstance(text, bytes) else text.encode(), outcome, key)


def _nested(depth: int) -> str:
    return "[" * depth + "1" + "]" * depth


CORPUS: list[Entry] = [
    # -- booleans: YAML 1.2 forms agree, YAML 1.1 forms are text to the engine ----------------
    site("    a: true\n    b: False\n    c: TRUE\n", SAME, id="bool-1.2-forms"),
    *[site(f"    a: {w}\n", DIFFER, "a", id=f"bool-1.1-{w}") for w in ("NO", "no", "yes", "on", "Off", "ON")],
    # y and n: booleans to the YAML 1.1 spec, but text to PyYAML and to go-yaml alike.
    site("    a: y\n    b: N\n    c: [n, Y]\n", SAME, id="bool-1.1-y-n-are-text-to-every-reader"),
    site("    on: 1\n", DIFFER, "on", id="bool-1.1-key-on"),
    site("    a: 'no'\n    b: \"on\"\n    c: 'y'\n", SAME, id="bool-1.1-quoted"),
    site("    a: [yes, no]\n", DIFFER, "a[0]", id="bool-1.1-in-flow-list"),
    # -- integers --------------------------------------------------------------------------
    site("    a: 42\n    b: -7\n    c: +12\n    d: 0\n    e: -0\n", SAME, id="int-decimal"),
    site("    a: 0x1F\n    b: 0XfF\n    c: -0x10\n", SAME, id="int-hex"),
    site("    a: 0o17\n    b: 0O7\n", SAME, id="int-octal-0o"),
    site("    a: 0b101\n    b: -0b11\n", SAME, id="int-binary"),
    site("    a: 0755\n", DIFFER, "a", id="int-octal-leading-zero"),
    site("    a: 00\n", SAME, id="int-double-zero"),
    site("    a: 08\n", DIFFER, "a", id="int-08-float-to-go"),
    site("    a: 1_000\n", DIFFER, "a", id="int-underscores"),
    site("    a: 1:30\n", DIFFER, "a", id="int-sexagesimal"),
    site("    a: 190:20:30.15\n", DIFFER, "a", id="float-sexagesimal"),
    site("    a: 9007199254740993\n    b: 9223372036854775807\n    c: -9223372036854775808\n", SAME, id="int-64-bit"),
    site("    a: 9223372036854775808\n", DIFFER, "a", id="int-beyond-int64-rounded"),
    site("    a: 100000000000000000000\n", SAME, id="int-1e20-exact-as-float"),
    site("    a: 0x\n    b: 0o\n    c: 0b2\n", SAME, id="int-prefix-without-digits"),
    site("    a: 12abc\n    b: 1.2.3\n    c: 1-2\n", SAME, id="number-like-text"),
    # -- floats ------------------------------------------------------------------------------
    site("    a: 1.5\n    b: -0.25\n    c: .5\n    d: 1.5e-7\n    e: 6.02e+23\n", SAME, id="float-plain"),
    site("    port: 2222.0\n", DIFFER, "port", id="float-whole-2222.0"),
    site("    a: 1e3\n", DIFFER, "a", id="float-1e3"),
    site("    a: -0.0\n", DIFFER, "a", id="float-negative-zero"),
    site("    a: 1e21\n    b: 1.0e300\n", SAME, id="float-huge-stays-float"),
    site("    a: 1e400\n    b: .5e999\n", SAME, id="float-overflow-is-text"),
    site("    a: .inf\n", REFUSED, "a", id="float-inf"),
    site("    a: -.Inf\n", REFUSED, "a", id="float-minus-inf"),
    site("    a: .nan\n", REFUSED, "a", id="float-nan"),
    site("    a: .NaN\n    b: 1\n", REFUSED, "a", id="float-nan-mixed-case"),
    site("    a: '.inf'\n    b: \"1e3\"\n    c: '2222.0'\n", SAME, id="float-quoted-are-text"),
    # -- null ----------------------------------------------------------------------------------
    site("    a: ~\n    b: null\n    c: Null\n    d: NULL\n    e:\n", SAME, id="null-forms"),
    site("    a: nil\n    b: None\n    c: 'null'\n", SAME, id="null-lookalikes-are-text"),
    site("    ~: x\n", DIFFER, "~", id="key-null"),
    # -- dates and times -----------------------------------------------------------------------
    site("    a: 2025-01-01\n", DIFFER, "a", id="date"),
    site("    a: 2025-1-2\n", DIFFER, "a", id="date-short-fields"),
    site("    a: 2001-12-14t21:59:43.10-05:00\n", DIFFER, "a", id="timestamp-iso"),
    site("    a: 2001-12-14 21:59:43.10 -5\n", DIFFER, "a", id="timestamp-space-zone"),
    site("    a: 2025-13-45\n", DIFFER, "a", id="date-invalid"),
    site("    a: '2025-01-01'\n    b: 2025-01-01-backup\n", SAME, id="date-quoted-and-lookalike"),
    site("    a: 2001-12-14 21:59:43\n", DIFFER, "a", id="timestamp-space-no-zone"),
    site("    a: 2001-1-2T3:4:5Z\n", DIFFER, "a", id="timestamp-short-fields-utc"),
    site("    a: 1999-02-29\n", DIFFER, "a", id="date-not-in-the-calendar"),
    # -- the engine's second pass (it writes the file back as YAML and reads that) --------------
    site('    a: "\\nx"\n', DIFFER, "a", id="second-pass-leading-line-break"),
    site('    a: "\\n"\n', DIFFER, "a", id="second-pass-only-a-line-break"),
    site('    a: "\\n\\nx"\n', DIFFER, "a", id="second-pass-two-leading-line-breaks"),
    site("    a: |\n\n      x\n", DIFFER, "a", id="second-pass-literal-first-line-empty"),
    site('    a: "\\Lx\\ny"\n', DIFFER, "a", id="second-pass-leading-u2028-with-line-break"),
    site('    a: "\\Px\\n"\n', DIFFER, "a", id="second-pass-leading-u2029-with-line-break"),
    site('    a: "\\Lx"\n    b: "x\\ny\\L"\n    c: "\\rx\\ny"\n', SAME, id="second-pass-keeps-these"),
    site('    a: "\\tx\\n"\n', REFUSED, "a", id="second-pass-leading-tab-with-line-break"),
    site('    a: "\\t\\n"\n', REFUSED, "a", id="second-pass-tab-line-break"),
    site('    a: "x\\n\\ty"\n    b: " x\\n"\n    c: "\\n\\tx"\n', DIFFER, "c", id="second-pass-tab-later"),
    site("    a: |-\n      \tx\n", REFUSED, "a", id="block-tab-in-indentation"),
    site("    a: |-\n      x\n      \ty\n", SAME, id="block-tab-after-indentation"),
    # -- signs after a 0b/0o prefix (go-yaml resolve.go: ParseInt(plain[2:], 2 or 8, 64)) ----------
    site("    a: 0b+1\n", DIFFER, "a", id="prefix-sign-0b-plus"),
    site("    a: 0b-101\n", DIFFER, "a", id="prefix-sign-0b-minus"),
    site("    a: 0o-17\n", DIFFER, "a", id="prefix-sign-0o-minus"),
    site("    a: 0o+7\n", DIFFER, "a", id="prefix-sign-0o-plus"),
    site("    a: -0b-1\n    b: 0b+\n    c: -0o+7\n    d: 0x-1\n", SAME, id="prefix-sign-text-to-every-reader"),
    # -- past 64 bits ------------------------------------------------------------------------------
    site("    a: 0x10000000000000000\n", DIFFER, "a", id="past-64-bits-hex-is-text-to-the-engine"),
    site("    a: -0x8000000000000001\n", DIFFER, "a", id="past-64-bits-negative-hex"),
    site("    a: 100000000000000000000\n    b: 1e21\n", SAME, id="past-64-bits-exact-as-float"),
    site("    a: 18446744073709551616\n", DIFFER, "a", id="past-64-bits-rounded"),
    # -- directives and escapes --------------------------------------------------------------------
    whole("%YAML 1.1\n---\nconfig:\n  nixedge:site: {a: 1}\n", SAME, id="directive-yaml-1.1"),
    whole("%YAML 1.2\n---\nconfig:\n  nixedge:site: {a: 1}\n", REFUSED, None, id="directive-yaml-1.2"),
    whole("%YAML 1.3\n---\nconfig:\n  nixedge:site: {a: 1}\n", REFUSED, None, id="directive-yaml-1.3"),
    whole("%FOO bar\n---\nconfig:\n  nixedge:site: {a: 1}\n", REFUSED, None, id="directive-unknown"),
    whole("%TAG !e! tag:example.com,2000:\n---\nconfig:\n  nixedge:site: {a: 1}\n", SAME, id="directive-tag"),
    site('    a: "a\\/b"\n', REFUSED, "a", id="escape-slash"),
    site('    a: "\\U00110000"\n', REFUSED, "a", id="escape-beyond-unicode"),
    site('    a: "\\N\\_\\e\\L\\P\\ x"\n', SAME, id="escapes-yaml-1.1"),
    # -- a key twice through an alias: go-yaml does not see it, the last value wins --------------
    site("    k: &x a\n    *x : 2\n    a: 1\n", DIFFER, "a", id="dup-through-alias"),
    # -- tags ------------------------------------------------------------------------------------
    site("    a: !!binary aGVsbG8=\n", DIFFER, "a", id="tag-binary"),
    site("    a: !!python/name:os.system ''\n", DIFFER, "a", id="tag-python-name"),
    site("    a: !!python/tuple [1, 2]\n", DIFFER, "a", id="tag-python-tuple"),
    site("    a: !!python/object/apply:os.system ['id']\n", DIFFER, "a", id="tag-python-apply"),
    site("    a: !!str 12\n", DIFFER, "a", id="tag-str"),
    site("    a: !!int '0x10'\n", DIFFER, "a", id="tag-int"),
    site("    a: !!float 1\n", DIFFER, "a", id="tag-float"),
    site("    a: !!set {x, y}\n", DIFFER, "a", id="tag-set"),
    site("    a: !custom 12\n", DIFFER, "a", id="tag-local"),
    site("    a: ! 12\n", DIFFER, "a", id="tag-non-specific"),
    # -- anchors, aliases, merge keys ------------------------------------------------------------
    site("    a: &x {p: 1}\n    b: *x\n    c: [*x, *x]\n", SAME, id="alias-reuse"),
    site("    a: &x 1\n    b: &x 2\n    c: *x\n", SAME, id="anchor-redefined"),
    site("    a: &x [*x]\n", REFUSED, "a[0]", id="alias-contains-itself"),
    site("    a: &x {b: *x}\n", REFUSED, "a.b", id="alias-map-contains-itself"),
    site("    a: *nowhere\n", REFUSED, None, id="alias-undefined"),
    site(
        "    a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        + "".join(f"    {n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in zip("abcd", "bcde", strict=True))
        + "    f: *e\n",
        REFUSED,
        None,
        id="alias-bomb-bounded",
    ),
    site(
        "    a: &a [x, x, x, x, x]\n    b: &b [*a, *a, *a, *a, *a]\n    c: [*b, *b, *b, *b]\n",
        SAME,
        id="alias-small-fan-out",
    ),
    site("    a: &x {p: 1}\n    b:\n      <<: *x\n      q: 2\n", DIFFER, "b.<<", id="merge-key"),
    site("    b:\n      <<: [{p: 1}, {p: 2}]\n", DIFFER, "b.<<", id="merge-key-list"),
    site("    a: '<<'\n", SAME, id="merge-lookalike-value"),
    site("    '<<': x\n", REFUSED, "<<", id="merge-key-quoted-not-a-map"),
    # -- duplicate keys, at every level ------------------------------------------------------------
    whole("config:\n  nixedge:site: {a: 1}\nconfig:\n  nixedge:site: {a: 2}\n", REFUSED, "config", id="dup-top-level"),
    whole(
        "config:\n  nixedge:site: {a: 1}\n  nixedge:site: {a: 2}\n", REFUSED, "config.nixedge:site", id="dup-config-key"
    ),
    site("    a: 1\n    a: 2\n", REFUSED, "a", id="dup-site-key"),
    site(
        "    containers:\n      forgejo: {app: forgejo}\n      forgejo: {app: generic}\n",
        REFUSED,
        "containers.forgejo",
        id="dup-container",
    ),
    site("    c:\n      p:\n        q:\n          r: 1\n          r: 1\n", REFUSED, "c.p.q.r", id="dup-deep"),
    site("    a: {p: 1, p: 2}\n", REFUSED, "a.p", id="dup-flow"),
    site("    a: 1\n    'a': 2\n", REFUSED, "a", id="dup-plain-and-quoted"),
    site("    l: [{p: 1, p: 1}]\n", REFUSED, "l[0].p", id="dup-in-list-item"),
    whole("config:\n  site: {a: 1}\n  nixedge:site: {a: 2}\n", DIFFER, "config.nixedge:site", id="dup-namespaced"),
    # -- keys that are not text ------------------------------------------------------------------
    site("    1: x\n", DIFFER, "1", id="key-int"),
    site("    true: x\n", DIFFER, "true", id="key-bool"),
    site("    1.5: x\n", DIFFER, "['1.5']", id="key-float"),
    site("    [1]: x\n", REFUSED, None, id="key-list"),
    site("    ? {a: 1}\n    : x\n", REFUSED, None, id="key-mapping"),
    site("    '1': x\n    'true': z\n", SAME, id="key-quoted-numbers"),
    # -- documents, encodings, whitespace ------------------------------------------------------
    site("    a: x\n---\nconfig:\n  nixedge:site: {a: y}\n", DIFFER, None, id="two-documents"),
    whole("---\nconfig:\n  nixedge:site: {a: x}\n...\n", SAME, id="one-document-with-markers"),
    whole(b"\xef\xbb\xbfconfig:\n  nixedge:site: {a: x}\n", SAME, id="bom-utf8"),
    whole("config:\n  nixedge:site: {a: x}\n".encode("utf-16"), DIFFER, None, id="utf16-with-bom"),
    whole("config:\n  nixedge:site: {a: x}\n".encode("utf-16-le"), REFUSED, None, id="utf16-without-bom"),
    whole(b"config:\n  nixedge:site: {a: caf\xe9}\n", REFUSED, None, id="latin1-byte"),
    whole(b"config:\n  nixedge:site: {a: \xff\xfe}\n", REFUSED, None, id="invalid-utf8"),
    whole("config:\n\tnixedge:site: {a: x}\n", REFUSED, None, id="tab-indent"),
    site("    b: 'tab\there'\n    c: \"tab\\tescaped\"\n", SAME, id="tabs-in-quoted-values"),
    site("    a: x\t# comment\n", DIFFER, None, id="tab-before-comment"),
    whole("config: {nixedge:site: {a: [1, 2, {b: c}], d: {e: f}}}\n", SAME, id="flow-everything"),
    site("    a: [1,\n      2]\n    b: {c: d,\n      e: f}\n", SAME, id="flow-multiline"),
    site("    a:\n    - 1\n    - 2\n", SAME, id="block-list-not-indented"),
    site("    a: |\n      line one\n      line two\n    b: >-\n      folded\n      text\n", SAME, id="block-scalars"),
    site("    a: |+\n      kept\n\n    b: x\n", SAME, id="block-scalar-keep"),
    whole("config:\n  nixedge:site:\n", REFUSED, "nixedge:site", id="site-null"),
    whole("", REFUSED, "config", id="empty-file"),
    whole("config:\n  nixedge:other: 1\n", REFUSED, "config.nixedge:site", id="site-missing"),
    whole("config:\n  nixedge:site: [\n", REFUSED, None, id="unclosed-flow"),
    # -- strings -----------------------------------------------------------------------------------
    site(f"    a: {'x' * 200_000}\n", SAME, id="long-plain-string"),
    site(f'    a: "{"é" * 50_000}"\n', SAME, id="long-unicode-string"),
    site('    a: "\\u00e9\\U0001F600\\x41\\t\\n"\n', SAME, id="unicode-escapes"),
    site('    a: "\\0 nul"\n', SAME, id="escaped-nul"),
    site('    a: "\\ud800"\n', REFUSED, "a", id="lone-surrogate"),
    site("    a: 'it''s'\n    b: \"say \\\"hi\\\"\"\n", SAME, id="quote-escapes"),
    site("    a: x # a comment\n    b: 'x # not a comment'\n", SAME, id="comments"),
    site("    a: :x\n    b: x:y\n    c: -x\n", SAME, id="indicator-lookalikes"),
    site("    a: {secure: AAABAMw=}\n", REFUSED, "a", id="pulumi-secure-value"),
    site("    a: {secure: x, b: z}\n", SAME, id="secure-with-other-keys"),
    # -- nesting ------------------------------------------------------------------------------------
    site(f"    a: {_nested(60)}\n", SAME, id="nested-60"),
    site(f"    a: {_nested(300)}\n", DIFFER, "a" + "[0]" * 61, id="nested-300"),
    site(f"    a: {_nested(3000)}\n", DIFFER, "a" + "[0]" * 61, id="nested-3000"),
    # 40 levels under an anchor, used 38 levels down: 78 once the alias is expanded.
    site(
        f"    a: &x {_nested(40)}\n    b: {'[' * 38}*x{']' * 38}\n", DIFFER, "b" + "[0]" * 61, id="nested-through-alias"
    ),
]
