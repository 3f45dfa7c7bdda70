"""Dead routes (components/model/presets/forgejo.py and atticd.py): a preset refuses its
own settings when they turn off what a route points at (Forgejo's DISABLE_SSH, a
START_SSH_SERVER of false, an HTTP_ADDR or SSH_LISTEN_HOST that the host cannot reach, a
Unix socket PROTOCOL, an SSH_LISTEN_PORT other than the route's; atticd's listen
address), whether they come under `settings` or under `nixos`, and names the setting.

Each case mutates a valid site (tests/model_cases.py) and expects the exact report.
"""

from __future__ import annotations

from typing import Any

import pytest

from components.model import site_from_data
from tests.model_cases import HOMELAB, SEED, A, F, Lines, case, err, homelab_lines, multiservice_site, seed_lines
from tests.site_mutations import Mutation, put, seed_site, set_key

seed = seed_lines
homelab = homelab_lines
NIXOS_SERVER = f"{F}.nixos.services.forgejo.settings.server"


def nixos_server(server: dict[str, Any]) -> dict[str, Any]:
    """`nixos` data that sets services.forgejo.settings.server."""
    return {"services": {"forgejo": {"settings": {"server": server}}}}


CASES = [
    case(
        "forgejo-disable-ssh",
        seed,
        put((f"{F}.settings.server", {"DISABLE_SSH": True})),
        *err(
            f"{F}.settings.server.DISABLE_SSH",
            "turns Forgejo's SSH server off, so containers.forgejo.routes[1] (ssh) would be a dead route",
            True,
            "remove DISABLE_SSH, or remove the ssh route",
        ),
    ),
    case(
        "forgejo-disable-ssh-nixos",
        seed,
        put((f"{F}.nixos", nixos_server({"DISABLE_SSH": True}))),
        *err(
            f"{NIXOS_SERVER}.DISABLE_SSH",
            "turns Forgejo's SSH server off, so containers.forgejo.routes[1] (ssh) would be a dead route",
            True,
            "remove DISABLE_SSH, or remove the ssh route",
        ),
    ),
    case(
        "forgejo-start-ssh-server-false",
        seed,
        put((f"{F}.settings.server", {"START_SSH_SERVER": False})),
        *err(
            f"{F}.settings.server.START_SSH_SERVER",
            "is derived from containers.forgejo.routes[1]; change it there instead",
            False,
        ),
    ),
    case(
        "forgejo-start-ssh-server-false-nixos",
        seed,
        put((f"{F}.nixos", nixos_server({"START_SSH_SERVER": False}))),
        *err(
            f"{NIXOS_SERVER}.START_SSH_SERVER",
            "turns Forgejo's SSH server off, so containers.forgejo.routes[1] (ssh) would be a dead route",
            False,
            "remove START_SSH_SERVER, or remove the ssh route",
        ),
    ),
    case(
        "forgejo-http-addr-loopback",
        seed,
        put((f"{F}.settings.server", {"HTTP_ADDR": "127.0.0.1"})),
        *err(
            f"{F}.settings.server.HTTP_ADDR",
            (
                "makes Forgejo listen only on 127.0.0.1, where cloudflared on the host cannot reach "
                "it: containers.forgejo.routes[0] would be a dead route"
            ),
            "127.0.0.1",
            "leave HTTP_ADDR out (Forgejo listens on every address of the container), or remove the route",
        ),
    ),
    case(
        "forgejo-http-addr-ipv6-loopback",
        seed,
        put((f"{F}.settings.server", {"HTTP_ADDR": "::1"})),
        *err(
            f"{F}.settings.server.HTTP_ADDR",
            (
                "makes Forgejo listen only on ::1, where cloudflared on the host cannot reach it: "
                "containers.forgejo.routes[0] would be a dead route"
            ),
            "::1",
            "leave HTTP_ADDR out (Forgejo listens on every address of the container), or remove the route",
        ),
    ),
    case(
        "forgejo-http-addr-localhost",
        seed,
        put((f"{F}.settings.server", {"HTTP_ADDR": "localhost"})),
        *err(
            f"{F}.settings.server.HTTP_ADDR",
            (
                "makes Forgejo listen only on localhost, where cloudflared on the host cannot reach "
                "it: containers.forgejo.routes[0] would be a dead route"
            ),
            "localhost",
            "leave HTTP_ADDR out (Forgejo listens on every address of the container), or remove the route",
        ),
    ),
    case(
        "forgejo-http-addr-socket",
        seed,
        put((f"{F}.settings.server", {"HTTP_ADDR": "/run/forgejo/forgejo.sock"})),
        *err(
            f"{F}.settings.server.HTTP_ADDR",
            (
                "makes Forgejo listen only on /run/forgejo/forgejo.sock, where cloudflared on the "
                "host cannot reach it: containers.forgejo.routes[0] would be a dead route"
            ),
            "/run/forgejo/forgejo.sock",
            "leave HTTP_ADDR out (Forgejo listens on every address of the container), or remove the route",
        ),
    ),
    case(
        "forgejo-http-addr-other-address",
        seed,
        put((f"{F}.settings.server", {"HTTP_ADDR": "192.168.100.21"})),
        *err(
            f"{F}.settings.server.HTTP_ADDR",
            (
                "makes Forgejo listen only on 192.168.100.21, where cloudflared on the host cannot "
                "reach it: containers.forgejo.routes[0] would be a dead route"
            ),
            "192.168.100.21",
            "leave HTTP_ADDR out (Forgejo listens on every address of the container), or remove the route",
        ),
    ),
    case(
        "forgejo-http-addr-nixos",
        seed,
        put((f"{F}.nixos", nixos_server({"HTTP_ADDR": "127.0.0.1"}))),
        *err(
            f"{NIXOS_SERVER}.HTTP_ADDR",
            (
                "makes Forgejo listen only on 127.0.0.1, where cloudflared on the host cannot reach "
                "it: containers.forgejo.routes[0] would be a dead route"
            ),
            "127.0.0.1",
            "leave HTTP_ADDR out (Forgejo listens on every address of the container), or remove the route",
        ),
    ),
    case(
        "forgejo-protocol-unix-nixos",
        seed,
        put((f"{F}.nixos", nixos_server({"PROTOCOL": "http+unix"}))),
        *err(
            f"{NIXOS_SERVER}.PROTOCOL",
            "makes Forgejo listen on a Unix socket, not on a port: containers.forgejo.routes[0] would be dead",
            "http+unix",
        ),
    ),
    case(
        "forgejo-protocol-unix-settings",
        seed,
        put((f"{F}.settings.server", {"PROTOCOL": "http+unix"})),
        *err(
            f"{F}.settings.server.PROTOCOL",
            "is derived from containers.forgejo.routes[0]; change it there instead",
            "http+unix",
        ),
    ),
    case(
        "forgejo-ssh-listen-host-loopback",
        seed,
        put((f"{F}.settings.server", {"SSH_LISTEN_HOST": "127.0.0.1"})),
        *err(
            f"{F}.settings.server.SSH_LISTEN_HOST",
            (
                "makes Forgejo listen only on 127.0.0.1, where cloudflared on the host cannot reach "
                "it: containers.forgejo.routes[1] would be a dead route"
            ),
            "127.0.0.1",
            "leave SSH_LISTEN_HOST out (Forgejo listens on every address of the container), or remove the route",
        ),
    ),
    case(
        "forgejo-ssh-listen-port-other",
        seed,
        put((f"{F}.settings.server", {"SSH_LISTEN_PORT": 22})),
        *err(
            f"{F}.settings.server.SSH_LISTEN_PORT",
            "makes Forgejo's SSH server listen on 22, but containers.forgejo.routes[1] points at port 2222",
            22,
            "leave SSH_LISTEN_PORT out; it follows containers.forgejo.routes[1].port",
        ),
    ),
    case(
        "forgejo-ssh-listen-port-nixos",
        seed,
        put((f"{F}.nixos", nixos_server({"SSH_LISTEN_PORT": 2022}))),
        *err(
            f"{NIXOS_SERVER}.SSH_LISTEN_PORT",
            "makes Forgejo's SSH server listen on 2022, but containers.forgejo.routes[1] points at port 2222",
            2022,
            "leave SSH_LISTEN_PORT out; it follows containers.forgejo.routes[1].port",
        ),
    ),
    case(
        "forgejo-two-dead-settings",
        seed,
        put((f"{F}.settings.server", {"DISABLE_SSH": True, "HTTP_ADDR": "127.0.0.1"})),
        *err(
            f"{F}.settings.server.HTTP_ADDR",
            (
                "makes Forgejo listen only on 127.0.0.1, where cloudflared on the host cannot reach "
                "it: containers.forgejo.routes[0] would be a dead route"
            ),
            "127.0.0.1",
            "leave HTTP_ADDR out (Forgejo listens on every address of the container), or remove the route",
        ),
        *err(
            f"{F}.settings.server.DISABLE_SSH",
            "turns Forgejo's SSH server off, so containers.forgejo.routes[1] (ssh) would be a dead route",
            True,
            "remove DISABLE_SSH, or remove the ssh route",
        ),
    ),
    case(
        "forgejo-both-places",
        seed,
        put((f"{F}.settings.server", {"DISABLE_SSH": True}), (f"{F}.nixos", nixos_server({"HTTP_ADDR": "::1"}))),
        *err(
            f"{F}.settings.server.DISABLE_SSH",
            "turns Forgejo's SSH server off, so containers.forgejo.routes[1] (ssh) would be a dead route",
            True,
            "remove DISABLE_SSH, or remove the ssh route",
        ),
        *err(
            f"{NIXOS_SERVER}.HTTP_ADDR",
            (
                "makes Forgejo listen only on ::1, where cloudflared on the host cannot reach it: "
                "containers.forgejo.routes[0] would be a dead route"
            ),
            "::1",
            "leave HTTP_ADDR out (Forgejo listens on every address of the container), or remove the route",
        ),
    ),
    case(
        "forgejo-homelab-http-addr",
        homelab,
        put((f"{F}.settings.server", {"HTTP_ADDR": "127.0.0.1"})),
        *err(
            f"{F}.settings.server.HTTP_ADDR",
            (
                "makes Forgejo listen only on 127.0.0.1, where cloudflared on the host cannot reach "
                "it: containers.forgejo.routes[0] would be a dead route"
            ),
            "127.0.0.1",
            "leave HTTP_ADDR out (Forgejo listens on every address of the container), or remove the route",
        ),
    ),
    case(
        "atticd-listen-loopback",
        seed,
        put((f"{A}.settings", {"listen": "127.0.0.1:8080"})),
        *err(
            f"{A}.settings.listen",
            "is derived from containers.atticd.routes[0]; change it there instead",
            "127.0.0.1:8080",
        ),
    ),
    case(
        "atticd-listen-other-port",
        seed,
        put((f"{A}.settings", {"listen": "[::]:9000"})),
        *err(
            f"{A}.settings.listen",
            "is derived from containers.atticd.routes[0]; change it there instead",
            "[::]:9000",
        ),
    ),
]


