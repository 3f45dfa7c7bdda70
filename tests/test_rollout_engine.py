"""A site's rollout under the real Pulumi engine (Automation API running the real
program, `__main__.py`, local file backend, local targets): the batches deploy one after
the other; a host failing its activation in batch 2 is rolled back, batches 3 and 4 are
never started (their modules and activation logs stay as they were), and the message
names the hosts deployed, rolled back and skipped; the next `up` finishes the rollout.
"""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from pulumi import automation as auto

from tests.conftest import Engine
from tests.test_host_engine import changes
from tests.test_site_engine import Site, host_site

pytestmark = pytest.mark.engine

HOSTS = ("h1", "h2", "h3", "h4", "h5", "h6")
ROLLOUT = {"canary": "h1", "batch": 2}  # batches: h1 | h2 h3 | h4 h5 | h6
BATCHES = (("h1",), ("h2", "h3"), ("h4", "h5"), ("h6",))


class Rollout(Site):
    def site(self, **per_host: dict[str, Any]) -> dict[str, Any]:
        hosts = {h: host_site(self.bin, h, **per_host.get(h, {})) for h in HOSTS}
        return {"hosts": hosts, "rollout": ROLLOUT}


@pytest.fixture
def rollout(engine: Engine, tmp_path: Path) -> Rollout:
    return Rollout(engine, tmp_path)


def test_batches_deploy_one_after_the_other(rollout: Rollout) -> None:
    rollout.configure(rollout.site(**{h: {"sleep": 0.5} for h in HOSTS}))
    up = rollout.stack.up()
    assert changes(up) == {"create": len(HOSTS) + 1}
    for earlier, later in pairwise(BATCHES):
        ended = max(rollout.log(h)[1][1] for h in earlier)
        began = min(rollout.log(h)[0][1] for h in later)
        assert ended < began, f"batch {later} started before batch {earlier} was deployed"


def test_a_failure_in_batch_two_leaves_batches_three_and_four_untouched(rollout: Rollout) -> None:
    rollout.configure(rollout.site())
    rollout.stack.up()
    before = {h: rollout.module(h) for h in HOSTS}
    # Every host changes; h3 (batch 2) fails its activation after h2 has finished.
    changed: dict[str, dict[str, Any]] = {h: {"port": 3002} for h in HOSTS}
    rollout.configure(rollout.site(**{**changed, "h3": {"port": 3002, "sleep": 1, "exit_code": 1}}))
    with pytest.raises(auto.CommandError) as err:
        rollout.stack.up()
    message = str(err.value)
    assert "Activation of h3 failed: " in message, message
    assert "Rollout stopped in batch 2 of 4: h3 failed." in message, message
    assert "deployed by this update: h1, h2\n" in message, message
    assert "rolled back: h3\n" in message, message
    assert "skipped, not started and left as they were (batches 3-4): h4, h5, h6" in message, message
    assert rollout.module("h3") == before["h3"], "h3's previous modules must be restored"
    for host in ("h1", "h2"):
        assert '"3002"' in rollout.module(host), f"{host} must stay deployed"
    for host in ("h4", "h5", "h6"):
        assert rollout.module(host) == before[host], f"{host} (a later batch) was touched"
        assert [w for w, _ in rollout.log(host)] == ["start", "end"], f"{host} activated again"
    # Fixed, the next up finishes the rollout: h3 and the later batches, not h1 and h2.
    rollout.configure(rollout.site(**changed))
    up = rollout.stack.up()
    assert changes(up) == {"same": 3, "update": 4}, changes(up)
    assert all('"3002"' in rollout.module(h) for h in HOSTS)
    assert [len(rollout.log(h)) for h in HOSTS] == [4, 4, 6, 4, 4, 4]


def test_adding_a_rollout_changes_no_resource(rollout: Rollout) -> None:
    plain = rollout.site()
    del plain["rollout"]
    rollout.configure(plain)
    rollout.stack.up()
    rollout.configure(rollout.site())
    preview = rollout.stack.preview()
    assert preview.change_summary == {"same": len(HOSTS) + 1}, preview.change_summary
