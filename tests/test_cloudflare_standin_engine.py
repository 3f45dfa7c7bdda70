"""The stand-in Cloudflare plugin under the real engine: the engine starts it as
`pulumi-resource-cloudflare`, and the real program's tunnel, ingress and DNS records
land in its account."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cloudflare_engine import EdgeSite, container, edge_site
from tests.conftest import Engine

pytestmark = pytest.mark.engine


@pytest.fixture
def site(engine: Engine, tmp_path: Path) -> Iterator[EdgeSite]:
    yield from edge_site(engine, tmp_path)


def test_the_engine_runs_the_program_against_the_standin(site: EdgeSite) -> None:
    site.configure({"hosts": {"alpha": site.host("alpha", {"kuma": container("kuma", 3001, ["kuma.example.net"])})}})
    started = time.monotonic()
    site.stack.up()
    took = time.monotonic() - started
    assert site.records() == {"kuma.example.net": ("CNAME", "alpha")}
    assert site.served() == {"kuma.example.net": "alpha"}
    assert site.live_tunnels() == ["alpha"]
    assert site.stack.preview().change_summary == {"same": 10}, "a second run changes nothing"
    print(f"first up: {took:.1f} s")
