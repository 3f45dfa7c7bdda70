"""Plain YAML scalars as Pulumi's reader (go-yaml v3) and then its JSON make them.

`scalar` gives the value the program gets for a scalar of a stack file, or raises
ValueError(message, hint) where that value is not what YAML 1.1 readers (PyYAML, many
editors, reviewers) see, or where Pulumi refuses the file (NaN, infinity, a lone
surrogate). go-yaml's rules: yaml.v3 resolve.go (`resolve`, `parseTimestamp`); Pulumi
turns integers beyond int64 and whole floats into JSON numbers that Python reads as ints.
"""

from __future__ import annotations

import datetime
import math
import re
from decimal import Decimal
from typing import Any

NULLS = {"", "~", "null", "Null", "NULL"}
_TRUE = {"true", "True", "TRUE"}
_FALSE = {"false", "False", "FALSE"}
# PyYAML's YAML 1.1 booleans (it reads y and n as text, as go-yaml does).
_YAML11_TRUE = {"yes", "Yes", "YES", "on", "On", "ON"}
_YAML11_FALSE = {"no", "No", "NO", "off", "Off", "OFF"}
_INF_NAN = {".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF", ".nan", ".NaN", ".NAN"}
# go-yaml's own float syntax, and Go's strconv number syntax (ParseInt with base 0).
_GO_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_INT = re.compile(r"[-+]?(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)")
_DOT_FLOAT = re.compile(r"\.[0-9]+([eE][-+]?[0-9]+)?")
# YAML 1.1 numbers that YAML 1.2 and go-yaml read as text (base 60), and dates either reads.
_SEXAGESIMAL = re.compile(r"[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}.*)?")
# go-yaml's timestamp layouts (resolve.go allowedTimestampFormats), as Go's time.Parse reads them.
_GO_DATE = re.compile(
    r"(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?P<sep>[Tt]| +)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{1,2}):(?P<S>[0-9]{1,2})(?:\.[0-9]+)?"
    r"(?P<zone>Z|[-+][0-9]{2}:[0-9]{2})?)?"
)
# go-yaml's fallback for a sign after the prefix (resolve.go: ParseInt(plain[2:], 2 or 8, 64)).
_SIGNED_PREFIX = re.compile(r"0(?P<base>[bo])(?P<digits>[-+][0-9]+)")
_UINT64 = 2**64
_INT64 = 2**63

_QUOTE = "quote it ({q}) to keep the text"
TAGS_DIFFER = "Pulumi drops some tags, converts others, and YAML readers differ on them"


def _ambiguous(text: str) -> tuple[str, str] | None:
    """(message, hint) for a plain scalar that YAML 1.1 and Pulumi read differently."""
    q = repr(text)
    if text in _YAML11_TRUE or text in _YAML11_FALSE:
        word = "true" if text in _YAML11_TRUE else "false"
        return (
            f"YAML 1.1 (PyYAML, many editors) reads {text} as {word}, Pulumi as the text {q}",
            f"write {word} for a boolean, or " + _QUOTE.format(q=q),
        )
    if _SEXAGESIMAL.fullmatch(text):
        return (f"YAML 1.1 reads {text} as a base-60 number, Pulumi as the text {q}", _QUOTE.format(q=q))
    if _go_timestamp(text):
        return (
            f"is read as a date; Pulumi passes the program a reformatted text, not {q}",
            _QUOTE.format(q=q),
        )
    if _DATE.fullmatch(text):
        return (f"YAML 1.1 (PyYAML) reads {text} as a date, Pulumi as the text {q}", _QUOTE.format(q=q))
    return None


def _go_timestamp(text: str) -> bool:
    """Whether go-yaml reads `text` as a timestamp (and Pulumi then passes its Go form)."""
    found = _GO_DATE.fullmatch(text)
    if found is None or (found["sep"] in ("T", "t")) != (found["zone"] is not None):
        return False
    try:
        datetime.date(int(found["y"]), int(found["m"]), int(found["d"]))
    except ValueError:
        return False
    clock = [int(found[k]) for k in "HMS" if found[k] is not None]
    return not clock or (clock[0] < 24 and clock[1] < 60 and clock[2] < 60)


