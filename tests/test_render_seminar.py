"""The seminar stack renders to modules that evaluate to exactly the seed's NixOS config.

Every rendered file parses with `nix-instantiate --parse`; every module is evaluated
(`--eval --strict --json`) against the stubs of tests/nix/stub.nix, including each
container's inner `config` lambda, and the JSON is compared with values written here
from the seed (shared/seed/DIGEST.md and the original post), not copied from the output.
The dev stack and a remote-ingress variant of the seed are evaluated too, and every
stack in stacks/ renders to files that parse, all imported from default.nix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.model import site_from_data
from components.nixos.render import render
from components.stackfile import load_stack
from tests.nixeval import eval_modules, parse_files, write_tree
from tests.paths import REPO
from tests.site_mutations import seed_site, set_key

SEMINAR_FILES = [
    "cloudflared.nix",
    "containers/atticd.nix",
    "containers/forgejo.nix",
    "default.nix",
    "network.nix",
]
MKFORCE_FALSE = {"_type": "override", "priority": 50, "content": False}
# The seminar stack's release is 25.11: PostgreSQL's ensured databases and roles are ready
# with postgresql.target (tests/test_render_releases.py has every release).
AFTER_POSTGRESQL = {"after": ["postgresql.target"], "requires": ["postgresql.target"]}


def _render_and_eval(root: Path, files: dict[str, str]) -> dict[str, Any]:
    paths = write_tree(root, files)
    parse_files(paths)
    return dict(zip(files, eval_modules(paths, root), strict=True))


@pytest.fixture(scope="module")
def seminar(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    files = render(load_stack("seminar"))
    assert sorted(files) == SEMINAR_FILES
    return _render_and_eval(tmp_path_factory.mktemp("seminar"), files)


@pytest.fixture(scope="module")
def forgejo(seminar: dict[str, Any]) -> dict[str, Any]:
    return seminar["containers/forgejo.nix"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def atticd(seminar: dict[str, Any]) -> dict[str, Any]:
    return seminar["containers/atticd.nix"]  # type: ignore[no-any-return]


# -- forgejo.nix ----------------------------------------------------------------------


def test_forgejo_container_network(forgejo: dict[str, Any]) -> None:
    assert list(forgejo["containers"]) == ["forgejo"]
    c = forgejo["containers"]["forgejo"]
    assert c["autoStart"] is True
    assert c["privateNetwork"] is True
    assert c["hostAddress"] == "192.168.100.10"
    assert c["localAddress"] == "192.168.100.11"


def test_forgejo_bind_mounts(forgejo: dict[str, Any]) -> None:
    assert forgejo["containers"]["forgejo"]["bindMounts"] == {
        "/run/postgresql": {"hostPath": "/run/postgresql", "isReadOnly": True},
        "/var/lib/forgejo": {"hostPath": "/var/lib/forgejo", "isReadOnly": False},
    }


def test_forgejo_host_user_tmpfiles_and_ordering(forgejo: dict[str, Any]) -> None:
    assert forgejo["users"] == {
        "users": {"forgejo": {"isSystemUser": True, "group": "forgejo", "uid": 991}},
        "groups": {"forgejo": {"gid": 986}},
    }
    assert forgejo["systemd"]["tmpfiles"]["rules"] == ["d /var/lib/forgejo 0750 forgejo forgejo -"]
    assert forgejo["systemd"]["services"] == {"container@forgejo": AFTER_POSTGRESQL}


def test_forgejo_wrapper_script(forgejo: dict[str, Any]) -> None:
    assert forgejo["environment"]["systemPackages"] == [
        {"name": "forgejo", "text": 'exec nixos-container run forgejo -- forgejo "$@"\n'}
    ]


def test_forgejo_inside_the_container(forgejo: dict[str, Any]) -> None:
    inner = forgejo["containers"]["forgejo"]["config"]
    assert inner["system"] == {"stateVersion": "25.05"}
    assert inner["networking"] == {
        "useHostResolvConf": MKFORCE_FALSE,
        "firewall": {"trustedInterfaces": ["eth0"]},
    }
    assert inner["services"]["resolved"] == {"enable": True}
    # Same ids as on the host: PostgreSQL peer auth compares the numbers.
    assert inner["users"]["users"]["forgejo"]["uid"] == 991
    assert inner["users"]["users"]["forgejo"]["group"] == "forgejo"
    assert inner["users"]["groups"] == {"forgejo": {"gid": 986}}
    assert inner["environment"] == {"systemPackages": ["stub:forgejo-package"]}


def test_forgejo_service_settings(forgejo: dict[str, Any]) -> None:
    service = forgejo["containers"]["forgejo"]["config"]["services"]["forgejo"]
    assert service["enable"] is True
    assert service["database"] == {"type": "postgres", "createDatabase": False, "socket": "/run/postgresql"}
    assert service["settings"] == {
        "server": {
            "HTTP_PORT": 8080,
            "SSH_PORT": 2222,
            "DOMAIN": "forgejo.ncaq.net",
            "ROOT_URL": "https://forgejo.ncaq.net/",
            "SSH_DOMAIN": "forgejo-ssh.ncaq.net",
            "START_SSH_SERVER": True,
        },
        "session": {"COOKIE_SECURE": True},
        "service": {"DISABLE_REGISTRATION": True, "REQUIRE_SIGNIN_VIEW": True},
        "repository": {"DEFAULT_BRANCH": "master"},
    }


# -- atticd.nix -----------------------------------------------------------------------


def test_atticd_container(atticd: dict[str, Any]) -> None:
    assert list(atticd["containers"]) == ["atticd"]
    c = atticd["containers"]["atticd"]
    assert (c["autoStart"], c["privateNetwork"]) == (True, True)
    assert (c["hostAddress"], c["localAddress"]) == ("192.168.100.20", "192.168.100.21")
    assert c["bindMounts"] == {
        "/run/postgresql": {"hostPath": "/run/postgresql", "isReadOnly": True},
        "/mnt/noa/atticd": {"hostPath": "/mnt/noa/atticd", "isReadOnly": False},
        "/etc/atticd.env": {"hostPath": "/etc/atticd.env", "isReadOnly": True},
    }


def test_atticd_host_side(atticd: dict[str, Any]) -> None:
    assert atticd["users"] == {
        "users": {"atticd": {"isSystemUser": True, "group": "atticd", "uid": 993}},
        "groups": {"atticd": {"gid": 988}},
    }
    assert atticd["systemd"]["tmpfiles"]["rules"] == ["d /mnt/noa/atticd 0750 atticd atticd -"]
    assert atticd["systemd"]["services"] == {"container@atticd": AFTER_POSTGRESQL}
    assert atticd["environment"]["systemPackages"] == [
        {"name": "atticd-atticadm", "text": 'exec nixos-container run atticd -- atticd-atticadm "$@"\n'}
    ]


def test_atticd_inside_the_container(atticd: dict[str, Any]) -> None:
    inner = atticd["containers"]["atticd"]["config"]
    assert inner["system"] == {"stateVersion": "25.05"}
    assert inner["networking"]["useHostResolvConf"] == MKFORCE_FALSE
    assert inner["networking"]["firewall"]["trustedInterfaces"] == ["eth0"]
    assert inner["services"]["resolved"] == {"enable": True}
    assert inner["users"]["users"]["atticd"]["uid"] == 993
    assert inner["users"]["groups"] == {"atticd": {"gid": 988}}
    service = inner["services"]["atticd"]
    assert service["enable"] is True
    assert service["environmentFile"] == "/etc/atticd.env"
    assert service["settings"]["listen"].endswith(":8080")  # atticd listens on 8080
    assert service["settings"]["storage"] == {"type": "local", "path": "/mnt/noa/atticd"}
    assert "/run/postgresql" in service["settings"]["database"]["url"]


# -- network.nix, cloudflared.nix, default.nix ---------------------------------------


def test_network_nat_and_firewall(seminar: dict[str, Any]) -> None:
    net = seminar["network.nix"]
    # externalInterface is deliberately left unset (the seed: the machine decides).
    assert net["networking"]["nat"] == {"enable": True, "internalInterfaces": ["ve-+"]}
    assert net["networking"]["firewall"] == {"trustedInterfaces": ["ve-+"]}


def test_network_postgresql(seminar: dict[str, Any]) -> None:
    pg = seminar["network.nix"]["services"]["postgresql"]
    assert pg["ensureDatabases"] == ["atticd", "forgejo"]
    assert pg["ensureUsers"] == [
        {"name": "atticd", "ensureDBOwnership": True},
        {"name": "forgejo", "ensureDBOwnership": True},
    ]


def test_cloudflared_local_ingress(seminar: dict[str, Any]) -> None:
    cf = seminar["cloudflared.nix"]["services"]["cloudflared"]
    assert cf["enable"] is True
    assert list(cf["tunnels"]) == ["seminar"]
    tunnel = cf["tunnels"]["seminar"]
    assert tunnel["ingress"] == {
        "forgejo.ncaq.net": "http://192.168.100.11:8080",
        "forgejo-ssh.ncaq.net": "ssh://192.168.100.11:2222",
        "nix-cache.ncaq.net": "http://192.168.100.21:8080",
    }
    assert tunnel["default"] == "http_status:404"
    # Keyed by tunnel.name as the seed is, so the unit keeps its name; cloudflared takes
    # the id from the credentials file.
    assert "    tunnels.seminar = {\n" in render(load_stack("seminar"))["cloudflared.nix"]
    # Credentials through a file outside the Nix store, never inline.
    assert tunnel["credentialsFile"].startswith("/")
    assert not tunnel["credentialsFile"].startswith("/nix/")


def test_default_imports_every_module(seminar: dict[str, Any]) -> None:
    assert seminar["default.nix"] == {
        "imports": ["./cloudflared.nix", "./containers/atticd.nix", "./containers/forgejo.nix", "./network.nix"]
    }


def test_every_file_has_the_generated_header() -> None:
    for rel, text in render(load_stack("seminar")).items():
        assert text.startswith("# "), rel
        assert "Generated by nixedge for host seminar" in text.split("\n{")[0], rel
        assert text.endswith("}\n"), rel


# -- other sites ----------------------------------------------------------------------


def test_seed_site_dict_renders_like_the_stack_file(tmp_path: Path) -> None:
    """The dict the mutation tests start from describes the same host as the stack file."""
    from_dict = render(site_from_data(seed_site()))
    from_file = render(load_stack("seminar"))
    assert sorted(from_dict) == sorted(from_file)
    evaluated = _render_and_eval(tmp_path, from_dict)
    assert evaluated["cloudflared.nix"]["services"]["cloudflared"]["tunnels"]["seminar"]["ingress"] == {
        "forgejo.ncaq.net": "http://192.168.100.11:8080",
        "forgejo-ssh.ncaq.net": "ssh://192.168.100.11:2222",
        "nix-cache.ncaq.net": "http://192.168.100.21:8080",
    }


def test_remote_ingress_module_evaluates(tmp_path: Path) -> None:
    data = seed_site()
    set_key(data, "tunnel.ingress", "remote")
    set_key(data, "host.nixosRelease", "26.05")  # nixedge's own unit; 26.11 has nixpkgs' tokenFile
    files = render(site_from_data(data))
    evaluated = _render_and_eval(tmp_path, files)
    unit = evaluated["cloudflared.nix"]["systemd"]["services"]["cloudflared-tunnel-seminar"]
    exe = "/nix/store/00000000000000000000000000000000-cloudflared-stub/bin/cloudflared"
    assert unit["serviceConfig"]["ExecStart"].startswith(f"{exe} tunnel ")
    # The token is a systemd credential read from a root-only file, not a Nix string.
    credential = unit["serviceConfig"]["LoadCredential"]
    assert credential.startswith("token:/var/lib/nixedge/secrets/"), credential
    assert "%d/token" in unit["serviceConfig"]["ExecStart"]
    assert "forgejo.ncaq.net" not in files["cloudflared.nix"]  # ingress rules live at Cloudflare


def test_dev_stack_renders_and_evaluates(tmp_path: Path) -> None:
    site = load_stack("dev")
    evaluated = _render_and_eval(tmp_path, render(site))
    uptime = evaluated["containers/uptime.nix"]["containers"]["uptime"]
    # A generic app's options arrive inside the container exactly as written in YAML.
    assert uptime["config"]["imports"] == [
        {"services": {"uptime-kuma": {"enable": True, "settings": {"HOST": "0.0.0.0", "PORT": "3001"}}}}
    ]
    # Left out in the stack, so allocated: a pair inside 10.231.0.0/24.
    assert uptime["hostAddress"].startswith("10.231.0.")
    assert uptime["localAddress"].startswith("10.231.0.")
    ingress = evaluated["cloudflared.nix"]["services"]["cloudflared"]["tunnels"]["dev"]["ingress"]
    assert ingress["status.example.test"] == f"http://{uptime['localAddress']}:3001"
    assert ingress["git-ssh.example.test"] == "ssh://10.231.0.11:2222"


STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (REPO / "stacks").glob("Pulumi.*.yaml"))


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_renders_to_parseable_nix(tmp_path: Path, stack: str) -> None:
    files = render(load_stack(stack))
    paths = write_tree(tmp_path, files)
    parse_files(paths)
    (default,) = eval_modules([tmp_path / "default.nix"], tmp_path)
    imports = default["imports"]
    assert imports == sorted(imports)
    assert all((tmp_path / rel).is_file() for rel in imports), imports
    assert {f"./{rel}" for rel in files if rel.startswith("containers/") or rel == "network.nix"} <= set(imports)
