"""From pydantic's errors to a report a person reads, and every error in one round.

`validated` checks the site's values (pydantic) and, when the only problems are keys
it does not know, checks the rest of the site with each read as the key it nearly
spells: the unknown key, the errors in its value (`podmn: {}`: `podmn.subnet` is
required), a clash of uids and a misspelt hostname come in one report, not in rounds.
Each pydantic message is said in plain words (`plain`); an unknown key gets a "did you
mean" from the keys known at its place (difflib); a key of a container that was
indented one level too little (`nixos:` under `containers:`) is named as that.
"""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from components.errors import ConfigError, Issue
from components.model.checks.report import parts_of
from components.model.keys import MAX_DEPTH, dotted
from components.model.secret_keys import literal, secret_at
from components.model.site import Container, Site

# Patterns of the model's fields, in words.
PATTERNS = {
    r"^([0-9a-f]{32}|<[^>]+>)$": "must be 32 lowercase hexadecimal digits, as the Cloudflare dashboard shows the "
    "id (or a <placeholder> while you have none)",
    r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$": "must be a UUID as Cloudflare shows it "
    "(8-4-4-4-12 hexadecimal digits)",
    r"^[A-Za-z0-9._-]+$": "may only hold letters, digits, '.', '_' and '-'",
    r"^0[0-7]{3}$": 'must be an octal mode of four digits in quotes, e.g. "0750"',
    r"^[^\s-][^\s]*$": "must be one word without spaces, not starting with '-'",
    r"^[A-Za-z0-9][A-Za-z0-9._-]*$": "must start with a letter or digit, followed by letters, digits, '.', '_' or '-'",
    r"^\d+[kmg]?$": "must be a size in bytes, optionally with k, m or g (e.g. 512m)",
    r"^[A-Za-z_][A-Za-z0-9_]*$": "must be a shell variable name: letters, digits and '_', not starting with a digit",
}

_SIMPLE = {
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number, without a fraction",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text (a string)",
    "dict_type": "must be a mapping (key: value lines)",
    "model_type": "must be a mapping (key: value lines)",
    "model_attributes_type": "must be a mapping (key: value lines)",
    "list_type": "must be a list (lines starting with '- ')",
    "missing": "is required",
}


# What those messages say without the value, for a key that names a secret.
_SAYS_VALUE = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": "must be text: write it in quotes (YAML reads it as a number)",
}


def plain(err: ErrorDetails) -> str:
    """pydantic's message for `err` in plain words, naming what to write instead."""
    said = _plain(err)
    value = err.get("input")
    if secret_at(dotted(tuple(err["loc"]))) and literal(value) and str(value).strip() in said:
        return _SAYS_VALUE.get(err["type"], "has a value this key does not take")  # never repeat a secret
    return said


def _plain(err: ErrorDetails) -> str:
    kind, msg, value = err["type"], err["msg"], err.get("input")
    if kind in ("int_parsing", "int_type") and isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        if not value.isascii():  # Python's \d takes any script's digits; YAML and pydantic read only 0-9
            return f"must be a number in the digits 0-9: write {int(value)} without quotes"
        return f"must be a number, not text in quotes: write {value.strip()} without quotes"
    if kind in ("bool_parsing", "bool_type") and isinstance(value, str) and value.lower() in ("true", "false"):
        return f"must be true or false, not text in quotes: write {value.lower()} without quotes"
    if kind == "string_type" and isinstance(value, int | float) and not isinstance(value, bool):
        return f'must be text: write "{value}" in quotes (YAML reads {value} as a number)'
    if kind == "string_type" and isinstance(value, bool):
        return f'must be text: write "{str(value).lower()}" in quotes (YAML reads it as true or false)'
    if kind in ("too_short", "too_long"):
        bound = (err.get("ctx") or {}).get("min_length" if kind == "too_short" else "max_length")
        noun = "entry" if bound == 1 else "entries"
        return f"must have at {'least' if kind == 'too_short' else 'most'} {bound} {noun}"
    if kind == "string_pattern_mismatch":
        pattern = str((err.get("ctx") or {}).get("pattern", ""))
        return PATTERNS.get(pattern, f"does not have the form this key needs (the pattern {pattern})")
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if kind == "literal_error" and isinstance(value, str):
        return _one_of(str((err.get("ctx") or {}).get("expected", "")), value)
    msg = msg.removeprefix("Value error, ").removeprefix("Assertion failed, ")
    for lead in ("Input should be", "String should", "Value should", "List should", "Dictionary should"):
        if msg.startswith(lead):
            rest = msg[len(lead) :]
            return ("must be" if lead == "Input should be" else "must") + rest
    return msg


