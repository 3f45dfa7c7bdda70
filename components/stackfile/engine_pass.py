"""The engine's second reading of a stack file, for the strings it changes.

Pulumi reads a stack file, writes it back as YAML and reads that again (pulumi
sdk/go/common/workspace/loaders.go, `LoadProjectStackBytes`). go-yaml v3.0.1 writes a
string holding a line break as a literal block (encode.go `stringv`), and reading the
block back loses what a block cannot start with: a leading line break (`"\\nx"` deploys
`x`, `"\\n"` an empty string), a leading U+2028 or U+2029, and a leading tab makes the
engine refuse the whole file. Measured with the pinned engine (tests/test_stack_fuzz_engine.py).
"""

from __future__ import annotations

_BLOCK_BREAKS = "\n\u2028\u2029"


def second_pass(value: str, *, hide: bool = False) -> tuple[str, str] | None:
    """(message, hint) when the engine's second pass changes or refuses the string
    `value`; None when it keeps it. Mapping keys are written quoted and are kept.
    `hide`: the value is a secret, and the message does not quote it."""
    if "\n" not in value or not value:
        return None
    first = value[0]
    if first in _BLOCK_BREAKS:
        name = {"\n": "a line break", "\u2028": "U+2028", "\u2029": "U+2029"}[first]
        rest = "the rest (hidden: the key names a secret)" if hide else f"{value[1:]!r:.60}"
        message = (
            f"starts with {name}, which Pulumi drops when it re-reads the file (its second pass writes "
            f"the string as a block), so {rest} would deploy"
        )
        return (
            message,
            f"remove the leading {name.removeprefix('a ')}, or start the text with another character",
        )
    if first == "\t":
        return (
            "starts with a tab and holds a line break: Pulumi writes it back as a block and then refuses the file",
            "remove the leading tab, or start the text with another character",
        )
    return None
