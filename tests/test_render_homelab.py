"""The homelab stack (a multi-service host) renders to modules that evaluate to what its config means.

stacks/Pulumi.homelab.yaml is the worked example of issue 7: nine containers (PostgreSQL
in a container with no network, two CI runners sharing one user, a VPN with devices and
capabilities, user namespacing, resource limits, per-container firewalls), secrets and
modules by reference, and two routes to origins that are not containers. This file proves:

- every rendered file parses (`nix-instantiate --parse`), and every module evaluates
  against a stub of `lib`, `pkgs` and the flake `inputs` (an extension of
  tests/nix/stub.nix, written below) to the values written here from the stack config's
  meaning, not copied from the output;
- the render equals tests/golden/homelab/ byte for byte (regenerate with
  `UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_render_homelab.py`, like the
  seminar golden test; the run that rewrites the files fails, so an update is never a pass);
- every ```nix excerpt in docs/multi-service.md appears verbatim (up to indentation) in
  the render, and every ```yaml excerpt in the stack file, so the worked example cannot rot.

The seminar stack's golden files are checked by tests/test_render_golden.py.
"""

from __future__ import annotations

import difflib
import json
import os
import re
from ipaddress import IPv4Address, IPv4Network
from pathlib import Path
from typing import Any

import pytest

from components.model import ResolvedSite, load_stack
from components.nixos.render import render
from tests.nixeval import REPO, TESTS, eval_expr, parse_files, write_tree

GOLDEN = TESTS / "golden" / "homelab"
DOC = REPO / "docs" / "multi-service.md"
STACK_FILE = REPO / "stacks" / "Pulumi.homelab.yaml"
SUBNET = IPv4Network("10.40.0.0/24")

CONTAINERS = ["atticd", "forgejo", "garage", "postgres", "runner1", "runner2", "uptime", "vault", "vpn"]
SHIPPED_MODULE = "modules/docs/examples/uptime-extra.nix"
MKFORCE_FALSE = {"_type": "override", "priority": 50, "content": False}
POSTGRESQL_STUB = "stub:pkgs.postgresql"
SOPS_STUB = "stub:inputs.sops-nix.nixosModules.sops"
READY = "nixedge-postgres-ready.service"

# tests/nix/stub.nix, plus what the homelab modules need: `inputs` (flake modules by
# reference), `pkgs.postgresql` (the readiness unit) and `lib.mkDefault` (the shipped module).
STUB = f"""
{{
  file,
  root ? toString (dirOf (/. + file)),
}}:
let
  lib = {{
    mkForce = content: {{
      _type = "override";
      priority = 50;
      inherit content;
    }};
    mkDefault = content: {{
      _type = "override";
      priority = 1000;
      inherit content;
    }};
    getExe = drv: "${{drv.outPath}}/bin/${{drv.meta.mainProgram}}";
  }};
  pkgs = {{
    cloudflared = {{
      name = "cloudflared-stub";
      outPath = "/nix/store/00000000000000000000000000000000-cloudflared-stub";
      meta.mainProgram = "cloudflared";
    }};
    postgresql = "{POSTGRESQL_STUB}";
    writeShellScriptBin = name: text: {{ inherit name text; }};
  }};
  inputs.sops-nix.nixosModules.sops = "{SOPS_STUB}";
  containerConfig.services.forgejo.package = "stub:forgejo-package";
  relative =
    p:
    let
      text = toString p;
      prefix = builtins.substring 0 (builtins.stringLength root + 1) text;
    in
    if !builtins.isPath p then
      p
    else if prefix == root + "/" then
      "." + builtins.substring (builtins.stringLength root) (-1) text
    else
      throw "import outside the rendered directory ${{root}}: ${{text}}";
  withImports = m: if m ? imports then m // {{ imports = map relative m.imports; }} else m;
  call = f: args: if builtins.isFunction f then f args else f;
  inner = c:
    c // (if c ? config then {{
      config = withImports (call c.config {{
        inherit lib pkgs;
        config = containerConfig;
      }});
    }} else {{ }});
  module = withImports (call (import (/. + file)) {{
    inherit lib pkgs inputs;
    config = {{ }};
  }});
in
module // (if module ? containers then {{ containers = builtins.mapAttrs (_: inner) module.containers; }} else {{ }})
"""