def _one_of(expected: str, value: str) -> str:
    """ "must be 'a' or 'b'", with the choice `value` nearly spells (an app preset's name, say)."""
    choices = re.findall(r"'([^']*)'", expected)
    close = [c for c in choices if c.casefold() == value.casefold()] or difflib.get_close_matches(
        value, choices, n=1, cutoff=0.6
    )
    return f"must be {expected}" + (f"; did you mean {close[0]}?" if close else "")


@functools.cache
def _schema() -> dict[str, Any]:
    return Site.model_json_schema(by_alias=True)


def _nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    """`node` with its $ref followed and its alternatives spread out."""
    defs = _schema().get("$defs", {})
    if "$ref" in node:
        node = defs.get(node["$ref"].rsplit("/", 1)[-1], {})
    alternatives = node.get("anyOf") or node.get("oneOf") or node.get("allOf")
    if alternatives:
        return [n for alt in alternatives for n in _nodes(alt)]
    return [node]


def known_keys(parts: tuple[int | str, ...]) -> list[str]:
    """The keys the model knows in the mapping at `parts` ([] when it takes any key)."""
    nodes = _nodes(_schema())
    for part in parts:
        found: list[dict[str, Any]] = []
        for node in nodes:
            if isinstance(part, int):
                items = node.get("items")
                found += _nodes(items) if isinstance(items, dict) else []
            elif part in node.get("properties", {}):
                found += _nodes(node["properties"][part])
            elif isinstance(node.get("additionalProperties"), dict):
                found += _nodes(node["additionalProperties"])
            else:  # a mapping of named entries (`secrets:`): each name's pattern
                found += [n for p in node.get("patternProperties", {}).values() for n in _nodes(p)]
        nodes = found
    return sorted({key for node in nodes for key in node.get("properties", {})})


def meant(parts: tuple[int | str, ...]) -> str | None:
    """The known key nearest to the unknown key at `parts`, if one is near."""
    close = difflib.get_close_matches(str(parts[-1]), known_keys(parts[:-1]), n=1, cutoff=0.6)
    return close[0] if close else None


def unknown_key(parts: tuple[int | str, ...]) -> str:
    """The message of an unknown key: with the nearest known key, or the known ones."""
    known, close = known_keys(parts[:-1]), meant(parts)
    if close:
        return f"is not a known key; did you mean {close}?"
    return f"is not a known key (known here: {', '.join(known)})" if known else "is not a known key"


def _loc(err: ErrorDetails) -> tuple[int | str, ...]:
    loc = list(err["loc"])
    # A discriminated union adds the tag (e.g. `ssh`) to the path; users never wrote it.
    if loc[:2] == ["host", "target"] and len(loc) > 2 and loc[2] in ("local", "ssh"):
        del loc[2]
    return tuple(loc)


def _container_keys() -> frozenset[str]:
    return frozenset(f.alias or name for name, f in Container.model_fields.items())


