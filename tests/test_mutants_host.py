"""Tests written for the survivors of the mutation run in the host engine and the targets'
identities (docs/testing.md, "Mutation testing"): the message of a host that fails during a
rollout, each line of it, and where an SSH target lands.
"""

from __future__ import annotations

import pytest

from components.errors import ActivationError, HostError
from components.host import outcomes, rollout
from components.model.targets import target_identity

# -- a host failing during a rollout (host/rollout.note) --------------------------------------

PLAN = [["alpha"], ["beta", "gamma", "delta"], ["epsilon"], ["zeta", "eta"]]


def test_the_note_of_a_rollout_failure_lists_every_host_by_what_became_of_it() -> None:
    for host in ("alpha", "beta", "gamma"):
        rollout.started(host)
    outcomes.deployed("alpha")
    rollout.note("gamma", PLAN, ActivationError("activation failed"))
    assert rollout.note("beta", PLAN, HostError("no connection")).splitlines() == (
        [
            "Rollout stopped in batch 2 of 4: beta failed.",
            "  deployed by this update: alpha",
            "  not touched by this update: delta",
            "  rolled back: gamma",
            "  failed: beta",
            "  skipped, not started and left as they were (batches 3-4): epsilon, zeta, eta",
        ]
    )


def test_a_host_still_deploying_is_named_and_one_later_batch_is_said_so() -> None:
    plan = [["alpha", "beta"], ["gamma"]]
    rollout.started("alpha")
    rollout.started("beta")
    assert rollout.note("alpha", plan, ActivationError("x")).splitlines() == (
        [
            "Rollout stopped in batch 1 of 2: alpha failed.",
            "  deployed by this update: none",
            "  still deploying (their own result follows): beta",
            "  rolled back: alpha",
            "  skipped, not started and left as they were (batch 2): gamma",
        ]
    )


def test_a_failure_in_the_last_batch_skips_nothing_and_a_host_outside_the_plan_adds_nothing() -> None:
    plan = [["alpha"], ["beta", "gamma"]]
    for host in ("alpha", "beta", "gamma"):
        rollout.started(host)
    outcomes.deployed("alpha")
    outcomes.deployed("gamma")
    assert rollout.note("beta", plan, HostError("x")).splitlines() == (
        [
            "Rollout stopped in batch 2 of 2: beta failed.",
            "  deployed by this update: alpha, gamma",
            "  failed: beta",
        ]
    )
    assert rollout.note("omega", plan, HostError("x")) == ""
    assert rollout.note("beta", "not a plan", HostError("x")) == ""


# -- where an SSH target lands (model/targets._ssh_machine) -----------------------------------


@pytest.mark.parametrize(
    ("destination", "port", "machine", "expected_port"),
    [
        ("root@Alpha.", None, "alpha", 22),
        ("alpha", 2222, "alpha", 2222),
        ("ssh://root@alpha:2200", None, "alpha", 2200),
        ("ssh://alpha/", None, "alpha", 22),
        ("ssh://a@b@alpha:2201", None, "alpha", 2201),
        ("ssh://[::1]:2222", None, "::1", 2222),
        ("ssh://root@[fe80::1]:2022/", None, "fe80::1", 2022),
        ("ssh://[::1]", None, "::1", 22),
        ("ssh://[::1]:x", None, "::1", 22),
        ("ssh://[::1]:2222", 2022, "::1", 2022),
    ],
)
def test_an_ssh_target_lands_on_its_machine_and_port(
    destination: str, port: int | None, machine: str, expected_port: int
) -> None:
    target = {"transport": "ssh", "destination": destination, "port": port, "path": "/srv/x/"}
    identity = target_identity(target)
    assert (identity.machine, identity.port, identity.path) == (machine, expected_port, "/srv/x")