def eval_with_stub(stub: Path, paths: list[Path], root: Path) -> list[Any]:
    """Each module evaluated (strictly, to JSON) against STUB, in one nix-instantiate process."""
    files = " ".join(json.dumps(str(p.resolve())) for p in paths)
    expr = f"map (file: import {stub} {{ inherit file; root = {json.dumps(str(root.resolve()))}; }}) [ {files} ]"
    out = eval_expr(expr)
    assert isinstance(out, list) and len(out) == len(paths)
    return out


@pytest.fixture(scope="module")
def site() -> ResolvedSite:
    return load_stack("homelab")


@pytest.fixture(scope="module")
def files(site: ResolvedSite) -> dict[str, str]:
    return render(site)


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory: pytest.TempPathFactory, files: dict[str, str]) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("homelab")
    paths = write_tree(root, files)
    parse_files(paths)
    stub = tmp_path_factory.mktemp("stub") / "stub.nix"
    stub.write_text(STUB, encoding="utf-8")
    return dict(zip(files, eval_with_stub(stub, paths, root), strict=True))


def block(evaluated: dict[str, Any], name: str) -> dict[str, Any]:
    """`containers.<name>` of containers/<name>.nix, with its inner `config` evaluated."""
    module = evaluated[f"containers/{name}.nix"]
    assert list(module["containers"]) == [name]
    return module["containers"][name]  # type: ignore[no-any-return]


def inner(evaluated: dict[str, Any], name: str) -> dict[str, Any]:
    return block(evaluated, name)["config"]  # type: ignore[no-any-return]


def units(evaluated: dict[str, Any], name: str) -> dict[str, Any]:
    return evaluated[f"containers/{name}.nix"].get("systemd", {}).get("services", {})  # type: ignore[no-any-return]


def user_attrs(name: str, uid: int, gid: int) -> dict[str, Any]:
    return {"users": {name: {"isSystemUser": True, "group": name, "uid": uid}}, "groups": {name: {"gid": gid}}}


# -- the files -------------------------------------------------------------------------


def test_one_module_per_container_and_the_shipped_module(files: dict[str, str]) -> None:
    expected = ["cloudflared.nix", "default.nix", "network.nix", SHIPPED_MODULE]
    expected += [f"containers/{name}.nix" for name in CONTAINERS]
    assert sorted(files) == sorted(expected)


def test_every_file_parses_and_every_module_evaluates(evaluated: dict[str, Any], files: dict[str, str]) -> None:
    assert sorted(evaluated) == sorted(files)
    for rel, text in files.items():
        if rel.startswith("modules/"):
            continue  # the user's own module, shipped as is
        assert text.startswith("# ") and "Generated by nixedge for host homelab" in text, rel


def test_default_imports_the_generated_modules_but_not_the_shipped_one(evaluated: dict[str, Any]) -> None:
    # The shipped module is imported only by the container that names it, inside it.
    assert evaluated["default.nix"] == {
        "imports": ["./cloudflared.nix"] + [f"./containers/{n}.nix" for n in CONTAINERS] + ["./network.nix"]
    }


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def test_no_secret_marker_reaches_the_nix(evaluated: dict[str, Any], files: dict[str, str]) -> None:
    # {_secret: NAME} became the secret's path everywhere (garage's rpc_secret_file is no marker).
    assert "_secret" not in _keys(evaluated)
    for rel, text in files.items():
        assert re.search(r"(?<![\w-])_secret(?![\w-])", text) is None, rel


def test_the_stack_has_no_warnings(site: ResolvedSite) -> None:
    # Every container name has at most 11 characters; every hostname is one level below the zone.
    assert site.warnings == ()


# -- isolation -------------------------------------------------------------------------


