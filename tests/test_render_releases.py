"""`host.nixosRelease` renders what that release's nixpkgs needs, and only that.

- PostgreSQL on the host: from 25.11 on a container orders after `postgresql.target`
  (the server with its ensured databases and roles), before after `postgresql.service`;
  the container's other units stay as the stack lists them.
- Remote ingress: from 26.11 on nixpkgs' `services.cloudflared.tunnels.<name>.tokenFile`,
  before a unit of the same name (`cloudflared-tunnel-<name>`) in the same LoadCredential
  form; both assert cloudflared 2025.4.0 or newer (`--token-file`) at evaluation.
- Every release's render evaluates against tests/nix/stub.nix.
- A release nixedge does not support is refused, with the key and the supported list.
"""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from components.errors import ConfigError
from components.model import ResolvedSite, site_from_data
from components.model.releases import DEFAULT_RELEASE, RELEASES
from components.nixos.render import render
from components.stackfile import load_stack
from tests.nixeval import eval_modules, parse_files, write_tree
from tests.site_mutations import seed_site


def at(site: ResolvedSite, release: str) -> ResolvedSite:
    return replace(site, nixos_release=release)


def evaluated(tmp_path: Path, files: dict[str, str], *names: str) -> dict[str, Any]:
    chosen = {name: files[name] for name in names}
    paths = write_tree(tmp_path, chosen)
    parse_files(paths)
    return dict(zip(chosen, eval_modules(paths, tmp_path), strict=True))


def test_the_default_is_the_newest_release() -> None:
    assert RELEASES[-1] == DEFAULT_RELEASE
    data = seed_site()
    assert site_from_data(data).nixos_release == DEFAULT_RELEASE
    data["host"]["nixosRelease"] = "25.05"
    assert site_from_data(data).nixos_release == "25.05"


@pytest.mark.parametrize("release", RELEASES)
def test_host_postgresql_readiness_unit(tmp_path: Path, release: str) -> None:
    data = seed_site()
    data["containers"]["forgejo"]["after"] = ["network-online.target"]
    site = at(site_from_data(data), release)
    unit = "postgresql.service" if release == "25.05" else "postgresql.target"
    files = render(site)
    tree = evaluated(tmp_path, files, "containers/forgejo.nix", "containers/atticd.nix")
    for name in ("forgejo", "atticd"):
        ordering = tree[f"containers/{name}.nix"]["systemd"]["services"][f"container@{name}"]
        after = [unit, "network-online.target"] if name == "forgejo" else [unit]
        assert (ordering["after"], ordering["requires"]) == (after, [unit]), f"{name} at {release}"


def test_postgresql_in_a_container_keeps_its_own_readiness_unit() -> None:
    homelab = load_stack("homelab")
    renders = {release: render(at(homelab, release)) for release in RELEASES}
    # PostgreSQL runs in a container there: no release changes the container modules.
    containers = {r: {k: v for k, v in files.items() if k.startswith("containers/")} for r, files in renders.items()}
    assert all(c == containers[RELEASES[0]] for c in containers.values())
    assert "postgresql.target" not in "".join(containers[DEFAULT_RELEASE].values())


@pytest.mark.parametrize("release", RELEASES)
def test_remote_cloudflared_per_release(tmp_path: Path, release: str) -> None:
    homelab = load_stack("homelab")
    module = evaluated(tmp_path, render(at(homelab, release)), "cloudflared.nix")["cloudflared.nix"]
    token = "/var/lib/nixedge/secrets/cloudflared-homelab.token"
    if release == "26.11":
        assert module["services"]["cloudflared"]["tunnels"] == {"homelab": {"tokenFile": token}}
        assert "systemd" not in module
    else:
        assert "services" not in module
        config = module["systemd"]["services"]["cloudflared-tunnel-homelab"]["serviceConfig"]
        assert config["LoadCredential"] == f"token:{token}"
        assert config["ExecStart"].endswith("/bin/cloudflared tunnel --no-autoupdate run --token-file %d/token")
    [check] = module["assertions"]
    assert check["assertion"] is True  # the stub's cloudflared is 2025.4.0
    assert check["message"].endswith("needs cloudflared 2025.4.0 or newer")


def test_the_version_assertion_checks_the_package_that_runs(tmp_path: Path) -> None:
    homelab = load_stack("homelab")
    new = render(at(homelab, "26.11"))["cloudflared.nix"]
    old = render(at(homelab, "26.05"))["cloudflared.nix"]
    assert 'lib.versionAtLeast config.services.cloudflared.package.version "2025.4.0"' in new
    assert 'lib.versionAtLeast pkgs.cloudflared.version "2025.4.0"' in old


def test_local_ingress_is_the_same_on_every_release() -> None:
    seminar = load_stack("seminar")
    texts = {render(at(seminar, release))["cloudflared.nix"] for release in RELEASES}
    assert len(texts) == 1


@pytest.mark.parametrize(
    ("value", "shown"),
    [("24.11", "'24.11'"), ("unstable", "'unstable'")],
)
def test_invalid_nixos_release(value: str, shown: str) -> None:
    data = copy.deepcopy(seed_site())
    data["host"]["nixosRelease"] = value
    with pytest.raises(ConfigError) as caught:
        site_from_data(data, "stack test")
    assert (
        "host.nixosRelease: must be a NixOS release nixedge supports: 25.05, 25.11, 26.05, 26.11 (as a string) "
        f"(got: {shown})"
    ) in str(caught.value)


def test_an_unquoted_release_is_refused() -> None:
    data = seed_site()
    data["host"]["nixosRelease"] = 25.05  # what YAML reads from `nixosRelease: 25.05`
    with pytest.raises(ConfigError, match=r"host\.nixosRelease: .*\(got: 25\.05\)"):
        site_from_data(data, "stack test")