def errors_of(exc: ValidationError) -> list[ErrorDetails]:
    """pydantic's errors, without a required key reported missing where an unknown key
    beside it nearly spells it (`usr:` for `user:`): that key is reported once, as unknown."""
    errors = exc.errors(include_url=False)
    meant_here = {(*_loc(e)[:-1], close) for e in errors if e["type"] == "extra_forbidden" if (close := meant(_loc(e)))}
    missing = {_loc(e) for e in errors if e["type"] == "missing"}
    for e in errors:
        parts = _loc(e)
        # `gid:` written one level too far left, after the rest of `user:`: it is what user lacks.
        under = [m[-2] for m in missing if m[:-2] == parts[:-1] and m[-1] == parts[-1] and len(m) == len(parts) + 1]
        if e["type"] == "extra_forbidden" and len(under) == 1:
            e["type"], e["ctx"] = "dedented_key", {"under": under[0]}
            meant_here.add((*parts[:-1], under[0], parts[-1]))
    return [e for e in errors if not (e["type"] == "missing" and _loc(e) in meant_here)]


def issues(errors: list[ErrorDetails], prefix: tuple[int | str, ...] = ()) -> list[Issue]:
    """Every error of `errors` (errors_of) as an Issue naming its key, in plain words."""
    out: list[Issue] = []
    dedented: set[str] = set()
    for err in errors:
        parts = _loc(err)
        if len(parts) >= 2 and parts[0] == "containers" and str(parts[1]) in _container_keys():
            # `nixos:` written one level too far left: a container named like a container key.
            key = str(parts[1])
            if key not in dedented:
                dedented.add(key)
                out.append(Issue(
                    dotted((*prefix, "containers", key)),
                    f"is a key of a container (`{key}:`), indented one level too little: it reads as a "
                    f"container named {key}",
                    has_value=False,
                    hint=f"indent `{key}:` and everything under it two more spaces, under its container",
                ))  # fmt: skip
            continue
        if err["type"] in ("union_tag_not_found", "union_tag_invalid"):
            out.append(_tag_issue(err, (*prefix, *parts)))
            continue
        if err["type"] == "dedented_key":
            under, name = (err.get("ctx") or {})["under"], parts[-1]
            out.append(Issue(
                dotted((*prefix, *parts)),
                f"is a key of `{under}:` (which lacks it), indented one level too little: it reads as a key "
                f"of {dotted((*prefix, *parts[:-1])) or 'the site'}",
                has_value=False, hint=f"indent `{name}:` two more spaces, under `{under}:`",
            ))  # fmt: skip
            continue
        message = unknown_key(parts) if err["type"] == "extra_forbidden" else plain(err)
        out.append(Issue(dotted((*prefix, *parts)), message, err.get("input"), has_value=err["type"] != "missing"))
    return out


# The values of each key that says which kind a mapping is (a discriminated union).
_TAGS = {"transport": "ssh (a NixOS host reached over SSH) or local (a directory of the machine that runs Pulumi)"}


def _tag_issue(err: ErrorDetails, parts: tuple[int | str, ...]) -> Issue:
    """pydantic's discriminator errors in plain words, at the key that says the kind."""
    ctx = err.get("ctx") or {}
    tag = str(ctx.get("discriminator", "")).strip("'")
    kinds = _TAGS.get(tag, str(ctx.get("expected_tags", "")))
    if err["type"] == "union_tag_not_found":
        return Issue(dotted((*parts, tag)), f"is required: it says which kind this is, {kinds}", has_value=False)
    return Issue(dotted((*parts, tag)), f"must be {kinds}", ctx.get("tag"))


Parts = tuple[int | str, ...]
_UNKNOWN = ("extra_forbidden", "dedented_key")  # keys the rest of the site is checked without


def _as_meant(data: Any, parts: Parts, under: str | None = None) -> Parts | None:
    """In place: the unknown key at `parts` renamed to the key it nearly spells (when
    that key is not written too), else removed; so the rest of the site is checked as
    the author meant it, and a misspelt `podmn` does not also report `podman` missing.
    The path it now has when renamed, else None."""
    for part in parts[:-1]:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    if not isinstance(data, dict) or parts[-1] not in data:
        return None
    value = data.pop(parts[-1])
    if under is not None and isinstance(data.get(under), dict):  # a dedented key, put back under its mapping
        data[under][parts[-1]] = value
        return (*parts[:-1], under, parts[-1])
    close = meant(parts)
    if close is not None and close not in data:
        data[close] = value
        return (*parts[:-1], close)
    return None