def test_vault_private_users_pick_with_idmapped_state_dir(evaluated: dict[str, Any]) -> None:
    vault = block(evaluated, "vault")
    assert vault["privateUsers"] == "pick"
    # Shifted ids: its mounts are id-mapped nspawn binds, as bindMounts cannot say idmap.
    assert "bindMounts" not in vault
    assert vault["extraFlags"] == ["--bind=/srv/vaultwarden:/srv/vaultwarden:idmap"]
    assert "ephemeral" not in vault
    assert evaluated["containers/vault.nix"]["systemd"]["tmpfiles"]["rules"] == [
        "d /srv/vaultwarden 0750 vaultwarden vaultwarden -"
    ]


def test_runner2_is_ephemeral_and_runner1_does_not_start_at_boot(evaluated: dict[str, Any]) -> None:
    runner1, runner2 = block(evaluated, "runner1"), block(evaluated, "runner2")
    assert runner2["ephemeral"] is True
    assert runner2["autoStart"] is True
    assert runner1["autoStart"] is False
    assert "ephemeral" not in runner1
    for name in CONTAINERS:
        if name != "runner1":
            assert block(evaluated, name)["autoStart"] is True, name


def test_vpn_devices_capabilities_flags_and_forwarded_port(evaluated: dict[str, Any]) -> None:
    vpn = block(evaluated, "vpn")
    assert vpn["allowedDevices"] == [{"node": "/dev/net/tun", "modifier": "rwm"}]
    assert vpn["additionalCapabilities"] == ["CAP_NET_ADMIN"]
    assert vpn["extraFlags"] == ["--drop-capability=CAP_SYS_CHROOT"]
    assert vpn["forwardPorts"] == [{"protocol": "udp", "hostPort": 51820, "containerPort": 51820}]
    assert inner(evaluated, "vpn")["networking"]["firewall"] == {"allowedTCPPorts": [], "allowedUDPPorts": [51820]}


def test_isolation_options_only_where_the_stack_sets_them(evaluated: dict[str, Any]) -> None:
    options = {"privateUsers", "ephemeral", "allowedDevices", "additionalCapabilities", "forwardPorts", "extraFlags"}
    expected = {
        "vault": {"privateUsers", "extraFlags"},
        "runner2": {"ephemeral"},
        "vpn": {"allowedDevices", "additionalCapabilities", "forwardPorts", "extraFlags"},
    }
    for name in CONTAINERS:
        assert set(block(evaluated, name)) & options == expected.get(name, set()), name


def test_resource_limits_on_container_units(evaluated: dict[str, Any]) -> None:
    assert units(evaluated, "postgres")["container@postgres"]["serviceConfig"] == {
        "MemoryHigh": "1G",
        "MemoryMax": "2G",
    }
    assert units(evaluated, "garage")["container@garage"]["serviceConfig"] == {"MemoryMax": "4G", "CPUQuota": "200%"}
    for name in CONTAINERS:
        if name not in ("postgres", "garage"):
            assert "serviceConfig" not in units(evaluated, name).get(f"container@{name}", {}), name


# -- firewall --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "tcp"),
    [("forgejo", [2222, 8080]), ("garage", [3900, 3901]), ("atticd", [8080])],
)
def test_firewall_mode_ports_opens_routes_and_listed_ports_only(
    evaluated: dict[str, Any], name: str, tcp: list[int]
) -> None:
    # Routes (forgejo: http 8080 and ssh 2222; garage: s3 3900) plus allowedTcpPorts (garage: 3901).
    assert inner(evaluated, name)["networking"]["firewall"] == {"allowedTCPPorts": tcp}


@pytest.mark.parametrize("name", ["runner1", "runner2", "uptime", "vault"])
def test_firewall_mode_trusted_trusts_eth0(evaluated: dict[str, Any], name: str) -> None:
    assert inner(evaluated, name)["networking"]["firewall"] == {"trustedInterfaces": ["eth0"]}


