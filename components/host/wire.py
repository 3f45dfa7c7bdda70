"""The host engine's wire format: origin checks and claims as they travel in a host
resource's properties, and as every state deployed since the first release holds them.
It must not change:

    checks: [{"container": "forgejo", "address": "192.168.100.11", "port": 3000,
              "files": ["containers/forgejo.nix"]}, ...]
    claims: {"containers/forgejo.nix": {"address 192.168.100.11": "forgejo", ...}, ...}

The model computes both as typed values (`components.model.claims`); only this module
knows their text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from components.model.claims import Claim, OriginCheck

RETRY_SETTINGS = ("attempts", "interval", "timeout")


def check_to_props(check: OriginCheck) -> dict[str, Any]:
    """The wire form; the retry settings only when they are not the defaults."""
    props: dict[str, Any] = {
        "container": check.container,
        "address": check.address,
        "port": check.port,
        "files": list(check.files),
    }
    for name in RETRY_SETTINGS:
        if getattr(check, name) != getattr(OriginCheck, name):
            props[name] = getattr(check, name)
    return props


def check_from_props(props: Mapping[str, Any]) -> OriginCheck:
    """Read the wire form back (validated by the provider's `check`)."""
    return OriginCheck(
        container=str(props.get("container", props["address"])),
        address=str(props["address"]),
        port=int(props["port"]),
        files=tuple(str(f) for f in props.get("files") or ()),
        attempts=int(props.get("attempts", OriginCheck.attempts)),
        interval=float(props.get("interval", OriginCheck.interval)),
        timeout=float(props.get("timeout", OriginCheck.timeout)),
    )


def checks_from_props(props: Iterable[Mapping[str, Any]] | None) -> tuple[OriginCheck, ...]:
    return tuple(check_from_props(c) for c in props or ())


def claim_key(claim: Claim) -> str:
    """A claim's name in the wire form, e.g. `address 192.168.100.11`."""
    return f"{claim.kind} {claim.value}" if claim.kind else claim.value


def _kind_and_value(key: str) -> tuple[str, str]:
    """A wire key back into kind and value; a key without a space is a claim of kind `""`."""
    kind, _, value = key.partition(" ")
    return (kind, value) if value else ("", kind)


def claims_to_props(claims: Mapping[str, Iterable[Claim]]) -> dict[str, dict[str, str]]:
    """The wire form: module path -> {claim key: holder}."""
    return {rel: {claim_key(claim): claim.holder for claim in held} for rel, held in claims.items()}


def claims_from_props(props: Mapping[str, Mapping[str, str]] | None) -> dict[str, tuple[Claim, ...]]:
    """Read the wire form back."""
    return {
        rel: tuple(Claim(*_kind_and_value(key), holder) for key, holder in held.items())
        for rel, held in (props or {}).items()
    }
