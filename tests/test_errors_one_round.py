"""Errors come in one round, in plain words (components/model/validation.py,
yaml_errors.py, commands/salt.py): an unknown key is reported with "did you mean" and
with the errors the rest of the site has; pydantic's messages are said in words; an
indentation mistake names the line that is off; a dedented `nixos:` is named as
indentation; a copied `encryptionsalt` is named at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.errors import ConfigError
from components.stackfile import load_stack
from tests.model_cases import edited_stack

REPO = Path(__file__).resolve().parents[1]


def report(tmp_path: Path, stack: str, *edits: tuple[str, str]) -> list[str]:
    path = edited_stack(tmp_path, stack, *edits)
    with pytest.raises(ConfigError) as caught:
        load_stack(config_file=path)
    return [line.strip() for line in str(caught.value).splitlines()[1:-1]]


def line_of(stack: str, text: str) -> int:
    lines = (REPO / f"stacks/Pulumi.{stack}.yaml").read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if text in line)


def test_unknown_key_comes_with_the_errors_behind_it(tmp_path: Path) -> None:
    lines = report(
        tmp_path,
        "apps",
        ("      podman:", "      podmn:"),
        ("uid: 2101", "uid: 2001"),
        ("hostname: whoami.example.org", "hostname: whoami.exmple.org"),
    )
    assert len(lines) == 3, lines
    assert lines[0].startswith("network.podmn: is not a known key; did you mean podman? (got: {'subnet': ")
    assert lines[0].endswith(f"(line {line_of('apps', '      podman:')})")
    assert lines[1] == (
        "ociContainers.whoami.user.uid: is already used by containers.uptime.user.uid; "
        f"each container needs its own uid (got: 2001) (line {line_of('apps', 'uid: 2101')})"
    )
    assert lines[2] == (
        "ociContainers.whoami.routes[0].hostname: is not in any zone of tunnel.zones (example.org) "
        f"(got: 'whoami.exmple.org') (line {line_of('apps', 'hostname: whoami.example.org')})"
    )


def test_pydantic_messages_in_plain_words(tmp_path: Path) -> None:
    lines = report(tmp_path, "dev", ("port: 3001", 'port: "8096"'), ("uid: 2001", "uid: [2001]"))
    assert lines == [
        "containers.uptime.user.uid: must be a whole number (got: [2001]) (line 48)",
        (
            "containers.uptime.routes[0].port: must be a number, not text in quotes: write 8096 without quotes "
            "(got: '8096') (line 54)"
        ),
    ]


def test_tunnel_id_pattern_in_words(tmp_path: Path) -> None:
    lines = report(tmp_path, "seminar", ("accountId: <your-cloudflare-account-id>", "accountId: not-an-id"))
    said = "\n".join(lines)
    assert "tunnel.accountId: must be 32 lowercase hexadecimal digits" in said, said
    assert "String should match pattern" not in said


def test_under_indented_key_named_at_its_own_line(tmp_path: Path) -> None:
    (line,) = report(tmp_path, "dev", ("          name: uptime-kuma\n", "         name: uptime-kuma\n"))[:1]
    assert "an indentation mistake at line 47 (`name: uptime-kuma`)" in line, line


def test_dedented_nixos_named_as_indentation(tmp_path: Path) -> None:
    old = "        nixos:\n          services:\n            uptime-kuma:\n"
    new = "      nixos:\n        services:\n          uptime-kuma:\n"
    text = (REPO / "stacks/Pulumi.dev.yaml").read_text()
    tail = text[text.index(old) + len(old) :]
    dedented = "".join(line[2:] + "\n" for line in tail.splitlines())
    lines = report(tmp_path, "dev", (old + tail, new + dedented))
    assert lines[0].startswith("containers.nixos: is a key of a container (`nixos:`), indented one level too little")
    assert not any("is required" in line for line in lines), lines


def test_copied_encryptionsalt_named_at_its_line(tmp_path: Path) -> None:
    from components.commands.salt import shared_salt

    stacks = tmp_path / "stacks"
    stacks.mkdir()
    dev = (REPO / "stacks/Pulumi.dev.yaml").read_text()
    (stacks / "Pulumi.dev.yaml").write_text(dev)
    (stacks / "Pulumi.lab.yaml").write_text(dev)
    said = shared_salt(stacks / "Pulumi.lab.yaml")
    number = next(n for n, line in enumerate(dev.splitlines(), 1) if line.startswith("encryptionsalt:"))
    assert said is not None and f"Pulumi.lab.yaml:{number}: encryptionsalt is the one of Pulumi.dev.yaml" in said
    assert "incorrect passphrase" in said
    assert shared_salt(REPO / "stacks/Pulumi.dev.yaml") is None


UID_CLASH = ("uid: 2101", "uid: 2001")
HOST_TYPO = ("hostname: whoami.example.org", "hostname: whoami.exmple.org")
PODMAN = "      podman:\n        subnet: 10.80.0.0/24\n"


def behind(tmp_path: Path, *edits: tuple[str, str]) -> tuple[list[str], list[str]]:
    """The report of the apps stack with `edits`, a uid clash and a hostname typo; and
    the report's lines for those two, at their lines in the edited file."""
    lines = report(tmp_path, "apps", *edits, UID_CLASH, HOST_TYPO)
    text = (tmp_path / "stacks/Pulumi.apps.yaml").read_text().splitlines()
    # The last uid: 2001 is whoami's.
    at = {s: max(n for n, line in enumerate(text, 1) if s in line) for s in ("uid: 2001", "whoami.exmple.org")}
    rest = [
        (
            "ociContainers.whoami.user.uid: is already used by containers.uptime.user.uid; each container needs its "
            f"own uid (got: 2001) (line {at['uid: 2001']})"
        ),
        (
            "ociContainers.whoami.routes[0].hostname: is not in any zone of tunnel.zones (example.org) "
            f"(got: 'whoami.exmple.org') (line {at['whoami.exmple.org']})"
        ),
    ]
    return lines, rest


