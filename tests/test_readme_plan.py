"""The README's plan of the seminar stack is what the program really registers.

The program runs under Pulumi mocks (no Cloudflare account exists here) for the
seminar stack in both ingress modes; the resources it registers are listed in the
order their dependencies impose, and that listing must equal the README's block, so a
reader sees the true order: the tunnel, then the host's modules, then the ingress and
the DNS records that depend on them. Regenerate with NIXEDGE_UPDATE_README=1.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from tests import edge_mocks
from tests.test_edge_mocks import run_main, seminar, with_ids

README = Path(__file__).resolve().parents[1] / "README.md"
INGRESS_TYPE = "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig"
SHORT = {
    "pulumi-python:dynamic/nixedge:HostModules": "nixedge:HostModules",
    "pulumi-python:dynamic/nixedge:HostPrune": "nixedge:HostPrune",
    "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared": "cloudflare:ZeroTrustTunnelCloudflared",
    INGRESS_TYPE: "cloudflare:ZeroTrustTunnelCloudflaredConfig",
    "cloudflare:index/dnsRecord:DnsRecord": "cloudflare:DnsRecord",
}


def _detail(reg: edge_mocks.Registration) -> list[str]:
    inputs = reg.inputs
    if reg.type.endswith("HostModules"):
        lines = []
        for path, text in sorted(inputs["files"].items()):
            lines.append(path)
            # Local ingress: the rules are in the Nix; show them as the remote mode does.
            rules = re.findall(r'^ +"([^"]+)" = "([a-z]+://[^"]+)";$', text, re.MULTILINE)
            lines += [f"  {host} -> {service}" for host, service in rules]
            lines += [f"  * -> {m}" for m in re.findall(r'^ +default = "([^"]+)";$', text, re.MULTILINE)]
        return lines + [f"{p} (secret)" for p in sorted(inputs["secrets"])]
    if reg.type.endswith("HostPrune"):
        return ["removes the modules that left the stack, then activates (nothing to remove on a first up)"]
    if reg.type.endswith("ZeroTrustTunnelCloudflaredConfig"):
        return [f"{rule.get('hostname', '*')} -> {rule['service']}" for rule in inputs["config"]["ingresses"]]
    if reg.type.endswith("DnsRecord"):
        return [f"{inputs['name']} CNAME {inputs['content']} (proxied)"]
    return []


def plan(ingress: str) -> str:
    run = run_main(with_ids(seminar(ingress)), "seminar")
    regs = [r for r in run.registrations if r.op == "register" and not r.type.startswith("nixedge:cloudflare:")]
    by_urn = {r.urn: r for r in regs}
    # Each resource's step: one more than the latest step it depends on (component
    # parents are grouping only, so dependencies on them count through their children).
    steps: dict[str, int] = {}
    for reg in regs:
        deps = [steps[d] for d in reg.dependencies if d in steps]
        steps[reg.urn] = 1 + max(deps, default=0)
    lines = []
    for reg in sorted(regs, key=lambda r: (steps[r.urn], r.type != INGRESS_TYPE, r.name)):
        after = sorted(by_urn[d].name for d in reg.dependencies if d in by_urn)
        head = f"{steps[reg.urn]}. {SHORT.get(reg.type, reg.type)} {reg.name}"
        lines.append(head + (f"  (after {', '.join(after)})" if after else ""))
        lines += [f"     {d}" for d in _detail(reg)]
    return "\n".join(lines)


def _block(ingress: str) -> str:
    return f"<!-- plan:{ingress} -->\n```text\n{plan(ingress)}\n```\n<!-- /plan:{ingress} -->"


def test_readme_shows_the_real_plan() -> None:
    text = README.read_text()
    for ingress in ("local", "remote"):
        pattern = re.compile(rf"<!-- plan:{ingress} -->.*?<!-- /plan:{ingress} -->", re.DOTALL)
        expected = _block(ingress)
        if os.environ.get("NIXEDGE_UPDATE_README"):
            text = pattern.sub(lambda _m, e=expected: e, text)  # type: ignore[misc]
            README.write_text(text)
        found = pattern.search(text)
        assert found is not None, f"README.md has no <!-- plan:{ingress} --> block"
        assert found.group(0) == expected, f"README's {ingress} plan is stale; rerun with NIXEDGE_UPDATE_README=1"


def test_plan_order_is_tunnel_host_edge() -> None:
    lines = [line for line in plan("remote").splitlines() if line[0].isdigit()]
    kinds = [line.split()[1] for line in lines]
    assert kinds.index("cloudflare:ZeroTrustTunnelCloudflared") < kinds.index("nixedge:HostModules")
    host_step = int(lines[kinds.index("nixedge:HostModules")].split(".")[0])
    for line, kind in zip(lines, kinds, strict=True):
        if kind in ("cloudflare:DnsRecord", "cloudflare:ZeroTrustTunnelCloudflaredConfig"):
            assert int(line.split(".")[0]) > host_step, line
    assert kinds.count("cloudflare:DnsRecord") == 3
