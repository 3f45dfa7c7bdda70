"""Properties of random valid sites: deterministic rendering, parseable Nix, stable addresses.

Hypothesis builds sites of 1-20 containers with random names, optional explicit
addresses, optional routes, and settings / nixos data holding random Unicode text.
Each renders identically twice and whatever the insertion order of its containers, and
every rendered file parses with nix-instantiate (one process per example). Addresses
that are allocated are unique, inside the subnet, never its network or broadcast
address, and an allocated container keeps its pair when another allocated container
is added, whenever their hash slots do not collide (the documented exception).
"""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from components.errors import ConfigError
from components.model import ResolvedSite, site_from_data
from components.model.checks.literal_secrets import secret_like
from components.nixos.render import render
from tests.nixeval import parse_files, write_tree

SUBNET = "10.77.0.0/16"
NAME = st.from_regex(r"\A[a-z0-9]([a-z0-9-]{0,14}[a-z0-9])?\Z")
_CHARS = st.characters(codec="utf-8", exclude_characters="\x00")
TEXT = st.text(alphabet=_CHARS, max_size=30)
# A key that reads like a secret's with a literal value is refused (checks/literal_secrets.py).
KEY = st.text(alphabet=_CHARS, min_size=1, max_size=12).filter(lambda k: k != "_secret" and not secret_like(k))
SCALAR = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63) + 1, 2**63 - 1)
    | TEXT
    | st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False)
)
DATA = st.dictionaries(
    KEY,
    st.recursive(
        SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(KEY, inner, max_size=3), max_leaves=8
    ),
    max_size=4,
)


def _base(containers: dict[str, Any], ingress: str = "local") -> dict[str, Any]:
    return {
        "host": {"name": "prop", "target": {"transport": "local", "path": "out"}},
        "network": {"subnet": SUBNET},
        "tunnel": {"name": "prop", "ingress": ingress, "zones": [{"name": "example.org"}]},
        "containers": containers,
    }


@st.composite
def sites(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(st.lists(NAME, min_size=1, max_size=20, unique=True))
    # Explicit addresses: distinct host numbers, never the network or broadcast address.
    numbers = draw(st.lists(st.integers(1, 65534), min_size=2 * len(names), max_size=2 * len(names), unique=True))
    network = IPv4Network(SUBNET)
    containers: dict[str, Any] = {}
    for i, name in enumerate(names):
        app = draw(st.sampled_from(["generic", "forgejo", "atticd"]))
        c: dict[str, Any] = {
            "app": app,
            "user": {"name": f"svc{i}", "uid": 2000 + i, "gid": 3000 + i},
            "stateVersion": draw(st.sampled_from(["24.11", "25.05"])),
        }
        if draw(st.booleans()):
            c["hostAddress"] = str(network.network_address + numbers[2 * i])
            c["localAddress"] = str(network.network_address + numbers[2 * i + 1])
        if draw(st.booleans()):
            c["stateDir"] = f"/var/lib/{name}"
        if draw(st.booleans()):
            protocol = "http" if app != "generic" else draw(st.sampled_from(["http", "https", "ssh", "tcp"]))
            c["routes"] = [
                {"hostname": f"{name}.example.org", "protocol": protocol, "port": draw(st.integers(1024, 65535))}
            ]
        if app == "atticd":
            c["environmentFile"] = f"/etc/{name}.env"
        if app == "generic":
            c["nixos"] = draw(DATA)
        else:
            c["settings"] = {"extra": draw(DATA)}
            c["wrapper"] = f"{app}-{name}"  # two forgejo containers may not both install `forgejo`
        containers[name] = c
    return _base(containers, draw(st.sampled_from(["local", "remote"])))


# No shrinking: each attempt runs nix-instantiate, and shrinking a failure took minutes;
# the failure message already names the file that does not parse and shows it.
@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=sites())
def test_random_sites_render_deterministically_and_parse(tmp_path: Path, data: dict[str, Any]) -> None:
    site = site_from_data(data)
    files = render(site)
    assert render(site_from_data(data)) == files
    reversed_data = {**data, "containers": dict(reversed(list(data["containers"].items())))}
    assert render(site_from_data(reversed_data)) == files
    assert {f"containers/{name}.nix" for name in data["containers"]} <= set(files)
    paths = write_tree(tmp_path / "out", files)
    parse_files(paths)
    _assert_addresses_sound(site)


def _assert_addresses_sound(site: ResolvedSite) -> None:
    network = IPv4Network(site.subnet)
    seen: list[str] = []
    for c in site.containers:
        for address in (c.host_address, c.local_address):
            assert address is not None, f"{c.name} has no address"  # every container here has a veth
            ip = IPv4Address(address)
            assert ip in network, f"{c.name}: {address} outside {network}"
            assert ip not in (network.network_address, network.broadcast_address), f"{c.name}: {address}"
            seen.append(address)
    assert len(seen) == len(set(seen)), f"addresses used twice: {sorted(seen)}"


def _auto(names: list[str], subnet: str) -> ResolvedSite:
    containers = {
        name: {"app": "generic", "user": {"name": f"svc{i}", "uid": 2000 + i, "gid": 3000 + i}, "stateVersion": "25.05"}
        for i, name in enumerate(names)
    }
    data = _base(containers)
    data["network"]["subnet"] = subnet
    return site_from_data(data)


def _pairs(site: ResolvedSite) -> dict[str, tuple[str | None, str | None]]:
    return {c.name: (c.host_address, c.local_address) for c in site.containers}


@settings(max_examples=60, deadline=None)
@given(
    names=st.lists(NAME, min_size=2, max_size=20, unique=True),
    subnet=st.sampled_from(["10.1.0.0/24", "10.2.0.0/26", "10.3.0.0/20"]),
)
def test_allocated_addresses_are_stable_when_a_container_is_added(names: list[str], subnet: str) -> None:
    existing = names[:-1]  # the last name is the container that is added
    try:
        before = _pairs(_auto(existing, subnet))
        after_site = _auto(names, subnet)
    except ConfigError as exc:  # a small subnet can run out of pairs: that must be the reason
        assert "has no free pair left" in str(exc)
        return
    after = _pairs(after_site)
    _assert_addresses_sound(after_site)
    assert set(after) == set(names)
    # Each name's home slot: where it lands alone. Without a collision, nothing moves.
    home = {name: _pairs(_auto([name], subnet))[name] for name in names}
    if len(set(home.values())) == len(names):
        assert {name: after[name] for name in existing} == before
        assert after == home


def test_stability_with_known_names() -> None:
    names = ["forgejo", "atticd", "uptime", "grafana", "runner"]
    subnet = "10.9.0.0/16"
    homes = {name: _pairs(_auto([name], subnet))[name] for name in names}
    assert len(set(homes.values())) == len(names)
    for n in range(1, len(names) + 1):
        assert _pairs(_auto(names[:n], subnet)) == {name: homes[name] for name in names[:n]}


def test_collision_moves_only_the_later_name() -> None:
    """The documented exception: two names hashing to one slot; the later (sorted) one probes on."""
    subnet = "10.4.0.0/29"  # usable slots 1 and 2 only
    candidates = [f"c{i}" for i in range(40)]
    homes = {name: _pairs(_auto([name], subnet))[name] for name in candidates}
    first = candidates[0]
    other = next(n for n in candidates[1:] if homes[n] == homes[first])
    early, late = sorted([first, other])
    both = _pairs(_auto([late, early], subnet))
    assert both[early] == homes[early]
    assert both[late] != homes[late]
    assert both[late] in {("10.4.0.2", "10.4.0.3"), ("10.4.0.4", "10.4.0.5")}