@pytest.mark.parametrize(
    ("written", "said"),
    [
        pytest.param(
            "      podmn: {}\n",
            ["network.podmn: is not a known key; did you mean podman? (got: {})", "network.podmn.subnet: is required"],
            id="empty-value",
        ),
        pytest.param(
            "      podmn:\n        subnet: 12\n",
            ["network.podmn: is not a known key; did you mean podman?", "network.podmn.subnet: must be text"],
            id="invalid-field",
        ),
        pytest.param(
            "      podmn:\n        subnett: 10.80.0.0/24\n",
            ["network.podmn: is not a known key; did you mean podman?",
             "network.podmn.subnett: is not a known key; did you mean subnet?"],
            id="misspelt-inside",
        ),
        pytest.param(
            "      podmn: nothing\n",
            ["network.podmn: is not a known key; did you mean podman? (got: 'nothing')", "network.podmn: must be"],
            id="not-a-mapping",
        ),
    ],
)  # fmt: skip
def test_unknown_key_with_an_invalid_value_keeps_the_round(tmp_path: Path, written: str, said: list[str]) -> None:
    lines, rest = behind(tmp_path, (PODMAN, written))
    assert len(lines) == len(said) + len(rest), lines
    for line, start in zip(lines, said, strict=False):
        assert line.startswith(start), (line, start)
    assert lines[0].endswith(f"(line {line_of('apps', '      podman:')})"), lines[0]
    assert lines[len(said) :] == rest
    assert not any("network.podman" in line for line in lines), lines


def test_misspelt_user_with_missing_fields(tmp_path: Path) -> None:
    lines, _ = behind(tmp_path, ("          name: uptime-kuma\n          uid: 2001\n", "          name: uptime-kuma\n"),
                      ("        user:\n          name: uptime", "        usr:\n          name: uptime"))  # fmt: skip
    # The only NixOS container is left out with its misspelt user: nothing about it, or
    # about `containers` without it, is said beyond the two errors of the key as written.
    assert len(lines) == 2, lines
    assert lines[0].startswith("containers.uptime.usr: is not a known key; did you mean user?"), lines
    assert lines[1].startswith("containers.uptime.usr.uid: is required"), lines


def test_misspelt_user_of_one_container_of_several(tmp_path: Path) -> None:
    lines = report(
        tmp_path,
        "dev",
        ("        user:\n          name: uptime-kuma\n          uid: 2001\n",
         "        usr:\n          name: uptime-kuma\n"),
        ("hostname: git.example.test", "hostname: git.exmple.test"),
    )  # fmt: skip
    assert lines[0].startswith("containers.uptime.usr: is not a known key; did you mean user?"), lines
    assert lines[1].startswith("containers.uptime.usr.uid: is required"), lines
    assert lines[2].startswith("containers.forgejo.routes[0].hostname: is not in any zone of tunnel.zones"), lines
    assert len(lines) == 3, lines


def test_without_a_podman_network_the_oci_containers_are_still_checked(tmp_path: Path) -> None:
    lines, rest = behind(tmp_path, (PODMAN, ""))
    assert any(line.startswith("network.podman: is missing: ociContainers run on a Podman network") for line in lines)
    assert rest[1] in lines, lines
