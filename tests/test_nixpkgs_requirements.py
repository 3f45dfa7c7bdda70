"""Every example stack sets what the nixpkgs modules of its services require.

The examples are the stack files (stacks/*.yaml) and the stacks the docs write (the
here-documents of README.md and docs/*.md into stacks/Pulumi.<name>.yaml; `>>` appends
to the committed file). Each is rendered, every file evaluated against the stubs of
tests/nix/stub.nix, and each container's config merged with the modules it imports:
data inline, module files (shipped under modules/) evaluated with the same stubs, flake
modules left opaque. Then, for each service of tests/nixpkgs_requirements.py that a
config enables: its options without a default are set, the container options its
defaults read are set, values it fixes agree, its assertions hold, and the directories
it keeps its data in lie in a read-write bind mount of the container.

One test per table entry (each preset's service, each example app, and what every
container and the host declare), each also proving that some example exercises its
entry; a test that every service an example sets has an entry; and tests that the
check finds what a real NixOS refuses or misplaces: homelab's garage without its
package module (the state before issue 15), Vaultwarden's data outside its stateDir,
and a postgres uid other than nixpkgs' fixed 71.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.errors import ConfigError
from components.nixos.render import render
from components.stackfile import read_stack_file, site_in_project
from tests import nixpkgs_requirements as req
from tests.nixeval import eval_modules, parse_files, write_tree
from tests.paths import REPO

DOCUMENTS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
HEREDOC = re.compile(r"^cat (>>?) (stacks/Pulumi\.[a-z0-9-]+\.yaml) <<'EOF'\n(.*?)^EOF$", re.MULTILINE | re.DOTALL)
TABLE = "tests/nixpkgs_requirements.py"
ENTRIES = [req.CONTAINER, req.HOST, *req.SERVICES]


def example_stacks() -> dict[str, Any]:
    """Every example's `nixedge:site` value, by where it comes from."""
    out: dict[str, Any] = {}
    for path in sorted((REPO / "stacks").glob("Pulumi.*.yaml")):
        out[f"stacks/{path.name}"] = read_stack_file(path)
    for doc in DOCUMENTS:
        for op, rel, body in HEREDOC.findall(doc.read_text(encoding="utf-8")):
            text = (REPO / rel).read_text(encoding="utf-8") + body if op == ">>" else body
            out[f"{doc.relative_to(REPO)} ({rel})"] = yaml.safe_load(text)["config"]["nixedge:site"]
    return out


def merge(into: dict[str, Any], more: Any) -> None:
    """Deep-merge attribute sets, as the module system merges `imports` (values: last wins)."""
    for key, val in more.items():
        if isinstance(val, dict) and isinstance(into.get(key), dict) and val.get("_type") != "override":
            merge(into[key], val)
        else:
            into[key] = copy.deepcopy(val)


@dataclass
class Rendered:
    containers: dict[str, dict[str, Any]]  # name -> its inner config with its imports merged
    mounts: dict[str, list[str]]  # name -> the paths of its read-write bind mounts
    host: dict[str, Any]  # every host-side module merged


def evaluate(data: Any, root: Path) -> Rendered:
    files = render(site_in_project(copy.deepcopy(data), "example", REPO))
    paths = write_tree(root, files)
    parse_files(paths)
    host: dict[str, Any] = {}
    inner: dict[str, dict[str, Any]] = {}
    mounts: dict[str, list[str]] = {}
    for module in eval_modules(paths, root):
        if not isinstance(module, dict):
            continue  # a value file (tunnel-id.nix)
        merge(host, {k: v for k, v in module.items() if k not in ("containers", "imports")})
        for name, block in module.get("containers", {}).items():
            inner[name] = dict(block["config"])
            mounts[name] = [p for p, m in block.get("bindMounts", {}).items() if not m["isReadOnly"]]
            # With privateUsers, mounts are id-mapped nspawn flags: --bind=SRC:DST:idmap.
            mounts[name] += [f.split(":")[1] for f in block.get("extraFlags", []) if f.startswith("--bind=")]
    shipped = sorted({i for c in inner.values() for i in c.get("imports", []) if isinstance(i, str) and i[:2] == "./"})
    by_path = dict(zip(shipped, eval_modules([root / i for i in shipped], root), strict=True)) if shipped else {}
    containers: dict[str, dict[str, Any]] = {}
    for name, config in inner.items():
        merged = {k: v for k, v in config.items() if k != "imports"}
        for imported in config.get("imports", []):
            if isinstance(imported, dict):
                merge(merged, imported)
            elif imported in by_path:
                merge(merged, by_path[imported])
            # else a flake module ("stub:inputs..."): nixedge cannot see inside it.
        containers[name] = merged
    return Rendered(containers, mounts, host)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Rendered]:
    stacks = example_stacks()
    return {name: evaluate(data, tmp_path_factory.mktemp("example")) for name, data in stacks.items()}


