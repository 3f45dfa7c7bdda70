"""Start order (components/model/checks/order.py): no container is ordered after, or
requires, itself, nor waits on a loop of containers; systemd would break the loop by
dropping a job, so a container would silently not start.

Each case mutates a valid site (tests/model_cases.py) and expects the exact report.
"""

from __future__ import annotations

import pytest

from components.model import site_from_data
from tests.model_cases import HOMELAB, R1, R2, VPN, A, F, Lines, case, err, homelab_lines, multiservice_site, seed_lines
from tests.site_mutations import Mutation, put, set_key

seed = seed_lines
homelab = homelab_lines

CASES = [
    case(
        "after-itself",
        seed,
        put((f"{A}.after", ["container@atticd.service"])),
        *err(
            f"{A}.after[0]",
            "orders containers.atticd after itself; systemd drops such a job",
            "container@atticd.service",
        ),
    ),
    case(
        "requires-itself",
        seed,
        put((f"{A}.requires", ["container@atticd.service"])),
        *err(
            f"{A}.requires[0]",
            "makes containers.atticd require itself; systemd drops such a job",
            "container@atticd.service",
        ),
    ),
    case(
        "after-loop-of-two",
        seed,
        put((f"{A}.after", ["container@forgejo.service"]), (f"{F}.after", ["container@atticd.service"])),
        *err(
            f"{A}.after[0]",
            (
                "is part of a start-order loop (containers.atticd -> containers.forgejo -> "
                "containers.atticd); systemd breaks it by dropping a job"
            ),
            "container@forgejo.service",
        ),
    ),
    case(
        "requires-loop-of-two",
        seed,
        put((f"{A}.requires", ["container@forgejo.service"]), (f"{F}.after", ["container@atticd.service"])),
        *err(
            f"{A}.requires[0]",
            (
                "is part of a start-order loop (containers.atticd -> containers.forgejo -> "
                "containers.atticd); systemd breaks it by dropping a job"
            ),
            "container@forgejo.service",
        ),
    ),
    case(
        "after-loop-of-three",
        homelab,
        put(
            (f"{R1}.after", ["container@runner2.service"]),
            (f"{R2}.after", ["container@vpn.service"]),
            (f"{VPN}.after", ["container@runner1.service"]),
        ),
        *err(
            f"{R1}.after[0]",
            (
                "is part of a start-order loop (containers.runner1 -> containers.runner2 -> "
                "containers.vpn -> containers.runner1); systemd breaks it by dropping a job"
            ),
            "container@runner2.service",
        ),
    ),
    case(
        "after-itself-among-others",
        homelab,
        put((f"{VPN}.after", ["network-online.target", "container@vpn.service"])),
        *err(
            f"{VPN}.after[1]",
            "orders containers.vpn after itself; systemd drops such a job",
            "container@vpn.service",
        ),
    ),
]


@pytest.mark.parametrize(("lines", "mutation", "expected"), CASES)
def test_invalid_start_order(lines: Lines, mutation: Mutation, expected: list[str]) -> None:
    assert lines(mutation) == expected


def test_a_chain_without_a_loop_passes() -> None:
    data = multiservice_site()
    set_key(data, f"{R1}.after", ["container@runner2.service"])
    set_key(data, f"{R2}.after", ["container@vpn.service"])
    site = site_from_data(data, HOMELAB)
    assert "container@runner2.service" in site.container("runner1").after
    assert "container@vpn.service" in site.container("runner2").after
