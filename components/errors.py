"""The one exception hierarchy of nixedge; each class says when it is raised."""

from __future__ import annotations

from dataclasses import dataclass


class NixedgeError(Exception):
    """Base of every error nixedge raises on purpose; its text is for people.

    `key` is the config key it is about (None when it is about none), `hint` a known
    fix, shown on a `Hint:` line of its own under the message.
    """

    def __init__(self, message: str, *, key: str | None = None, hint: str | None = None) -> None:
        self.key = key
        self.hint = hint
        super().__init__(f"{message}\n  Hint: {hint}" if hint else message)


@dataclass(frozen=True)
class Issue:
    """One problem in a stack config: where (a dotted key path), what, and the value."""

    loc: str
    message: str
    value: object = None
    hint: str | None = None
    has_value: bool = True
    line: int | None = None
    """The line of `loc` in the stack file, when the issue came from one."""

    def __str__(self) -> str:
        got = f" (got: {_show(self.loc, self.value)})" if self.has_value else ""
        at = f" (line {self.line})" if self.line is not None else ""
        line = f"{self.loc or '<root>'}: {self.message}{got}{at}"
        return f"{line}\n  Hint: {self.hint}" if self.hint else line


def _show(loc: str, value: object) -> str:
    # Imported here: the model imports this module. A secret never reaches the terminal.
    from components.model.secret_keys import echoed

    text = repr(echoed(loc, value))
    return text if len(text) <= 80 else text[:77] + "..."


class ConfigError(NixedgeError):
    """Raised when a stack config is invalid, before anything touches a host or Cloudflare.

    Carries every issue found, not only the first, so one run shows them all.
    """

    def __init__(self, issues: list[Issue], source: str = "stack config") -> None:
        self.issues = issues
        self.source = source
        super().__init__(self.report())

    def report(self) -> str:
        count = len(self.issues)
        noun = "error" if count == 1 else "errors"
        lines = [f"{count} {noun} in {self.source}:"]
        lines += [f"  {issue}".replace("\n", "\n  ") for issue in self.issues]
        lines.append(f"{self.source} is invalid; nothing was changed.")
        return "\n".join(lines)


class StackFileError(ConfigError):
    """A stack file the YAML readers refuse, or would read differently: no key of it is
    looked at yet (the stack-file room, components/stackfile/read.py)."""


class RenderError(NixedgeError):
    """Raised when a valid model cannot be printed as Nix (a bug, or a value Nix lacks)."""


class EdgeError(NixedgeError):
    """Raised when the edge (tunnel, ingress, DNS) cannot be declared from a resolved site."""


class HostError(NixedgeError):
    """Raised when a host cannot be reached, read or written."""


class ActivationError(HostError):
    """Raised when activating a host (or checking its origins) failed; says what was rolled back."""
