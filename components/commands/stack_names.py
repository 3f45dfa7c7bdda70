"""The stacks that exist (stacks/Pulumi.<name>.yaml), for the hints of a mistyped name:
`--stack Dev`, or `check dev` without `--stack`."""

from __future__ import annotations

import difflib

from components.errors import NixedgeError
from components.stackfile.read import STACKS_DIR, shown, stack_path


def existing() -> list[str]:
    """The names of the stack files in stacks/."""
    return sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in STACKS_DIR.glob("Pulumi.*.yaml"))


def nearest(name: str) -> str | None:
    """The existing stack `name` was meant to be: the same but for case, else a near spelling."""
    names = existing()
    same = [n for n in names if n.casefold() == name.casefold()]
    close = same or difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    return close[0] if close else None


def missing(name: str) -> NixedgeError | None:
    """The error for `--stack NAME` when stacks/ has no such file, else None."""
    path = stack_path(name)
    if path.is_file():
        return None
    near = nearest(name)
    guess = f"did you mean --stack {near}? " if near else ""
    return NixedgeError(
        f"no stack named {name!r}: {shown(path)} does not exist",
        key="--stack",
        hint=f"{guess}The stacks are: {', '.join(existing()) or 'none'} ({shown(STACKS_DIR)}/Pulumi.<NAME>.yaml)",
    )


def stray_stack_hint(words: list[str]) -> str | None:
    """For arguments argparse did not recognise: `--stack WORD` when a WORD names a stack."""
    named = [w for w in words if not w.startswith("-") and stack_path(w).is_file()]
    return f"did you mean --stack {named[0]}?" if named else None