def _number(text: str) -> Any:
    """go-yaml's int or float for a plain scalar starting with a digit, sign or dot, or
    the text itself; refused where readers differ or Pulumi's JSON changes the value."""
    plain = text.replace("_", "")
    value: int | float | None = None
    signed = _SIGNED_PREFIX.fullmatch(plain)
    if signed is not None:
        return _signed_prefix(text, int(signed["digits"], 2 if signed["base"] == "b" else 8))
    if _GO_INT.fullmatch(plain) and _beyond_go(plain):
        readers = {"x": "YAML 1.1 and 1.2", "o": "YAML 1.2", "b": "YAML 1.1"}[plain.lstrip("+-")[1].lower()]
        raise ValueError(
            f"is beyond 64 bits: Pulumi reads {text} as text, {readers} readers as a number",
            "use a smaller number, or " + _QUOTE.format(q=repr(text)),
        )
    if _GO_INT.fullmatch(plain):
        digits = plain.lstrip("+-")
        if len(digits) > 1 and digits[0] == "0" and digits[1] in "01234567" and int(plain, 8) != int(plain, 10):
            raise ValueError(
                f"is the octal number {int(plain, 8)} to Pulumi and the number {int(plain, 10)} to YAML 1.2 readers",
                f"write {int(plain, 8)}, {'-' if plain[0] == '-' else ''}0o{digits[1:]} for octal, or "
                + _QUOTE.format(q=repr(text)),
            )
        # Beyond Go's 64-bit integers go-yaml makes it a float: _through_json rounds it.
        value = int(plain, 8) if digits[:1] == "0" and digits[1:2].isdigit() else int(plain, 0)
    elif _GO_FLOAT.fullmatch(plain) or _DOT_FLOAT.fullmatch(plain):
        value = float(plain)
        if math.isinf(value):
            return text  # Go's ParseFloat fails on overflow: go-yaml keeps the text
    if value is None:
        return text
    if "_" in text:
        shown = str(_as_passed(value))
        if isinstance(value, int) and str(value) != shown:
            raise ValueError(
                f"is beyond 64-bit integers: Pulumi passes {text} rounded to {shown}, YAML 1.2 readers as text",
                "use a smaller number, or " + _QUOTE.format(q=repr(text)),
            )
        raise ValueError(
            f"YAML 1.1 and Pulumi read {text} as the number {shown}, YAML 1.2 readers as text",
            f"write {shown}, or " + _QUOTE.format(q=repr(text)),
        )
    return _through_json(value, text)


def _beyond_go(plain: str) -> bool:
    """Whether Go's ParseInt and ParseUint both overflow on a prefixed number, which
    go-yaml then keeps as text (a decimal becomes a float instead)."""
    digits = plain.lstrip("+-")
    if digits[:2].lower() not in ("0x", "0o", "0b"):
        return False
    value = int(plain, 0)
    return value >= _UINT64 or value < -_INT64


def _signed_prefix(text: str, value: int) -> Any:
    """`0b+1`, `0o-17`: go-yaml reads a number, YAML 1.1 and 1.2 readers text."""
    if not -_INT64 <= value < _INT64:
        return text  # ParseInt overflows and ParseUint takes no sign: go-yaml keeps the text, as every reader does
    raise ValueError(
        f"is the number {value} to Pulumi (a sign after the 0{text[1]} prefix) and text to YAML readers",
        f"write {value}, or " + _QUOTE.format(q=repr(text)),
    )


def _as_passed(value: float) -> int | float:
    """What the program gets of `value` after Pulumi's JSON: integers beyond int64 and
    whole floats below 1e21 come out as (rounded) integers."""
    if isinstance(value, int) and -_INT64 <= value < _INT64:
        return value
    f = float(value)
    return int(Decimal(repr(f))) if f.is_integer() and abs(f) < 1e21 else f


def _through_json(value: float, text: str) -> Any:
    """`_as_passed`, refused where Pulumi's JSON changes the value written as `text`."""
    passed = _as_passed(value)
    if isinstance(passed, int) and isinstance(value, float) and text:
        raise ValueError(
            f"Pulumi passes {text} to the program as the integer {passed}; a float cannot stay whole",
            f"write {passed} for an integer, or " + _QUOTE.format(q=repr(text)),
        )
    if isinstance(passed, int) and passed != value:
        raise ValueError(
            f"is beyond 64-bit integers: Pulumi passes it rounded to {passed}",
            "use a smaller number, or " + _QUOTE.format(q=repr(text)),
        )
    return passed


def hidden_scalar(text: str, tag: str | None, message: str, hint: str | None) -> tuple[str, str | None]:
    """`scalar`'s refusal (`message`, `hint`) of `text` said without the text, for a key
    that names a secret: the numbers and dates it would be read as show it too."""
    if text not in message and (hint is None or text not in hint):
        return message, hint  # it says nothing of the value (a lone surrogate)
    if tag is not None:
        return message, "remove the tag: a stack file holds plain data (quote the value to keep the text)"
    said = (
        "is not read as the same text by every YAML reader: Pulumi or YAML 1.1 readers take it for a number, "
        "date, boolean or YAML syntax (its value is hidden: the key names a secret)"
    )
    return said, "quote it to keep the text"


def scalar(text: str, tag: str | None, plain: bool) -> Any:
    """The value of a scalar (`plain`: unquoted); ValueError(message, hint) when refused."""
    if tag is not None:
        tag = tag.replace("tag:yaml.org,2002:", "!!")
        raise ValueError(
            f"has the YAML tag {tag}; {TAGS_DIFFER}",
            "remove the tag: a stack file holds plain data (" + _QUOTE.format(q=repr(text)) + ")",
        )
    if any("\ud800" <= ch <= "\udfff" for ch in text):
        raise ValueError("is not valid Unicode (a lone surrogate escape); Pulumi refuses the file", None)
    if not plain:
        return text
    if text in NULLS:
        return None
    if text in _TRUE or text in _FALSE:
        return text in _TRUE
    if text in _INF_NAN:
        raise ValueError(f"is {text}: Pulumi hands config to the program as JSON, which has no NaN or infinity", None)
    if text == "<<":
        raise ValueError("is a YAML merge key where a value goes", _QUOTE.format(q=repr(text)))
    found = _ambiguous(text)
    if found:
        raise ValueError(*found)
    if text[0] in "0123456789+-.":
        return _number(text)
    return text