def test_every_container_resolves_names_itself(evaluated: dict[str, Any]) -> None:
    for name in CONTAINERS:
        config = inner(evaluated, name)
        assert config["system"] == {"stateVersion": "25.05"}, name
        assert config["networking"]["useHostResolvConf"] == MKFORCE_FALSE, name
        assert config["services"]["resolved"] == {"enable": True}, name


# -- addresses -------------------------------------------------------------------------


def test_addresses_given_or_allocated_unique_in_the_subnet(evaluated: dict[str, Any]) -> None:
    assert (block(evaluated, "forgejo")["hostAddress"], block(evaluated, "forgejo")["localAddress"]) == (
        "10.40.0.10",
        "10.40.0.11",
    )
    assert (block(evaluated, "atticd")["hostAddress"], block(evaluated, "atticd")["localAddress"]) == (
        "10.40.0.20",
        "10.40.0.21",
    )
    used = ["10.40.0.50"]  # the guest origin homeassistant
    for name in CONTAINERS:
        if name == "postgres":
            continue
        c = block(evaluated, name)
        assert c["privateNetwork"] is True
        used += [c["hostAddress"], c["localAddress"]]
    assert len(set(used)) == len(used)
    assert all(IPv4Address(a) in SUBNET for a in used), used


# -- PostgreSQL in a container ---------------------------------------------------------


def test_postgres_container_has_no_address_and_owns_the_socket_dir(evaluated: dict[str, Any]) -> None:
    pg = block(evaluated, "postgres")
    assert pg["privateNetwork"] is True
    assert "hostAddress" not in pg and "localAddress" not in pg
    assert pg["bindMounts"] == {
        "/run/postgresql": {"hostPath": "/run/nixedge/postgres", "isReadOnly": False},
        "/var/lib/postgresql": {"hostPath": "/var/lib/postgresql", "isReadOnly": False},
    }
    module = evaluated["containers/postgres.nix"]
    assert module["users"] == user_attrs("postgres", 71, 71)
    assert module["systemd"]["tmpfiles"]["rules"] == [
        "d /var/lib/postgresql 0750 postgres postgres -",
        "d /run/nixedge/postgres 0755 postgres postgres -",
    ]
    # No eth0 without addresses: no firewall rule inside at all.
    assert "firewall" not in inner(evaluated, "postgres")["networking"]


def test_postgres_databases_roles_and_client_users_inside(evaluated: dict[str, Any]) -> None:
    config = inner(evaluated, "postgres")
    assert config["services"]["postgresql"] == {
        "enable": True,
        "ensureDatabases": ["atticd", "forgejo"],
        "ensureUsers": [
            {"name": "atticd", "ensureDBOwnership": True},
            {"name": "forgejo", "ensureDBOwnership": True},
        ],
    }
    # Peer authentication maps the client's uid to a name inside the server: same ids as the clients'.
    assert config["users"] == {
        "users": {
            "postgres": {"isSystemUser": True, "group": "postgres", "uid": 71},
            "atticd": {"isSystemUser": True, "group": "atticd", "uid": 993},
            "forgejo": {"isSystemUser": True, "group": "forgejo", "uid": 991},
        },
        "groups": {"postgres": {"gid": 71}, "atticd": {"gid": 988}, "forgejo": {"gid": 986}},
    }


def test_readiness_unit_waits_for_the_socket(evaluated: dict[str, Any]) -> None:
    unit = units(evaluated, "postgres")["nixedge-postgres-ready"]
    assert unit["after"] == ["container@postgres.service"]
    assert unit["requires"] == ["container@postgres.service"]
    assert unit["serviceConfig"] == {"Type": "oneshot", "RemainAfterExit": True}
    assert unit["path"] == [POSTGRESQL_STUB]
    assert "pg_isready --quiet --host=/run/nixedge/postgres && exit 0" in unit["script"]
    assert unit["script"].rstrip().endswith("exit 1")  # gives up instead of waiting forever


