"""Reading a stack (components/model/load.py): the valid base sites, every error of a run in
one report, the file loader's own errors, and module imports by path read from the
project.

Each case mutates a valid site (tests/model_cases.py) and expects the exact lines of the
ConfigError report, `Hint:` lines included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.errors import ConfigError
from components.model import site_from_data
from components.model.releases import DEFAULT_RELEASE
from components.stackfile import load_stack
from tests.model_cases import FJ, HOMELAB, PG, R2, REC, SEED, A, F, homelab_lines, multiservice_site
from tests.site_mutations import Mutation, put, seed_site, set_key

MODULE_PATH = "must be a relative path to a .nix file inside the project, without '..', e.g. 'modules/runner.nix'"
FLAKE = "a flake module is 'flake:<input>.<attribute path>', e.g. 'flake:sops-nix.nixosModules.sops'"


HOMELAB_CASES = [
    pytest.param(
        put((f"{R2}.imports", ["/etc/nixos/runner.nix"])),
        [f"{R2}.imports[0]: {MODULE_PATH} (got: '/etc/nixos/runner.nix')"],
        id="import-absolute",
    ),
    pytest.param(
        put((f"{R2}.imports", ["../runner.nix"])),
        [f"{R2}.imports[0]: {MODULE_PATH} (got: '../runner.nix')"],
        id="import-dotdot",
    ),
    pytest.param(
        put((f"{R2}.imports", ["modules/../../runner.nix"])),
        [f"{R2}.imports[0]: {MODULE_PATH} (got: 'modules/../../runner.nix')"],
        id="import-dotdot-inside",
    ),
    pytest.param(
        put((f"{R2}.imports", ["modules/runner"])),
        [f"{R2}.imports[0]: {MODULE_PATH} (got: 'modules/runner')"],
        id="import-not-nix",
    ),
    pytest.param(
        put((f"{R2}.imports", ["modules/run ner.nix"])),
        [f"{R2}.imports[0]: may hold only letters, digits, '.', '_', '-' and '/' (got: 'modules/run ner.nix')"],
        id="import-space",
    ),
    pytest.param(
        put((f"{R2}.imports", ["modules/${x}.nix"])),
        [f"{R2}.imports[0]: may hold only letters, digits, '.', '_', '-' and '/' (got: 'modules/${{x}}.nix')"],
        id="import-interpolation",
    ),
    pytest.param(
        put((f"{R2}.imports", ["flake:sops-nix"])),
        [f"{R2}.imports[0]: {FLAKE} (got: 'flake:sops-nix')"],
        id="flake-without-attribute",
    ),
    pytest.param(
        put((f"{R2}.imports", ["flake:sops-nix.nixosModules.sops; rm -rf /"])),
        [f"{R2}.imports[0]: {FLAKE} (got: 'flake:sops-nix.nixosModules.sops; rm -rf /')"],
        id="flake-garbage",
    ),
    pytest.param(
        put((f"{R2}.imports", ["flake:github:Mic92/sops-nix"])),
        [f"{R2}.imports[0]: {FLAKE} (got: 'flake:github:Mic92/sops-nix')"],
        id="flake-url-instead-of-input",
    ),
    pytest.param(
        put((f"{R2}.imports", ["flake:my-input.in"])),
        [
            (
                f"{R2}.imports[0]: 'in' is a Nix keyword and cannot be a bare attribute name in a flake module "
                "(got: 'flake:my-input.in')"
            )
        ],
        id="flake-keyword",
    ),
]


@pytest.mark.parametrize(("mutation", "expected"), HOMELAB_CASES)
def test_invalid_homelab_config(mutation: Mutation, expected: list[str]) -> None:
    assert homelab_lines(mutation) == expected


def test_seed_site_is_valid() -> None:
    site = site_from_data(seed_site(), SEED)
    assert [c.name for c in site.containers] == ["atticd", "forgejo"]
    assert site.warnings == ()


def test_all_errors_are_reported_at_once() -> None:
    data = seed_site()
    set_key(data, f"{A}.localAddress", "192.168.100.11")
    set_key(data, f"{A}.user.uid", 991)
    set_key(data, f"{A}.routes[0].port", 80)
    set_key(data, f"{F}.settings.server", {"DOMAIN": "x.ncaq.net"})
    with pytest.raises(ConfigError) as info:
        site_from_data(data, SEED)
    assert str(info.value).splitlines() == [
        f"4 errors in {SEED}:",
        f"  {F}.localAddress: is already used by {A}.localAddress (got: '192.168.100.11')",
        f"  {F}.user.uid: is already used by {A}.user.uid; each container needs its own uid (got: 991)",
        f"  {A}.routes[0].port: is a privileged port (< 1024); services listen on 1024 or above (got: 80)",
        f"    Hint: use e.g. 8080, or set {A}.allowPrivilegedPorts: true",
        f"  {F}.settings.server.DOMAIN: is derived from {F}.routes[0]; change it there instead (got: 'x.ncaq.net')",
        f"{SEED} is invalid; nothing was changed.",
    ]


def test_all_pydantic_errors_are_reported_at_once() -> None:
    data = seed_site()
    set_key(data, f"{A}.routes[0].port", "8080")
    set_key(data, f"{F}.stateVersion", "unstable")
    set_key(data, "hosts", 1)
    with pytest.raises(ConfigError) as info:
        site_from_data(data, SEED)
    lines = str(info.value).splitlines()
    assert lines[0] == f"3 errors in {SEED}:"
    assert sorted(lines[1:-1]) == [
        f"  {A}.routes[0].port: must be a number, not text in quotes: write 8080 without quotes (got: '8080')",
        f"  {F}.stateVersion: must be a NixOS release such as '25.05' or '24.11' (got: 'unstable')",
        "  hosts: is not a known key; did you mean host? (got: 1)",
    ]


def _load(tmp_path: Path, text: str) -> list[str]:
    path = tmp_path / "Pulumi.bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_stack(config_file=path)
    lines = str(info.value).splitlines()
    assert lines[-1] == f"{path} is invalid; nothing was changed."
    return [line.replace(str(path), "FILE") for line in lines[:-1]]


def test_empty_file(tmp_path: Path) -> None:
    assert _load(tmp_path, "") == [
        "1 error in FILE:",
        "  config: is missing: the file is empty",
        "    Hint: start from stacks/Pulumi.dev.yaml; the site goes under config: nixedge:site:",
    ]


def test_not_valid_yaml(tmp_path: Path) -> None:
    assert _load(tmp_path, "config:\n  nixedge:site: [\n") == [
        "1 error in FILE:",
        "  FILE: is not valid YAML at line 3, column 1: expected the node content, but found '<stream end>'",
    ]


def test_yaml_that_is_not_a_mapping(tmp_path: Path) -> None:
    assert _load(tmp_path, "- config\n- nixedge:site\n") == [
        "1 error in FILE:",
        "  <root>: must be a mapping with a `config` key (got: ['config', 'nixedge:site'])",
    ]


def test_site_key_missing(tmp_path: Path) -> None:
    assert _load(tmp_path, "config:\n  nixedge:other: 1\n") == [
        "2 errors in FILE:",
        "  config.nixedge:other: is not a key nixedge reads (it reads only nixedge:site); its value would be ignored",
        "    Hint: put the site's keys under nixedge:site, or delete this key",
        "  config.nixedge:site: is missing",
        "    Hint: the site goes under config: nixedge:site: (see stacks/Pulumi.dev.yaml)",
    ]


def test_site_that_is_not_a_mapping(tmp_path: Path) -> None:
    assert _load(tmp_path, "config:\n  nixedge:site: [1, 2]\n") == [
        "1 error in FILE:",
        "  nixedge:site: must be a mapping with host, network and containers (got: [1, 2]) (line 2)",
    ]


def test_yaml_date_from_file_is_refused_as_the_engine_would_change_it(tmp_path: Path) -> None:
    # Reading comes first: a value the engine would pass on reformatted stops the load.
    seminar = Path(__file__).resolve().parents[1] / "stacks" / "Pulumi.seminar.yaml"
    text = seminar.read_text(encoding="utf-8").replace('stateVersion: "25.05"', "stateVersion: 25.05", 1)
    text += "        nixos:\n          services:\n            foo:\n              since: 2025-01-01\n"
    assert _load(tmp_path, text) == [
        "1 error in FILE:",
        (
            "  containers.atticd.nixos.services.foo.since: is read as a date; Pulumi passes the program a "
            "reformatted text, not '2025-01-01' (got: '2025-01-01')"
        ),
        "    Hint: quote it ('2025-01-01') to keep the text",
    ]


def test_unquoted_version_from_file(tmp_path: Path) -> None:
    seminar = Path(__file__).resolve().parents[1] / "stacks" / "Pulumi.seminar.yaml"
    text = seminar.read_text(encoding="utf-8").replace('stateVersion: "25.05"', "stateVersion: 25.05", 1)
    assert _load(tmp_path, text) == [
        "1 error in FILE:",
        (
            '  containers.forgejo.stateVersion: must be text: write "25.05" in quotes (YAML reads 25.05 as a number) '
            "(got: 25.05) (line 43)"
        ),
    ]


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "Pulumi.none.yaml"
    with pytest.raises(ConfigError) as info:
        load_stack(config_file=path)
    assert str(info.value).splitlines()[1] == f"  {path}: cannot be read: No such file or directory"


def test_multiservice_site_is_valid_without_warnings() -> None:
    site = site_from_data(multiservice_site(), HOMELAB)
    assert site.warnings == ()
    assert site.postgresql is not None and site.postgresql.clients == ("forgejo",)
    assert site.container("postgres").local_address is None
    # {_secret: NAME} became the path the provider installs it at.
    first = site.container("runner1").nixos["services"]["gitea-actions-runner"]["instances"]["first"]
    assert first["tokenFile"] == "/run/secrets/runner-token"


def test_all_new_errors_are_reported_at_once() -> None:
    lines = homelab_lines(
        put(
            (f"{PG}.hostAddress", "10.40.0.30"),
            (f"{FJ}.privateUsers", "pick"),
            ("origins.grafana.address", "10.0.0.1"),
            (f"{R2}.user.uid", 3001),
            (f"{R2}.secrets", ["nope"]),
            (f"{REC}.type", "AAAA"),
        )
    )
    keys = [line.split(":")[0] for line in lines if not line.startswith("  Hint")]
    assert sorted(keys) == sorted(
        [
            f"{PG}.hostAddress",
            f"{FJ}.privateUsers",
            "origins.grafana.address",
            f"{R2}.user.uid",
            f"{R2}.secrets[0]",
            f"{REC}.content",
        ]
    )


def _project(tmp_path: Path, imports: list[str], files: dict[str, str]) -> Path:
    """A project directory with stacks/Pulumi.test.yaml whose runner2 imports `imports`."""
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    data = multiservice_site()
    set_key(data, f"{R2}.imports", imports)
    stack = tmp_path / "stacks" / "Pulumi.test.yaml"
    stack.parent.mkdir(parents=True, exist_ok=True)
    stack.write_text(yaml.safe_dump({"config": {"nixedge:site": data}}), encoding="utf-8")
    return stack


def test_module_import_missing_file(tmp_path: Path) -> None:
    stack = _project(tmp_path, ["modules/runner.nix", "modules/dir.nix"], {"modules/dir.nix/x": ""})
    with pytest.raises(ConfigError) as info:
        load_stack(config_file=stack)
    assert str(info.value).splitlines() == [
        f"2 errors in {stack}:",
        (
            f"  {R2}.imports[0]: cannot be read from the project: No such file or directory "
            "(got: 'modules/runner.nix') (line 48)"
        ),
        f"  {R2}.imports[1]: cannot be read from the project: Is a directory (got: 'modules/dir.nix') (line 49)",
        f"{stack} is invalid; nothing was changed.",
    ]


def test_module_import_is_read_relative_to_the_project(tmp_path: Path) -> None:
    module = "{ ... }:\n{\n  services.gitea-actions-runner.package = null;\n}\n"
    stack = _project(
        tmp_path, ["modules/runner.nix", "flake:sops-nix.nixosModules.sops"], {"modules/runner.nix": module}
    )
    site = load_stack(config_file=stack)
    assert site.module_files == (("modules/runner.nix", module),)
    assert site.container("runner2").imports == ("../modules/modules/runner.nix", "inputs.sops-nix.nixosModules.sops")


def test_module_import_not_utf8(tmp_path: Path) -> None:
    stack = _project(tmp_path, ["runner.nix"], {})
    (tmp_path / "runner.nix").write_bytes(b"\xff\xfe{ }")
    with pytest.raises(ConfigError) as info:
        load_stack(config_file=stack)
    assert (
        f"  {R2}.imports[0]: cannot be read from the project: not UTF-8 text (got: 'runner.nix') (line 48)"
        in str(info.value).splitlines()
    )


def test_base_site_is_not_shared_between_cases() -> None:
    first = multiservice_site()
    first["containers"]["runner1"]["secrets"].append("x")
    assert multiservice_site()["containers"]["runner1"]["secrets"] == ["runner-token"]


def test_the_model_takes_module_texts_and_reads_no_file() -> None:
    """The model gets the module texts (components/stackfile reads them): a complete site,
    module files and NixOS release included, with no project directory to read."""
    from components.model import Unreadable

    data = multiservice_site()
    set_key(data, f"{R2}.imports", ["modules/runner.nix", "modules/gone.nix"])
    module = "{ ... }: { }\n"
    with pytest.raises(ConfigError) as info:
        site_from_data(data, HOMELAB, {"modules/runner.nix": module, "modules/gone.nix": Unreadable("Gone")})
    assert [str(i) for i in info.value.issues] == [
        f"{R2}.imports[1]: cannot be read from the project: Gone (got: 'modules/gone.nix')"
    ]
    set_key(data, f"{R2}.imports", ["modules/runner.nix"])
    site = site_from_data(data, HOMELAB, {"modules/runner.nix": module})
    assert site.module_files == (("modules/runner.nix", module),)
    assert site.nixos_release == data["host"].get("nixosRelease", DEFAULT_RELEASE)


@pytest.mark.parametrize(("key", "shown"), [("1", "1"), ("0", "0"), ("true", "true"), ("false", "false")])
def test_a_host_key_that_is_not_text_is_named_as_pulumi_reads_it(tmp_path: Path, key: str, shown: str) -> None:
    """1 == True in Python: the key 1 must not be reported as Pulumi's 'true'."""
    path = tmp_path / "Pulumi.site.yaml"
    path.write_text(f"config:\n  nixedge:site:\n    hosts:\n      {key}: {{}}\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_stack(config_file=path)
    assert f"hosts.{key}: is a key that is not text: Pulumi turns it into the text {shown!r}" in str(info.value)
