"""Generated stack files for the differential fuzz (tests/test_stack_fuzz_engine.py).

A small grammar of its own, from a fixed seed: each file is `config: nixedge:site:` with
a few keys whose values come from every class where YAML readers or the engine's second
pass have differed: signs after 0b/0o, numbers past 64 bits, leading line breaks and
tabs, %YAML directives, escapes, dates, booleans of YAML 1.1, aliases, odd keys, every
quoting style, block scalars, flow mappings, plain scalars on two lines, nested
mappings, comments, CRLF line ends and a byte-order mark.
"""

from __future__ import annotations

import random
from collections.abc import Callable

SEED = 20261205
COUNT = 520

CLASSES: dict[str, list[str]] = {
    "prefix-sign": ["0b+1", "0b-101", "0o-17", "0o+7", "-0b-1", "-0o+7", "0b+", "0b-0", "+0b1", "0B+1", "0b_+1"],
    "past-64-bits": [
        "9223372036854775807",
        "9223372036854775808",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775809",
        "0x10000000000000000",
        "0xFFFFFFFFFFFFFFFF",
        "-0x8000000000000001",
        "0o2000000000000000000000",
        "0b" + "1" * 65,
        "100000000000000000000",
        "1e21",
        "123456789012345678901234",
    ],
    "number": ["0", "-0", "+12", "1.0", "1e3", ".5", "1_000", "0755", "08", "0x1F", "0o17", "1:30", "1.5", "-.5e-3"],
    "date": [
        "2001-12-14",
        "2001-12-14t21:59:43.10-05:00",
        "2001-12-14 21:59:43.10 -5",
        "2001-13-01",
        "2001-1-2T3:4:5Z",
        "2001-12-14 21:59:43",
        "2001-12-14T21:59:43",
        "1999-02-29",
    ],
    "bool": ["yes", "no", "y", "n", "on", "Off", "true", "False", "TRUE"],
    "null": ["~", "null", "NULL", ""],
    "text": ["a", "hello world", "x:y", "a#b", "--", "<<", "=", "!", "é", ".inf", "-.INF", ".nan"],
}
ESCAPES = ["\\n", "\\t", "\\L", "\\P", "\\N", "\\_", "\\e", "\\/", "\\x41", "\\u00e9", "\\U0001F600",
           "\\U00110000", "\\ud800", "\\0", "\\\\", '\\"', "\\r"]  # fmt: skip
PIECES = ["x", "y z", " ", "\t", "é", "\u2028", "\u2029", "\u0085"]
DIRECTIVES = ("%YAML 1.1", "%YAML 1.2", "%YAML 1.3", "%FOO x", "%TAG !e! tag:e.com,2000:")
HEADS = [f"{d}\n---\n" for d in DIRECTIVES] + ["---\n"]
KEYS = ["a", "b", "on", "yes", "1", "'1'", '"k"', "'no'", "x y", "null", "~", "<<", "? c"]


def _double(rng: random.Random) -> str:
    parts = [rng.choice(ESCAPES + PIECES + ["x"] * 8) for _ in range(rng.randint(1, 3))]
    return '"' + "".join(p.replace("\t", "\\t") if p == "\t" and rng.random() < 0.5 else p for p in parts) + '"'


def _single(rng: random.Random) -> str:
    return "'" + rng.choice(CLASSES[rng.choice(sorted(CLASSES))]).replace("'", "''") + "'"


def _block(rng: random.Random, indent: str) -> str:
    head = rng.choice(["|", "|-", "|+", ">", ">-", "|2", "|4-"])
    lines = [rng.choice(["", "x", "x", "\tx", "  y", "z ", "a\tb"]) for _ in range(rng.randint(1, 3))]
    body = "".join(f"\n{indent}  {line}" if line else "\n" for line in lines)
    if head[-1].isdigit() or head.endswith("-") and head[1:-1].isdigit():
        body = "".join(f"\n{indent}{' ' * int(''.join(c for c in head if c.isdigit()))}{line}" for line in lines)
    return head + body


def _plain(rng: random.Random) -> str:
    return rng.choice(CLASSES[rng.choice(sorted(CLASSES))])


def _value(rng: random.Random, indent: str, anchors: list[str]) -> str:
    makers: list[Callable[[], str]] = [
        lambda: _plain(rng),
        lambda: _plain(rng),
        lambda: _double(rng),
        lambda: _single(rng),
        lambda: _block(rng, indent),
        lambda: "[" + ", ".join(_plain(rng) or "''" for _ in range(rng.randint(1, 3))) + "]",
    ]
    if anchors:
        makers.append(lambda: "*" + rng.choice(anchors))
    makers += [
        lambda: "{" + ", ".join(f"{rng.choice(KEYS[:4])}{i}: {_plain(rng) or '~'}" for i in range(2)) + "}",
        lambda: f"{_plain(rng) or 'x'}\n{indent}  {_plain(rng) or 'y'}",  # a plain scalar on two lines
        lambda: f"\n{indent}  n{rng.randint(0, 9)}: {_plain(rng)}\n{indent}  m: {_double(rng)}",  # nested mapping
        lambda: f"{_plain(rng)} # a comment",
    ]
    text = rng.choice(makers)()
    if rng.random() < 0.15 and not text.startswith("*"):
        name = f"a{len(anchors)}"
        anchors.append(name)
        text = f"&{name} {text}"
    return text


def stack_file(rng: random.Random) -> bytes:
    """One generated stack file."""
    head = rng.choice(["", "", "", "", "", "", *HEADS])
    lines = [head + "config:", "  nixedge:site:"]
    anchors: list[str] = []
    for _ in range(rng.randint(1, 3)):
        key = rng.choice(KEYS) if rng.random() < 0.15 else f"k{rng.randint(0, 9)}"
        if anchors and rng.random() < 0.05:
            key = "*" + rng.choice(anchors) + " "
        lines.append(f"    {key}: {_value(rng, '    ', anchors)}")
    text = "\n".join(lines) + rng.choice(["\n", "\n", "\n", "\n...\n", ""])
    if rng.random() < 0.05:
        text = text.replace("\n", "\r\n")
    if rng.random() < 0.03:
        text = "\ufeff" + text
    return text.encode("utf-8", "surrogatepass")


def generated(seed: int = SEED, count: int = COUNT) -> list[bytes]:
    """`count` stack files from `seed`, each different."""
    rng = random.Random(seed)
    out: dict[bytes, None] = {}
    while len(out) < count:
        out[stack_file(rng)] = None
    return list(out)
