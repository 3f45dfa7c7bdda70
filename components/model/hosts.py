"""A site of several hosts: `nixedge:site: {hosts: {<name>: <one host's site>}}`.

Each entry under `hosts` has exactly the shape of a one-host stack's `nixedge:site`
(host, network, tunnel, containers, origins, secrets, postgresql), so turning a one-host
stack into a site is indenting its site under `hosts: {<host.name>: ...}`. Each host is
validated, resolved and rendered alone, exactly as its own one-host stack would be
(address plans and user ids may repeat across hosts; a route can only name a container
of its own host, whose tunnel reaches nothing else); `components.model.checks.across_hosts`
adds what only the whole site shows. Error keys are prefixed `hosts.<name>.`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from components.errors import ConfigError, Issue
from components.model.checks.across_hosts import check_across_hosts
from components.model.load import SITE_KEY, site_from_data
from components.model.modules import ModuleTexts
from components.model.resolved import ResolvedSite
from components.model.rollout import ROLLOUT, Rollout, rollout_from_data

HOSTS = "hosts"


@dataclass(frozen=True)
class ResolvedHosts:
    """Every host of a stack, by name. `site` is False for today's one-host shape (its
    outputs and messages stay as they were), True for the `hosts:` shape."""

    hosts: tuple[ResolvedSite, ...]
    site: bool = False
    rollout: Rollout | None = None
    """`rollout:` beside `hosts:` (components.model.rollout); None: every host at once."""

    @property
    def warnings(self) -> tuple[str, ...]:
        if not self.site:
            return self.hosts[0].warnings
        return tuple(f"{HOSTS}.{h.host}.{w}" for h in self.hosts for w in h.warnings)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(h.host for h in self.hosts)


def _prefixed(issue: Issue, prefix: str) -> Issue:
    return replace(issue, loc=f"{prefix}.{issue.loc}" if issue.loc else prefix)


def _entry(name: Any, entry: Any, issues: list[Issue]) -> dict[str, Any] | None:
    """One host's site, with `host.name` filled in from its key (or checked against it)."""
    loc = f"{HOSTS}.{name}"
    if not isinstance(entry, dict):
        issues.append(Issue(loc, "must be a mapping with host, network and containers, like a one-host site", entry))
        return None
    host = entry.get("host")
    if not isinstance(host, dict):
        return entry  # the host's own validation reports it
    if "name" not in host:
        return {**entry, "host": {**host, "name": name}}
    if host["name"] != name:
        issues.append(
            Issue(
                f"{loc}.host.name",
                f"must be the name the host is listed under ({name})",
                host["name"],
                hint="leave host.name out inside a site: the key under hosts names the host",
            )
        )
    return entry


def _host(name: str, entry: dict[str, Any], source: str, modules: ModuleTexts | None) -> ResolvedSite:
    prefix = f"{HOSTS}.{name}"
    try:
        resolved = site_from_data(entry, source, modules)
    except ConfigError as exc:
        raise ConfigError([_prefixed(i, prefix) for i in exc.issues], source) from None
    tunnel = resolved.tunnel
    if tunnel is not None and tunnel.publish_issues:
        publish = tuple(_prefixed(i, prefix) for i in tunnel.publish_issues)
        resolved = replace(resolved, tunnel=replace(tunnel, publish_issues=publish))
    return resolved


def hosts_from_data(
    data: Any, source: str = "stack config", modules: ModuleTexts | None = None, project_dir: str | None = None
) -> ResolvedHosts:
    """Validate `nixedge:site` in either shape and resolve every host, or raise one
    ConfigError listing every problem of every host. `modules`: as for site_from_data;
    `project_dir`: where relative local targets start (left out, they are compared as
    written, normalised, and never equal an absolute one)."""
    if not isinstance(data, dict) or HOSTS not in data:
        return ResolvedHosts((site_from_data(data, source, modules),))
    issues = [
        Issue(key, f"is not a known key beside {HOSTS}", has_value=False, hint=f"move it under {HOSTS}.<name>")
        for key in sorted(data, key=str)
        if key not in (HOSTS, ROLLOUT)
    ]
    hosts = data[HOSTS]
    if not isinstance(hosts, dict) or not hosts:
        raise ConfigError([*issues, Issue(HOSTS, "must be a mapping of host name -> that host's site", hosts)], source)
    # Sorted as text: data from Python (not YAML, not the engine's JSON) may hold other keys.
    ordered = sorted(hosts.items(), key=lambda item: str(item[0]))
    entries = {str(name): e for name, raw in ordered if (e := _entry(name, raw, issues)) is not None}
    resolved: list[ResolvedSite] = []
    for name, entry in entries.items():
        try:
            resolved.append(_host(name, entry, source, modules))
        except ConfigError as exc:
            issues += exc.issues
    rollout, rollout_issues = rollout_from_data(data[ROLLOUT], list(entries)) if ROLLOUT in data else (None, [])
    issues += rollout_issues
    if not issues:
        issues = check_across_hosts(resolved, project_dir)
    if issues:
        raise ConfigError(issues, source)
    return ResolvedHosts(tuple(resolved), site=True, rollout=rollout)


__all__ = ["HOSTS", "SITE_KEY", "ResolvedHosts", "hosts_from_data"]