@pytest.mark.parametrize(("lines", "mutation", "expected"), CASES)
def test_dead_route(lines: Lines, mutation: Mutation, expected: list[str]) -> None:
    assert lines(mutation) == expected


def test_cases_are_distinct() -> None:
    ids = [p.id for p in CASES]
    assert len(ids) == len(set(ids)) >= 20


@pytest.mark.parametrize(
    "server",
    [
        {"HTTP_ADDR": "0.0.0.0"},
        {"HTTP_ADDR": "::"},
        {"HTTP_ADDR": ""},
        {"HTTP_ADDR": "192.168.100.11"},  # the container's own address
        {"SSH_LISTEN_HOST": "0.0.0.0", "SSH_LISTEN_PORT": 2222},
        {"DISABLE_SSH": False},
    ],
)
def test_settings_that_keep_the_routes_alive(server: dict[str, Any]) -> None:
    data = seed_site()
    set_key(data, f"{F}.settings.server", server)
    settings = site_from_data(data, SEED).container("forgejo").service["settings"]["server"]
    assert {k: settings[k] for k in server} == server


def test_ssh_off_without_an_ssh_route_is_fine() -> None:
    """DISABLE_SSH is only dead with an ssh route to point at it."""
    data = multiservice_site()  # its forgejo has an http route only
    set_key(data, f"{F}.settings.server", {"DISABLE_SSH": True, "SSH_LISTEN_HOST": "127.0.0.1"})
    server = site_from_data(data, HOMELAB).container("forgejo").service["settings"]["server"]
    assert server["DISABLE_SSH"] is True


def test_nixos_data_that_is_not_a_mapping_is_no_crash() -> None:
    """The check looks under nixos.services.forgejo.settings.server only where mappings are."""
    data = seed_site()
    set_key(data, f"{F}.nixos", {"services": {"forgejo": {"settings": "see-file"}}})
    assert site_from_data(data, SEED).container("forgejo").nixos["services"]["forgejo"]["settings"] == "see-file"