@pytest.mark.parametrize(("name", "uid", "gid"), [("forgejo", 991, 986), ("atticd", 993, 988)])
def test_postgres_clients_mount_the_socket_and_order_on_readiness(
    evaluated: dict[str, Any], name: str, uid: int, gid: int
) -> None:
    c = block(evaluated, name)
    assert c["bindMounts"]["/run/postgresql"] == {"hostPath": "/run/nixedge/postgres", "isReadOnly": True}
    unit = units(evaluated, name)[f"container@{name}"]
    assert unit["after"] == [READY]
    assert unit["requires"] == [READY]
    assert evaluated[f"containers/{name}.nix"]["users"] == user_attrs(name, uid, gid)
    assert inner(evaluated, name)["users"] == user_attrs(name, uid, gid)


def test_client_services_use_the_socket(evaluated: dict[str, Any]) -> None:
    forgejo = inner(evaluated, "forgejo")["services"]["forgejo"]
    assert forgejo["database"] == {"type": "postgres", "createDatabase": False, "socket": "/run/postgresql"}
    atticd = inner(evaluated, "atticd")["services"]["atticd"]
    assert atticd["settings"]["database"] == {"url": "postgresql:///atticd?host=/run/postgresql"}


def test_host_postgresql_is_not_used(evaluated: dict[str, Any]) -> None:
    network = evaluated["network.nix"]
    assert "services" not in network
    assert network["networking"] == {
        "nat": {"enable": True, "internalInterfaces": ["ve-+"]},
        "firewall": {"trustedInterfaces": ["ve-+"]},
    }


# -- shared user -----------------------------------------------------------------------


def test_runners_share_one_user_identically(evaluated: dict[str, Any]) -> None:
    runner = user_attrs("runner", 3000, 3000)
    assert evaluated["containers/runner1.nix"]["users"] == runner
    assert evaluated["containers/runner2.nix"]["users"] == runner
    assert inner(evaluated, "runner1")["users"] == runner
    assert inner(evaluated, "runner2")["users"] == runner


# -- secrets by reference ----------------------------------------------------------------


def test_secrets_are_mounted_read_only_at_their_paths(evaluated: dict[str, Any]) -> None:
    expected = {
        "atticd": "/run/secrets/atticd-env",
        "garage": "/run/agenix/garage-rpc",
        "runner1": "/run/secrets/runner-token",
        "runner2": "/run/secrets/runner-token",
    }
    for name, path in expected.items():
        assert block(evaluated, name)["bindMounts"][path] == {"hostPath": path, "isReadOnly": True}, name
    for name in sorted(set(CONTAINERS) - set(expected)):
        mounts = block(evaluated, name).get("bindMounts", {})
        assert not any(p.startswith(("/run/secrets", "/run/agenix")) for p in mounts), name


def test_secret_values_become_their_paths(evaluated: dict[str, Any]) -> None:
    garage = inner(evaluated, "garage")["imports"]
    assert garage[0]["services"]["garage"]["settings"]["rpc_secret_file"] == "/run/agenix/garage-rpc"
    runner1 = inner(evaluated, "runner1")["imports"][1]["services"]["gitea-actions-runner"]["instances"]["first"]
    runner2 = inner(evaluated, "runner2")["imports"][0]["services"]["gitea-actions-runner"]["instances"]["second"]
    assert runner1["tokenFile"] == runner2["tokenFile"] == "/run/secrets/runner-token"
    assert inner(evaluated, "atticd")["services"]["atticd"]["environmentFile"] == "/run/secrets/atticd-env"


def test_units_start_after_the_unit_that_installs_their_secret(evaluated: dict[str, Any]) -> None:
    # runner-token names sops-install-secrets.service; atticd-env and garage-rpc name no unit.
    for name in ("runner1", "runner2"):
        unit = units(evaluated, name)[f"container@{name}"]
        assert unit == {"after": ["sops-install-secrets.service"], "requires": ["sops-install-secrets.service"]}
    assert "after" not in units(evaluated, "garage")["container@garage"]
    assert units(evaluated, "atticd")["container@atticd"]["after"] == [READY]


# -- modules by reference --------------------------------------------------------------


