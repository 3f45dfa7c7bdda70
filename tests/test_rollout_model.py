"""`rollout:` of a site (components.model.rollout): the batches it gives, canary first and
the rest in name order; and each bad value refused with an error naming its key."""

from __future__ import annotations

from typing import Any

import pytest

from components.errors import ConfigError
from components.model.hosts import hosts_from_data
from components.model.rollout import backward_moves, batches

NAMES = ("echo", "alpha", "delta", "bravo", "charlie")


def host_site(name: str) -> dict[str, Any]:
    return {
        "host": {"target": {"transport": "local", "path": f"{name}/nixedge"}, "activation": {"mode": "none"}},
        "network": {"subnet": "10.231.0.0/24"},
        "containers": {
            "status": {
                "app": "generic",
                "user": {"name": "uptime-kuma", "uid": 2001, "gid": 2001},
                "stateVersion": "25.05",
            }
        },
    }


def site(rollout: Any = None) -> dict[str, Any]:
    data: dict[str, Any] = {"hosts": {h: host_site(h) for h in NAMES}}
    if rollout is not None:
        data["rollout"] = rollout
    return data


def plan(rollout: Any) -> tuple[tuple[str, ...], ...]:
    hosts = hosts_from_data(site(rollout))
    return batches(hosts.names, hosts.rollout)


def test_without_a_rollout_every_host_is_one_batch() -> None:
    hosts = hosts_from_data(site())
    assert hosts.rollout is None
    assert batches(hosts.names, hosts.rollout) == (("alpha", "bravo", "charlie", "delta", "echo"),)


def test_batches_follow_the_names() -> None:
    assert plan({"batch": 2}) == (("alpha", "bravo"), ("charlie", "delta"), ("echo",))


def test_the_canary_goes_first_alone() -> None:
    assert plan({"canary": "delta", "batch": 2}) == (("delta",), ("alpha", "bravo"), ("charlie", "echo"))


def test_a_canary_without_batch_lets_the_rest_go_at_once() -> None:
    assert plan({"canary": "delta"}) == (("delta",), ("alpha", "bravo", "charlie", "echo"))


def test_several_canaries_form_the_first_batch_in_their_order() -> None:
    assert plan({"canary": ["echo", "alpha"], "batch": 10}) == (("echo", "alpha"), ("bravo", "charlie", "delta"))


def errors(rollout: Any) -> list[str]:
    with pytest.raises(ConfigError) as err:
        hosts_from_data(site(rollout))
    return [str(issue) for issue in err.value.issues]


def test_invalid_rollout_empty() -> None:
    assert errors({}) == [
        "rollout: must give `batch` (hosts per batch), `canary` (the host that goes first), or both (got: {})"
    ]


def test_invalid_rollout_batch() -> None:
    assert errors({"batch": 0}) == ["rollout.batch: must be greater than or equal to 1 (got: 0)"]
    quoted = "rollout.batch: must be a number, not text in quotes: write 4 without quotes (got: '4')"
    assert errors({"batch": "4"}) == [quoted]


def test_invalid_rollout_canary() -> None:
    hint = "\n  Hint: the hosts are alpha, bravo, charlie, delta, echo"
    assert errors({"canary": "zulu"}) == [f"rollout.canary: names no host of this site (got: 'zulu'){hint}"]
    assert errors({"canary": ["alpha", "alpha"]}) == ["rollout.canary: names a host twice (got: ['alpha', 'alpha'])"]


def test_invalid_rollout_unknown_key() -> None:
    assert errors({"batch": 4, "haltOnFailure": False}) == [
        "rollout.haltOnFailure: is not a known key (known here: batch, canary) (got: False)"
    ]


def test_a_one_host_stack_has_no_rollout() -> None:
    one = host_site("alpha")
    with pytest.raises(ConfigError) as err:
        hosts_from_data({**one, "host": {**one["host"], "name": "alpha"}, "rollout": {"batch": 1}})
    assert "rollout: is not a known key" in str(err.value)


def test_a_move_to_a_later_batch_from_a_waiting_host_is_refused() -> None:
    plan = (("delta",), ("alpha", "bravo"))
    # alpha waits (local ingress) for kuma's record, which would wait for delta: fine.
    assert backward_moves(plan, {"alpha": [("kuma.example.net", "delta")]}) == []
    # delta waits for a record that would wait for alpha, which waits for delta's batch.
    [issue] = backward_moves(plan, {"delta": [("kuma.example.net", "alpha")]})
    assert str(issue) == (
        "rollout: kuma.example.net moves from host delta (batch 1) to host alpha (batch 2), and delta keeps "
        "its rule until the record points at alpha\n"
        "  Hint: deploy alpha no later than delta for this move (e.g. `canary: alpha`), or leave rollout out for it"
    )
