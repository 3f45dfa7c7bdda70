"""A stand-in for the edge under the real engine (no Cloudflare here): a dynamic resource
that logs each publish and what the host's default.nix imported at that moment.

It lives in its own module so that the dynamic provider process can import it (dill
stores the provider class by reference; the test engine puts the repo on PYTHONPATH).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pulumi
import pulumi.dynamic
from pulumi.dynamic import CreateResult, ResourceProvider, UpdateResult


def running(index: Path) -> str:
    """The containers a default.nix imports, comma-separated."""
    return ",".join(re.findall(r"\./containers/([a-z0-9-]+)\.nix", index.read_text()))


def _publish(props: dict[str, Any]) -> None:
    if props.get("fail"):
        raise RuntimeError("the edge is down")
    line = f"edge {','.join(props['routes'])} (host runs {running(Path(props['index']))})\n"
    with open(props["log"], "a") as log:
        log.write(line)


class RoutesProvider(ResourceProvider):
    serialize_as_secret_always = False

    def create(self, props: dict[str, Any]) -> CreateResult:
        _publish(props)
        return CreateResult("routes", props)

    def update(self, _id: str, _olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        _publish(news)
        return UpdateResult(news)


class Routes(pulumi.dynamic.Resource, module="test", name="Routes"):
    """Publishes `routes` (logs them to `log`), reading the host's `index` as it does;
    fails instead when `fail` is set."""

    def __init__(
        self, name: str, *, routes: list[str], log: str, index: str, opts: pulumi.ResourceOptions, fail: bool = False
    ) -> None:
        props = {"routes": routes, "log": log, "index": index, "fail": fail}
        super().__init__(RoutesProvider(), name, props, opts)