def test_runner1_imports_a_flake_module_through_inputs(evaluated: dict[str, Any], files: dict[str, str]) -> None:
    imports = inner(evaluated, "runner1")["imports"]
    assert imports[0] == SOPS_STUB
    assert len(imports) == 2 and isinstance(imports[1], dict)
    assert files["containers/runner1.nix"].split("}:")[0].endswith("{\n  inputs,\n  ...\n")
    for name in CONTAINERS:
        if name != "runner1":
            assert "inputs" not in files[f"containers/{name}.nix"], name


def test_uptime_imports_the_shipped_module_by_path(evaluated: dict[str, Any], files: dict[str, str]) -> None:
    imports = inner(evaluated, "uptime")["imports"]
    assert imports[0] == f"./{SHIPPED_MODULE}"
    assert imports[1] == {
        "services": {"uptime-kuma": {"enable": True, "settings": {"HOST": "0.0.0.0", "PORT": "3001"}}}
    }
    source = (REPO / "docs" / "examples" / "uptime-extra.nix").read_text(encoding="utf-8")
    assert files[SHIPPED_MODULE] == source


def test_the_shipped_module_evaluates(evaluated: dict[str, Any]) -> None:
    assert evaluated[SHIPPED_MODULE] == {
        "services": {"uptime-kuma": {"appriseSupport": {"_type": "override", "priority": 1000, "content": True}}}
    }


# -- the tunnel ------------------------------------------------------------------------


def test_remote_cloudflared_with_credential_and_udp_buffers(evaluated: dict[str, Any], files: dict[str, str]) -> None:
    module = evaluated["cloudflared.nix"]
    assert "services" not in module  # remote ingress: no services.cloudflared on the host
    unit = module["systemd"]["services"]["cloudflared-tunnel-homelab"]
    config = unit["serviceConfig"]
    assert config["LoadCredential"] == "token:/var/lib/nixedge/secrets/cloudflared-homelab.token"
    assert config["ExecStart"] == (
        "/nix/store/00000000000000000000000000000000-cloudflared-stub/bin/cloudflared"
        " tunnel --no-autoupdate run --token-file %d/token"
    )
    assert config["DynamicUser"] is True
    assert unit["wantedBy"] == ["multi-user.target"]
    assert module["boot"]["kernel"]["sysctl"] == {"net.core.rmem_max": 7500000, "net.core.wmem_max": 7500000}
    assert "example.org" not in files["cloudflared.nix"]  # ingress rules live at Cloudflare


def test_routes_in_hostname_order_with_origins(site: ResolvedSite) -> None:
    def local(name: str) -> str:
        address = site.container(name).local_address
        assert address is not None and IPv4Address(address) in SUBNET
        return address

    assert [(r.hostname, r.service, r.container, r.kind) for r in site.routes] == [
        ("cache.example.org", "http://10.40.0.21:8080", "atticd", "container"),
        ("git-ssh.example.org", "ssh://10.40.0.11:2222", "forgejo", "container"),
        ("git.example.org", "http://10.40.0.11:8080", "forgejo", "container"),
        ("grafana.example.org", "http://127.0.0.1:3000", "grafana", "host"),
        ("home.example.org", "http://10.40.0.50:8123", "homeassistant", "guest"),
        ("s3.example.org", f"http://{local('garage')}:3900", "garage", "container"),
        ("status.example.org", f"http://{local('uptime')}:3001", "uptime", "container"),
        ("vault.example.org", f"http://{local('vault')}:8222", "vault", "container"),
    ]
    assert site.tunnel is not None
    assert site.tunnel.catch_all == "http_status:404"
    assert [(r.name, r.type, r.content, r.proxied) for r in site.tunnel.dns_records] == [
        ("vpn.example.org", "A", "203.0.113.7", False)
    ]


# -- golden files ----------------------------------------------------------------------


def _golden() -> dict[str, str]:
    return {p.relative_to(GOLDEN).as_posix(): p.read_text(encoding="utf-8") for p in GOLDEN.rglob("*") if p.is_file()}


