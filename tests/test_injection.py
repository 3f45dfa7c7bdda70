"""Config text can never become Nix code: every string reaches Nix as a literal value.

Hostile strings (quotes, backslashes, `${builtins.readFile "/etc/shadow"}`, `''`, `$${`,
newlines, tabs, Nix syntax) are put everywhere config text reaches a generated file:
settings keys and values, nixos data keys and values, bind mount paths and host paths,
the state directory, the environment file, unit names, the secrets directory. The
rendered modules are evaluated with nix-instantiate and the resulting JSON strings are
compared with the input exactly; a property test does the same for random text.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from components.model import site_from_data
from components.nixos.render import render
from tests.nixeval import eval_modules, parse_files, seed_site, set_key, write_tree

READ_SHADOW = '${builtins.readFile "/etc/shadow"}'
NASTY = [
    '"',
    "\\",
    READ_SHADOW,
    "''",
    "''${x}",
    "'''",
    "$${x}",
    "\\${x}",
    "${",
    "$",
    "a\nb",
    "\ttab\t",
    "cr\r\nlf",
    "'' + builtins.readFile /etc/shadow + ''",
    '" + builtins.readFile "/etc/shadow" + "',
    'x"; evil = builtins.readFile "/etc/shadow"; y = "',
    "}; evil = true; {",
    "# not a comment",
    "/* not a comment */",
    "ünïcödé ✓ 😀",
    "trailing backslash \\",
    "",
]
NASTY_KEYS = [s for s in NASTY if s] + ["in", "or", "if", "rec", "let", "a.b", "8080", "-x", "with spaces"]
ODD_PATH = '/srv/a "quoted" dir/${builtins.readFile "/etc/shadow"}'
ODD_HOST_PATH = "/srv/it's '' $${x} \\ tab\there"
ODD_STATE_DIR = '/var/lib/forgejo "x" ${y}'
ODD_ENV_FILE = "/etc/atticd ''${env}.env"
ODD_UNIT = "foo\\x2dbar@x.service"
ODD_SECRETS = '/var/lib/nixedge/"s" ${x}'


def _evaluate(tmp_path: Path, data: dict[str, Any]) -> dict[str, Any]:
    files = render(site_from_data(data))
    paths = write_tree(tmp_path, files)
    parse_files(paths)
    return dict(zip(files, eval_modules(paths, tmp_path), strict=True))


def _hostile_site() -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    data = seed_site()
    settings_data = {"nasty": {f"v{i}": s for i, s in enumerate(NASTY)} | {k: k for k in NASTY_KEYS}}
    nixos_data = {
        "environment": {"etc": {k: {"text": k} for k in NASTY_KEYS}},
        "services": {"x": {"list": list(NASTY), "nested": {READ_SHADOW: {"''": ["$${x}", {"\\": "\n"}]}}}},
        READ_SHADOW: READ_SHADOW,
        "services.dotted": {"enable": True},
    }
    set_key(data, "containers.forgejo.settings.nasty", settings_data["nasty"])
    set_key(data, "containers.forgejo.stateDir", ODD_STATE_DIR)
    set_key(data, "containers.forgejo.after", [ODD_UNIT])
    set_key(data, "containers.atticd.nixos", nixos_data)
    set_key(data, "containers.atticd.environmentFile", ODD_ENV_FILE)
    set_key(data, "containers.atticd.bindMounts", [{"path": ODD_PATH, "hostPath": ODD_HOST_PATH, "readOnly": False}])
    set_key(data, "host.secretsDir", ODD_SECRETS)
    return data, settings_data, nixos_data


def test_hostile_strings_are_literal_everywhere(tmp_path: Path) -> None:
    data, settings_data, nixos_data = _hostile_site()
    out = _evaluate(tmp_path, data)

    forgejo = out["containers/forgejo.nix"]
    inner = forgejo["containers"]["forgejo"]["config"]
    assert inner["services"]["forgejo"]["settings"]["nasty"] == settings_data["nasty"]
    assert inner["services"]["forgejo"]["stateDir"] == ODD_STATE_DIR
    assert forgejo["containers"]["forgejo"]["bindMounts"][ODD_STATE_DIR] == {
        "hostPath": ODD_STATE_DIR,
        "isReadOnly": False,
    }
    assert forgejo["systemd"]["tmpfiles"]["rules"] == [f"d {ODD_STATE_DIR} 0750 forgejo forgejo -"]
    assert forgejo["systemd"]["services"]["container@forgejo"]["after"] == ["postgresql.service", ODD_UNIT]

    atticd = out["containers/atticd.nix"]
    a_inner = atticd["containers"]["atticd"]["config"]
    assert a_inner["imports"] == [nixos_data]
    assert a_inner["services"]["atticd"]["environmentFile"] == ODD_ENV_FILE
    mounts = atticd["containers"]["atticd"]["bindMounts"]
    assert mounts[ODD_PATH] == {"hostPath": ODD_HOST_PATH, "isReadOnly": False}
    assert mounts[ODD_ENV_FILE] == {"hostPath": ODD_ENV_FILE, "isReadOnly": True}

    tunnel = out["cloudflared.nix"]["services"]["cloudflared"]["tunnels"]["seminar"]
    assert tunnel["credentialsFile"].startswith(ODD_SECRETS + "/")


def test_no_hostile_text_appears_unescaped(tmp_path: Path) -> None:
    data, _, _ = _hostile_site()
    files = render(site_from_data(data))
    assert sum(text.count("${") for text in files.values()) >= 10
    for rel, text in files.items():
        # Every `${` is escaped: preceded by an odd number of backslashes (`\\${` would
        # be an escaped backslash followed by a live interpolation).
        for i in range(len(text)):
            if text.startswith("${", i):
                backslashes = len(text[:i]) - len(text[:i].rstrip("\\"))
                assert backslashes % 2 == 1, f"{rel}: unescaped ${{ at {i}: {text[i - 40 : i + 40]!r}"


# Any text Nix can hold: no NUL and no lone surrogates (utf-8; the model refuses both).
_CHARS = st.characters(codec="utf-8", exclude_characters="\x00")
_TEXT = st.text(alphabet=_CHARS, max_size=40)
# {"_secret": NAME} is the model's secret reference, not plain data.
_KEY = st.text(alphabet=_CHARS, min_size=1, max_size=20).filter(lambda k: k != "_secret")
_DATA = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63) + 1, 2**63 - 1) | _TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_KEY, inner, max_size=4),
    max_leaves=12,
)


@settings(
    max_examples=25,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: each attempt runs Nix
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    settings_data=st.dictionaries(_KEY, _DATA, max_size=5),
    nixos_data=st.dictionaries(_KEY, _DATA, min_size=1, max_size=5),
)
def test_random_text_round_trips_through_nix(
    tmp_path: Path, settings_data: dict[str, Any], nixos_data: dict[str, Any]
) -> None:
    data = seed_site()
    set_key(data, "containers.forgejo.settings.random", settings_data)
    set_key(data, "containers.atticd.nixos", nixos_data)
    out = _evaluate(tmp_path, data)
    inner = out["containers/forgejo.nix"]["containers"]["forgejo"]["config"]
    assert inner["services"]["forgejo"]["settings"]["random"] == settings_data
    assert out["containers/atticd.nix"]["containers"]["atticd"]["config"]["imports"] == [nixos_data]
