"""The few Cloudflare API reads `nixedge status` makes: plain HTTPS, no SDK.

Read-only, with the token of CLOUDFLARE_API_TOKEN. The base URL is
https://api.cloudflare.com/client/v4 unless NIXEDGE_CLOUDFLARE_API names another (the
tests' fake server on 127.0.0.1).
"""

from __future__ import annotations

import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from components.errors import NixedgeError

DEFAULT_BASE = "https://api.cloudflare.com/client/v4"


class CloudflareApiError(NixedgeError):
    """A Cloudflare API read failed (network, token, or an error the API returned)."""


@dataclass(frozen=True)
class CloudflareApi:
    token: str
    base: str = DEFAULT_BASE
    timeout: float = 15.0

    @classmethod
    def from_env(cls) -> CloudflareApi | None:
        token = os.environ.get("CLOUDFLARE_API_TOKEN")
        if not token:
            return None
        return cls(token, os.environ.get("NIXEDGE_CLOUDFLARE_API", DEFAULT_BASE).rstrip("/"))

    def get(self, path: str, **query: str) -> Any:
        """The `result` of GET `path`; raises CloudflareApiError with the API's own words."""
        url = f"{self.base}{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                body = json.loads(response.read())
        except urllib.error.HTTPError as exc:
            raise CloudflareApiError(f"GET {path}: HTTP {exc.code}: {_errors(exc.read())}") from None
        except (urllib.error.URLError, TimeoutError, ValueError) as exc:
            raise CloudflareApiError(f"GET {path}: {exc}") from None
        if not isinstance(body, dict) or not body.get("success", False):
            raise CloudflareApiError(f"GET {path}: {_errors(json.dumps(body).encode())}")
        return body.get("result")

    def dns_records(self, zone_id: str, name: str) -> list[dict[str, Any]]:
        result = self.get(f"/zones/{zone_id}/dns_records", name=name)
        return [r for r in result or [] if isinstance(r, dict)]

    def tunnel(self, account_id: str, tunnel_id: str) -> dict[str, Any]:
        result = self.get(f"/accounts/{account_id}/cfd_tunnel/{tunnel_id}")
        return result if isinstance(result, dict) else {}

    def ingress(self, account_id: str, tunnel_id: str) -> dict[str, str]:
        """The tunnel's remote ingress rules: hostname -> service (catch-all left out)."""
        result = self.get(f"/accounts/{account_id}/cfd_tunnel/{tunnel_id}/configurations")
        rules = ((result or {}).get("config") or {}).get("ingress") or []
        return {str(r["hostname"]): str(r.get("service")) for r in rules if isinstance(r, dict) and r.get("hostname")}


def _errors(raw: bytes) -> str:
    try:
        errors = json.loads(raw).get("errors") or []
        return "; ".join(str(e.get("message", e)) for e in errors) or raw.decode(errors="replace")[:200]
    except (ValueError, AttributeError):
        return raw.decode(errors="replace")[:200]