def _drop(data: Any, parts: Parts) -> None:
    for part in parts[:-1]:
        data = data[part]
    del data[parts[-1]]


class _Renames:
    """The keys read as meant: each one's path now -> the path written in the file; and
    those left out because their value has errors of its own."""

    def __init__(self) -> None:
        self.paths: dict[Parts, Parts] = {}
        self.dropped: set[Parts] = set()

    def written(self, parts: Parts) -> Parts:
        for n in range(len(parts), 0, -1):
            if parts[:n] in self.paths:
                return (*self.paths[parts[:n]], *parts[n:])
        return parts

    def holding(self, parts: Parts) -> Parts | None:
        """The key read as meant that `parts` lies under (or is), if any."""
        return next((m for m in self.paths if parts[: len(m)] == m), None)

    def issue(self, issue: Issue) -> Issue:
        """`issue` named at the key as written (`network.podmn.subnet`, not `podman`)."""
        parts = parts_of(issue.loc)
        return issue if parts is None else replace(issue, loc=dotted(self.written(parts)))

    def under_dropped(self, parts: Parts) -> bool:
        return any(parts[: len(d)] == d for d in self.dropped)

    def about_dropped(self, issue: Issue) -> bool:
        """Whether `issue` is about a key left out (`network.podman: is missing`), which
        the author wrote, misspelt, and has been told about; or about the mapping that
        held it (`containers: must have at least 1 entry`)."""
        parts = parts_of(issue.loc)
        return parts is not None and any(parts[: len(d)] == d or d[: len(parts)] == parts for d in self.dropped)

    def rename(self, rest: Any, errors: list[ErrorDetails]) -> None:
        for err in errors:
            written = self.written(_loc(err))
            under = (err.get("ctx") or {}).get("under") if err["type"] == "dedented_key" else None
            now = _as_meant(rest, _loc(err), under)
            if now is not None:
                self.paths[now] = written

    def drop(self, rest: Any, errors: list[ErrorDetails]) -> bool:
        """Leave out each key read as meant whose value has errors (reported already), so
        the rest of the site is still checked; and the mapping holding a required key so
        left out (the container of a misspelt `user:`). False when an error lies elsewhere."""
        bad: set[Parts] = set()
        for e in errors:
            parts = _loc(e)
            if e["type"] in _UNKNOWN:
                continue
            held = parts[:-1] if self.under_dropped(parts) else self.holding(parts)
            if not held:
                return False
            bad.add(held)
        for parts in sorted(bad, key=len):
            if not self.under_dropped(parts):
                _drop(rest, parts)
                self.dropped.add(parts)
        return True


def validated(data: dict[str, Any], source: str, resolve: Callable[[Site], object]) -> Site:
    """The validated site, or a ConfigError with every problem: pydantic's, and when the
    only ones are unknown keys, those of the rest of the site too (each unknown key read
    as the key it nearly spells, or left out): the errors in its value, named at the key
    as written, and what `resolve` finds."""
    try:
        return Site.model_validate(data)
    except ValidationError as exc:
        errors = errors_of(exc)
        found = issues(errors)
        if any(e["type"] not in _UNKNOWN for e in errors):
            raise ConfigError(found, source) from None
    rest, renames = _copy(data), _Renames()
    for _ in range(MAX_DEPTH):  # a round reads the misspelt keys inside a misspelt key's value
        renames.rename(rest, errors)
        try:
            site = Site.model_validate(rest)
        except ValidationError as exc:
            errors = errors_of(exc)
            found += [renames.issue(i) for i in issues(errors) if not renames.about_dropped(i)]
            if not renames.drop(rest, errors):
                break
            errors = [e for e in errors if e["type"] in _UNKNOWN and not renames.under_dropped(_loc(e))]
            continue
        try:
            resolve(site)
        except ConfigError as more:
            found += [i for i in more.issues if not renames.about_dropped(i)]
        break
    raise ConfigError(found, source)


def _copy(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _copy(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_copy(v) for v in data]
    return data
