"""What Cloudflare holds at the names a site publishes, read before anything is
registered, and the records the site may not take.

The lookups are synchronous invokes of the provider (`get_zone`, `get_dns_records`), so
a refusal stops the program before the first resource: `preview` reports it, and `up`
creates no tunnel and activates no host. A record at a wanted name is the stack's own
when its comment is `managed by nixedge stack <this stack>` (every record nixedge
creates or imports gets it); one with another stack's comment is that stack's, and is
refused; any other record that Cloudflare would not let stand beside the wanted one
(81053/81054: a CNAME beside an A, AAAA or CNAME) is refused unless `tunnel.dnsImports`
names it, which adopts it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi_cloudflare as cloudflare

from components.cloudflare.records import Wanted
from components.errors import Issue
from components.model.resolved import ResolvedSite

MANAGED = "managed by nixedge stack "
ADDRESS = frozenset({"A", "AAAA"})


def comment(stack: str) -> str:
    """The comment on every record nixedge manages."""
    return MANAGED + stack


@dataclass(frozen=True)
class Found:
    """A record at Cloudflare."""

    id: str
    name: str
    type: str
    content: str
    comment: str


def zone_ids(hosts: Sequence[ResolvedSite]) -> dict[str, str]:
    """Zone name -> id: from the stack config, else looked up by name in the host's account."""
    out: dict[str, str] = {}
    for site in hosts:
        tunnel = site.tunnel
        if tunnel is None or tunnel.account_id is None:
            continue
        for zone, given in tunnel.zones.items():
            if zone in out:
                continue
            if given is not None:
                out[zone] = given
                continue
            # By the account too: a token that sees two zones of one name (in two accounts)
            # would otherwise match both, and the lookup fails.
            found = cloudflare.get_zone(filter={"name": zone, "match": "all", "account": {"id": tunnel.account_id}})
            out[zone] = found.id
    return out


def current(records: Sequence[Wanted], zones: Mapping[str, str]) -> dict[str, list[Found]]:
    """Name -> the records Cloudflare has at that name (one lookup per name)."""
    out: dict[str, list[Found]] = {}
    for name, zone in dict.fromkeys((r.name, r.zone) for r in records):
        answer = cloudflare.get_dns_records(zone_id=zones[zone], name={"exact": name})
        out[name] = [Found(r.id, r.name, r.type, r.content or "", r.comment or "") for r in (answer.results or [])]
    return out


def _clashes(wanted: Wanted, found: Found) -> bool:
    """Whether Cloudflare refuses `wanted` beside `found` (81053, 81054, 81058)."""
    if wanted.type == "CNAME" or found.type == "CNAME":
        return found.type in ADDRESS | {"CNAME"} and wanted.type in ADDRESS | {"CNAME"}
    return found.type == wanted.type and found.content == wanted.content


def issues(
    records: Sequence[Wanted],
    found: Mapping[str, list[Found]],
    stack: str,
    imports: Mapping[str, str],
    prefix: Mapping[str, str],
) -> tuple[list[Issue], list[str]]:
    """The records this stack may not create or import, and warnings. `imports`: name ->
    the import id of `tunnel.dnsImports`; `prefix`: host -> its keys' prefix (`hosts.<host>.`
    in a site)."""
    out: list[Issue] = []
    warnings: list[str] = []
    for want in records:
        key = f"{prefix.get(want.host, '')}tunnel.dnsImports"
        given = imports.get(want.name, "").rsplit("/", 1)[-1]
        for record in found.get(want.name, []):
            if record.comment == comment(stack):
                if given == record.id:
                    out.append(Issue(f"{key}[{want.name!r}]", "names a record this stack manages already: "
                                     "importing it again would give it a second owner in the state, whose "
                                     "delete removes it", given, hint="remove it from tunnel.dnsImports"))  # fmt: skip
                continue
            if not _clashes(want, record):
                continue
            what = f"{want.name}: Cloudflare has a {record.type} record {record.id} there"
            owner = record.comment.removeprefix(MANAGED) if record.comment.startswith(MANAGED) else None
            if given == record.id and owner is not None:
                warnings.append(
                    f"{key}: adopting {want.name} from nixedge stack {owner}: forget that stack "
                    "(`scripts/pulumi stack rm --force`), never destroy it, or it deletes the record"
                )
            elif owner is not None:
                out.append(Issue(key, f"{what}, managed by nixedge stack {owner}", want.name, hint=(
                    f"a name is published by one stack: remove it from stack {owner} first (its `up` deletes "
                    "the record), or publish another name here; merging stacks: docs/sites.md")))  # fmt: skip
            elif given != record.id:
                out.append(Issue(key, f"{what} that no stack manages ({record.content})", want.name, hint=(
                    f"to adopt it, set {key}: {{{want.name}: {record.id}}} (docs/migrating.md); "
                    "or delete it at Cloudflare")))  # fmt: skip
    return out, warnings


@dataclass(frozen=True)
class FoundTunnel:
    """A live tunnel at Cloudflare."""

    id: str
    config_src: str


def tunnels(hosts: Sequence[ResolvedSite]) -> dict[str, FoundTunnel]:
    """Host -> its live tunnel at Cloudflare: the adopted one by id, a created one by
    `tunnel.name` (the name a live tunnel of the account has at most once)."""
    out: dict[str, FoundTunnel] = {}
    for site in hosts:
        tunnel = site.tunnel
        if tunnel is None or tunnel.account_id is None:
            continue
        if tunnel.tunnel_id is not None:
            answer = cloudflare.get_zero_trust_tunnel_cloudflareds(account_id=tunnel.account_id, uuid=tunnel.tunnel_id)
        else:
            answer = cloudflare.get_zero_trust_tunnel_cloudflareds(
                account_id=tunnel.account_id, name=tunnel.name, is_deleted=False
            )
        live = [r for r in answer.results or [] if not r.deleted_at]
        if live:
            out[site.host] = FoundTunnel(live[0].id, live[0].config_src or "")
    return out
