"""How a site rolls out: `rollout:` beside `hosts:` in `nixedge:site`.

    rollout: {canary: alpha, batch: 4}

Without it every host deploys at once. With it the hosts go in batches: the canary
hosts first (a batch of their own), then the others in the order of their names,
`batch` at a time (all of them when `batch` is left out). Each batch starts when the
previous one is deployed; when a host fails, the later batches are not started at all
(`__main__.py` makes each batch's modules depend on the previous batch's).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, ValidationError, model_validator

from components.errors import Issue
from components.model.keys import dotted
from components.model.shared import Strict
from components.model.types import HostName
from components.model.validation import plain

ROLLOUT = "rollout"


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class Rollout(Strict):
    """How a site of hosts deploys, beside `hosts`: the canary first, alone, then the
    other hosts in batches, each batch after the previous one is deployed; a failed host
    stops every later batch. See docs/sites.md."""

    canary: Annotated[list[HostName], BeforeValidator(_as_list), Field(min_length=1)] | None = Field(
        default=None,
        description="The host (or list of hosts) deployed first, alone: the rest waits until it is deployed.",
    )
    batch: Annotated[int, Field(ge=1)] | None = Field(
        default=None, description="How many hosts deploy at once after the canary; default: all the others."
    )

    @model_validator(mode="after")
    def _says_something(self) -> Rollout:
        if self.canary is None and self.batch is None:
            raise ValueError("must give `batch` (hosts per batch), `canary` (the host that goes first), or both")
        return self

    def batches(self, names: Sequence[str]) -> tuple[tuple[str, ...], ...]:
        """The hosts `names` in the batches they deploy in, first batch first."""
        first = tuple(h for h in self.canary or () if h in names)
        rest = sorted(h for h in names if h not in first)
        size = self.batch or max(len(rest), 1)
        batches = [tuple(rest[i : i + size]) for i in range(0, len(rest), size)]
        return tuple(b for b in (first, *batches) if b)


def _issues(exc: ValidationError) -> list[Issue]:
    known = ", ".join(sorted(f.alias or name for name, f in Rollout.model_fields.items()))
    return [
        Issue(
            dotted((ROLLOUT, *err["loc"])),
            f"is not a known key (known here: {known})" if err["type"] == "extra_forbidden" else plain(err),
            err.get("input"),
        )
        for err in exc.errors(include_url=False)
    ]


def rollout_from_data(data: Any, names: Sequence[str]) -> tuple[Rollout | None, list[Issue]]:
    """`rollout:` validated against the site's host names, or the issues (keys `rollout.*`)."""
    try:
        rollout = Rollout.model_validate(data)
    except ValidationError as exc:
        return None, _issues(exc)
    unknown = [h for h in rollout.canary or () if h not in names]
    issues = [
        Issue(f"{ROLLOUT}.canary", "names no host of this site", h, hint=f"the hosts are {', '.join(names)}")
        for h in unknown
    ]
    if rollout.canary and len(set(rollout.canary)) != len(rollout.canary):
        issues.append(Issue(f"{ROLLOUT}.canary", "names a host twice", rollout.canary))
    return (None, issues) if issues else (rollout, [])


def backward_moves(plan: Sequence[Sequence[str]], waits: Mapping[str, Sequence[tuple[str, str]]]) -> list[Issue]:
    """The hostnames that move to a host of a later batch from a host that waits for them.

    `waits`: host -> (hostname, new host) for each record the host keeps its rule for until
    it points at the new host (with local ingress the rule is in its modules). Its modules
    would then wait for the new host, which waits for the host's batch: a cycle."""
    batch_of = {h: i for i, batch in enumerate(plan) for h in batch}
    return [
        Issue(
            ROLLOUT,
            f"{name} moves from host {old} (batch {batch_of[old] + 1}) to host {new} (batch "
            f"{batch_of[new] + 1}), and {old} keeps its rule until the record points at {new}",
            has_value=False,
            hint=f"deploy {new} no later than {old} for this move (e.g. `canary: {new}`), or leave rollout out for it",
        )
        for old, moving in sorted(waits.items())
        for name, new in moving
        if batch_of.get(new, -1) > batch_of.get(old, -1)
    ]


def batches(names: Sequence[str], rollout: Rollout | None) -> tuple[tuple[str, ...], ...]:
    """The batches of a site: one batch of every host when it has no rollout."""
    return rollout.batches(names) if rollout else (tuple(names),)


__all__ = ["ROLLOUT", "Rollout", "backward_moves", "batches", "rollout_from_data"]
