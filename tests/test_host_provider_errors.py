"""What the dynamic provider process answers when an operation fails
(scripts/engine/pulumi_dynamic_provider.py): nixedge's message alone, or the whole stack for
anything that is a bug, also under an "Unexpected failure" message."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from types import ModuleType

import pytest

from components.errors import ActivationError, HostError
from tests.conftest import REPO


def plugin() -> ModuleType:
    path = REPO / "scripts" / "engine" / "pulumi_dynamic_provider.py"
    spec = importlib.util.spec_from_file_location("pulumi_dynamic_provider", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # defines format_exc; the server starts only as __main__
    return module


def answer(fail: Callable[[], None]) -> str:
    try:
        fail()
    except Exception:  # noqa: BLE001  (what the provider process catches too)
        text: str = plugin().format_exc()
        return text
    pytest.fail("did not raise")


def test_a_nixedge_error_is_its_message_alone() -> None:
    def fail() -> None:
        raise ActivationError("Activation of seminar failed: `nixos-rebuild switch` exited with status 1.")

    assert answer(fail) == "Activation of seminar failed: `nixos-rebuild switch` exited with status 1."


def test_a_bug_under_a_nixedge_message_keeps_its_stack() -> None:
    def fail() -> None:
        props: dict[str, str] = {}
        try:
            props["files"]
        except KeyError as exc:
            raise HostError(f"Unexpected failure during update of seminar's modules: {exc!r}") from exc

    text = answer(fail)
    assert text.startswith("Unexpected failure during update of seminar's modules: KeyError('files')\n\n")
    assert "Traceback (most recent call last)" in text and 'in fail\n    props["files"]' in text


def test_any_other_exception_keeps_its_stack() -> None:
    def fail() -> None:
        raise ValueError("a bug")

    text = answer(fail)
    assert text.startswith("Traceback (most recent call last)") and text.endswith("ValueError: a bug\n")