Scope = tuple[str, Any, dict[str, Any], "list[str] | None"]


def configs(rendered: dict[str, Rendered], entry: req.Service) -> Iterator[Scope]:
    """(where, the entry's attrs, the whole config, its read-write mounts or None on the host)."""
    for example, r in rendered.items():
        scopes: list[tuple[str, dict[str, Any], list[str] | None]] = []
        if entry is not req.HOST:
            scopes += [(f"containers.{n}", c, r.mounts[n]) for n, c in sorted(r.containers.items())]
        if entry is not req.CONTAINER:
            scopes.append(("host", r.host, None))
        for scope, config, mounts in scopes:
            attrs = req.get(config, entry.path) if entry.path else config
            if isinstance(attrs, dict) and entry.enabled(attrs):
                yield f"{example}: {scope}", attrs, config, mounts


def test_the_examples_include_the_docs_stacks() -> None:
    """The here-document parser finds the stacks the docs write, or the docs' apps go unchecked."""
    names = set(example_stacks())
    assert {"docs/adding-a-service.md (stacks/Pulumi.dev.yaml)", "docs/ssh-hosts.md (stacks/Pulumi.lab.yaml)"} <= names
    assert {"stacks/Pulumi.dev.yaml", "stacks/Pulumi.homelab.yaml", "stacks/Pulumi.seminar.yaml"} <= names


@pytest.mark.parametrize("entry", ENTRIES, ids=lambda e: e.path or ("container" if e is req.CONTAINER else "host"))
def test_examples_set_what_the_nixpkgs_module_requires(rendered: dict[str, Rendered], entry: req.Service) -> None:
    found = list(configs(rendered, entry))
    assert found, f"no example enables {entry.path}: its entry in {TABLE} is checked by nothing"
    problems = [
        f"{where}: {v}" for where, attrs, config, mounts in found for v in req.violations(entry, attrs, config, mounts)
    ]
    assert problems == []


def test_every_service_an_example_sets_has_an_entry(rendered: dict[str, Rendered]) -> None:
    known = {e.path for e in req.SERVICES} | req.PLAIN_OPTIONS
    unknown = sorted(
        f"{example}: {top}.{key}"
        for example, r in rendered.items()
        for config in [r.host, *r.containers.values()]
        for top in ("services", "networking")
        for key in config.get(top, {})
        if f"{top}.{key}" not in known
    )
    assert unknown == [], f"read the nixpkgs module of each and add an entry to {TABLE}"


# -- the check finds what a real NixOS refuses ------------------------------------------


def homelab() -> Any:
    return copy.deepcopy(read_stack_file(REPO / "stacks" / "Pulumi.homelab.yaml"))


def violations_of(data: Any, root: Path, path: str, container: str) -> list[str]:
    entry = next(e for e in req.SERVICES if e.path == path)
    r = evaluate(data, root)
    config = r.containers[container]
    return req.violations(entry, req.get(config, path), config, r.mounts[container])


def test_garage_without_its_package_module_is_found(tmp_path: Path) -> None:
    data = homelab()
    garage = data["containers"]["garage"]
    garage["imports"] = [i for i in garage.get("imports", []) if "garage" not in i]
    assert violations_of(data, tmp_path, "services.garage", "garage") == [
        "services.garage.package has no default in nixos/modules/services/web-servers/garage.nix and is not set"
    ]


def test_data_outside_the_state_directory_is_found(tmp_path: Path) -> None:
    """Vaultwarden writes to /var/lib/vaultwarden (stateVersion >= 24.11), whatever stateDir says."""
    data = homelab()
    data["containers"]["vault"]["stateDir"] = "/srv/vaultwarden"
    message = (
        "services.vaultwarden keeps its data in /var/lib/vaultwarden "
        "(nixos/modules/services/security/vaultwarden/default.nix), in no read-write mount (/srv/vaultwarden): "
        "it would stay in the container's root file system"
    )
    assert violations_of(data, tmp_path, "services.vaultwarden", "vault") == [message]


@pytest.mark.parametrize("key", ["uid", "gid"])
def test_model_refuses_a_postgres_id_other_than_71(key: str) -> None:
    # The model refuses it before anything renders: NixOS would stop on conflicting definitions.
    data = homelab()
    data["containers"]["postgres"]["user"] |= {key: 72}
    with pytest.raises(ConfigError, match=rf"containers\.postgres\.user\.{key}: must be 71"):
        site_in_project(data, "homelab.yaml", REPO)
