"""The base both dynamic providers share (components/host/provider_base.py): one diff
that never replaces and names its stable outputs, one shape of `check` failures, one
way a bug is re-raised with the provider's own message."""

from __future__ import annotations

import pytest

from components.errors import HostError
from components.host.props import UNKNOWN
from components.host.provider import HostModulesProvider
from components.host.provider_base import HostProvider, own_message
from components.host.prune import HostPruneProvider


def test_both_providers_share_the_base() -> None:
    assert issubclass(HostModulesProvider, HostProvider) and issubclass(HostPruneProvider, HostProvider)
    assert HostModulesProvider.serialize_as_secret_always is False
    assert HostPruneProvider.serialize_as_secret_always is False


def test_partial_diff_compares_only_what_it_is_told_and_never_replaces() -> None:
    olds = {"host": "a", "files": {"x.nix": "1"}, "hashes": {"x.nix": "old"}}
    same = HostProvider.partial_diff(olds, {**olds, "hashes": None}, ["host", "files"], ["path"])
    assert (same.changes, same.replaces, same.stables, same.delete_before_replace) == (False, [], ["path"], False)
    changed = HostProvider.partial_diff(olds, {**olds, "files": {"x.nix": "2"}}, ["host", "files"])
    assert (changed.changes, changed.replaces, changed.stables) == (True, [], [])
    # Not known during a preview: assumed to change.
    unknown = HostProvider.partial_diff(olds, {**olds, "files": {"x.nix": UNKNOWN}}, ["files"])
    assert unknown.changes is True


def test_check_failures_name_the_property_in_the_reason_only() -> None:
    (failure,) = HostProvider.failures("keep", ["'../x.nix' must stay inside"])
    assert (failure.property, failure.reason) == ("", "keep: '../x.nix' must stay inside")


def test_a_bug_is_re_raised_with_what_was_being_done() -> None:
    with pytest.raises(HostError) as caught, own_message("while removing seminar's leaving modules"):
        raise KeyError("path")
    assert str(caught.value) == "Unexpected failure while removing seminar's leaving modules: KeyError('path')"
    assert isinstance(caught.value.__cause__, KeyError)
    said = HostError("seminar: the activation failed; restored the previous modules")
    with pytest.raises(HostError) as passed, own_message("during update of seminar's modules"):
        raise said
    assert passed.value is said
