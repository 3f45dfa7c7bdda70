"""The base of both dynamic providers (`HostModulesProvider`, `HostPruneProvider`): how
they compare inputs, report bad ones, and re-raise a failure with their own message.

Each provider's state holds its class by reference (dill), not this base: moving or
renaming the base needs no entry in `components.legacy`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pulumi.dynamic import CheckFailure, DiffResult, ReadResult, ResourceProvider

from components.errors import HostError
from components.host.props import has_unknown


class HostProvider(ResourceProvider):
    """What both providers share. Neither captures a secret, so the serialised provider
    (a reference to its class) need not be one."""

    serialize_as_secret_always = False

    @staticmethod
    def partial_diff(
        olds: Mapping[str, Any], news: Mapping[str, Any], compared: Sequence[str], stables: Sequence[str] = ()
    ) -> DiffResult:
        """Compare the old outputs with the new inputs, on the `compared` inputs only.

        Returns `changes` when one of them differs from its echo in the old outputs or
        is not known yet (a preview: assume it changes); `replaces` is always empty,
        since a host resource is updated in place, even when it moves
        (`components.host.move`); `stables` are the outputs the caller knows stay (this
        SDK's dynamic provider server does not pass them on yet; they are named for
        when it does). Pure: it connects to nothing."""
        changed = has_unknown({k: news.get(k) for k in compared}) or any(olds.get(k) != news.get(k) for k in compared)
        return DiffResult(changes=changed, replaces=[], stables=list(stables), delete_before_replace=False)

    @staticmethod
    def failures(prop: str, problems: Iterable[str]) -> list[CheckFailure]:
        """`check`'s report: one failure per problem, as `prop: problem`. The reason names
        the property itself: given a property, the engine also prints its whole value
        in Go's map syntax (every module's text, for `files`) before the reason."""
        return [CheckFailure("", f"{prop}: {problem}") for problem in problems]

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        """Nothing of its own to read: the state stays as it is. Never fails."""
        return ReadResult(id_, props)


@contextlib.contextmanager
def own_message(doing: str) -> Iterator[None]:
    """A HostError passes as it is (it says what happened and where the host stands);
    anything else is a bug, re-raised as a HostError that says what was being done,
    with the original as its cause (the provider plugin prints its traceback)."""
    try:
        yield
    except HostError:
        raise
    except Exception as exc:
        raise HostError(f"Unexpected failure {doing}: {exc!r}") from exc
