"""A site's rollout under Pulumi mocks, with the real pulumi_cloudflare v6 types and the
real program (`__main__.py`): each batch's modules depend on the previous batch's, and
that is the only link between hosts; each DNS record still waits for the modules of the
host that serves it, so a host a failed rollout skipped gets no DNS change.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.edge_mocks import DNS_TYPE, DYNAMIC_TYPE
from tests.test_site_edge import HOSTNAMES, run_main, two_hosts

pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated in favor of:DeprecationWarning")


def with_rollout() -> dict[str, Any]:
    return {**two_hosts(), "rollout": {"canary": "storage"}}  # batches: storage | seminar


def test_the_later_batch_waits_for_the_canary() -> None:
    run = run_main(with_rollout())
    modules = {r.name.removesuffix("-modules"): r for r in run.of_type(DYNAMIC_TYPE)}
    assert modules["storage"].urn in modules["seminar"].dependencies, modules["seminar"].dependencies
    assert modules["seminar"].urn not in modules["storage"].dependencies
    assert modules["seminar"].inputs["rollout"] == [["storage"], ["seminar"]]


def test_each_dns_record_still_waits_for_the_modules_of_its_host() -> None:
    run = run_main(with_rollout())
    modules = {r.name.removesuffix("-modules"): r.urn for r in run.of_type(DYNAMIC_TYPE)}
    served_by = {name: host for host, names in HOSTNAMES.items() for name in names}
    records = run.of_type(DNS_TYPE)
    assert {r.inputs["name"] for r in records} == set(served_by)
    for rec in records:
        host = served_by[rec.inputs["name"]]
        assert modules[host] in rec.dependencies, f"{rec.urn} does not wait for {host}'s modules"


def test_only_the_modules_link_the_hosts() -> None:
    run = run_main(with_rollout())
    names = {r.urn: r.name for r in run.registrations}
    for reg in run.registrations:
        host = reg.name.split("-")[0]
        if host not in HOSTNAMES:
            continue  # the site's own resources (its DNS records, each checked above)
        # Another host's own resources (named `<host>-...`; the site's records are checked above).
        others = set(HOSTNAMES) - {host}
        foreign = [names[d] for d in reg.dependencies if d in names and names[d].split("-")[0] in others]
        allowed = ["storage-modules"] if reg.name == "seminar-modules" else []
        assert foreign == allowed, f"{reg.urn} depends on {foreign}"


def test_without_a_rollout_the_modules_carry_no_plan() -> None:
    run = run_main(two_hosts())
    assert all("rollout" not in r.inputs for r in run.of_type(DYNAMIC_TYPE))