def test_homelab_render_matches_golden_files(files: dict[str, str]) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        for old in GOLDEN.rglob("*"):
            if old.is_file() and old.relative_to(GOLDEN).as_posix() not in files:
                old.unlink()
        write_tree(GOLDEN, files)
        pytest.fail(f"UPDATE_GOLDEN is set: rewrote {len(files)} files in {GOLDEN}; review the diff, then rerun")
    golden = _golden()
    assert sorted(golden) == sorted(files), "the set of rendered files changed; rerun with UPDATE_GOLDEN=1"
    diffs = [
        "".join(difflib.unified_diff(golden[rel].splitlines(True), text.splitlines(True), f"golden/{rel}", rel))
        for rel, text in files.items()
        if golden[rel] != text
    ]
    assert not diffs, "rendered Nix differs from tests/golden/homelab (UPDATE_GOLDEN=1 to accept):\n" + "".join(diffs)


def test_render_is_deterministic(site: ResolvedSite, files: dict[str, str]) -> None:
    assert render(load_stack("homelab")) == files
    assert list(files) == sorted(files)
    for rel, text in files.items():
        assert "\t" not in text and " \n" not in text, rel
        assert text.endswith("\n") and not text.endswith("\n\n"), rel


# -- the worked example in docs/ -------------------------------------------------------

NOT_RENDERED = "<!-- excerpt: not from the render -->"
"""Put on the line before a ```nix block that shows the reader's own Nix (their flake.nix)."""


def excerpts(lang: str) -> list[str]:
    """The bodies of the doc's fenced blocks whose info string is `lang`, except NOT_RENDERED ones."""
    out: list[str] = []
    before = ""
    body: list[str] | None = None
    info, skip = "", False
    for line in DOC.read_text(encoding="utf-8").splitlines():
        if body is None:
            if line.startswith("```"):
                info, body = line[3:].strip(), []
                skip = before == NOT_RENDERED
            elif line.strip():
                before = line.strip()
        elif line.startswith("```"):
            if info == lang and not skip:
                out.append("\n".join(body) + "\n")
            body, before = None, ""
        else:
            body.append(line)
    assert body is None, f"{DOC}: a fenced block is not closed"
    return out


def appears_in(excerpt: str, text: str) -> bool:
    """Whether the excerpt's lines are consecutive lines of `text`, all shifted by one indentation."""
    want = excerpt.rstrip("\n").split("\n")
    lines = text.split("\n")
    for start in range(len(lines) - len(want) + 1):
        first = lines[start]
        if not first.endswith(want[0]):
            continue
        indent = first[: len(first) - len(want[0])]
        if indent.strip():
            continue
        if all(lines[start + i] == (indent + w if w else w) for i, w in enumerate(want)):
            return True
    return False


def test_appears_in_matches_whole_lines_only() -> None:
    text = "{\n  a = {\n    b = 1;\n  };\n}\n"
    assert appears_in("a = {\n  b = 1;\n};\n", text)
    assert not appears_in("a = {\n b = 1;\n};\n", text)  # indentation inside the excerpt matters
    assert not appears_in("b = 2;\n", text)
    assert not appears_in("= 1;\n", text)


def test_every_nix_excerpt_of_the_doc_is_in_the_render(files: dict[str, str]) -> None:
    blocks = excerpts("nix")
    assert len(blocks) >= 8, f"{DOC} should show the Nix of each section"
    missing = [b for b in blocks if not any(appears_in(b, text) for text in files.values())]
    assert not missing, "these ```nix excerpts of docs/multi-service.md are not in the homelab render:\n" + (
        "\n---\n".join(missing)
    )


def test_every_yaml_excerpt_of_the_doc_is_in_the_stack_file() -> None:
    blocks = excerpts("yaml")
    assert len(blocks) >= 8, f"{DOC} should show the config of each section"
    stack = STACK_FILE.read_text(encoding="utf-8")
    missing = [b for b in blocks if not appears_in(b, stack)]
    assert not missing, "these ```yaml excerpts of docs/multi-service.md are not in the stack file:\n" + (
        "\n---\n".join(missing)
    )
