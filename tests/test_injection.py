"""Config text can never become Nix code: every string reaches Nix as a literal value.

Hostile strings (quotes, backslashes, `${builtins.readFile "/etc/shadow"}`, `''`, `$${`,
newlines, tabs, Nix syntax) are put everywhere free config text reaches a generated
file: settings keys and values, nixos data keys and values, unit names. The rendered
modules are evaluated with nix-instantiate and the resulting JSON strings are compared
with the input exactly; a property test does the same for random text. Paths (bind
mounts, state directory, environment file, secrets directory) are a narrower channel:
NixOS hands them to systemd-nspawn and tmpfiles unquoted, so hostile paths are refused
by the model, which a test here proves for each of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from components.errors import ConfigError
from components.model import site_from_data
from components.model.checks.isolation import MODULE_SYSTEM_KEYS
from components.nixos.render import render
from tests.nixeval import eval_modules, parse_files, write_tree
from tests.site_mutations import seed_site, set_key

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
ODD_PATHS = [
    '/srv/a "quoted" dir/${builtins.readFile "/etc/shadow"}',
    "/srv/it's '' $${x} \\ tab\there",
    '/var/lib/forgejo "x" ${y}',
    "/etc/atticd ''${env}.env",
    "/srv/a:b",
    "/srv/with space",
]
ODD_UNIT = "foo\\x2dbar@x.service"


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
    set_key(data, "containers.forgejo.after", [ODD_UNIT])
    set_key(data, "containers.atticd.nixos", nixos_data)
    return data, settings_data, nixos_data


def test_hostile_strings_are_literal_everywhere(tmp_path: Path) -> None:
    data, settings_data, nixos_data = _hostile_site()
    out = _evaluate(tmp_path, data)

    forgejo = out["containers/forgejo.nix"]
    inner = forgejo["containers"]["forgejo"]["config"]
    assert inner["services"]["forgejo"]["settings"]["nasty"] == settings_data["nasty"]
    # The host's PostgreSQL first (postgresql.target at the default release), then the odd unit.
    assert forgejo["systemd"]["services"]["container@forgejo"]["after"] == ["postgresql.target", ODD_UNIT]

    atticd = out["containers/atticd.nix"]
    a_inner = atticd["containers"]["atticd"]["config"]
    assert a_inner["imports"] == [nixos_data]


@pytest.mark.parametrize("odd", ODD_PATHS)
@pytest.mark.parametrize(
    "key",
    [
        "containers.forgejo.stateDir",
        "containers.atticd.environmentFile",
        "host.secretsDir",
        "bindMounts.path",
        "bindMounts.hostPath",
    ],
)
def test_hostile_paths_are_refused(key: str, odd: str) -> None:
    data = seed_site()
    if key.startswith("bindMounts."):
        field = key.split(".")[1]
        mount = {"path": "/srv/cache", field: odd}
        set_key(data, "containers.atticd.bindMounts", [mount])
        loc = f"containers.atticd.bindMounts[0].{field}"
    else:
        set_key(data, key, odd)
        loc = key
    with pytest.raises(ConfigError) as caught:
        site_from_data(data)
    assert [i.loc for i in caught.value.issues] == [loc]
    assert "may contain only letters, digits and" in caught.value.issues[0].message


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
    # Top-level keys of the module system (`config`, `imports`, ...) are refused in `nixos`
    # by design (checks/isolation.py); Hypothesis draws such words from the code's constants.
    nixos_data=st.dictionaries(_KEY.filter(lambda k: k not in MODULE_SYSTEM_KEYS), _DATA, min_size=1, max_size=5),
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
