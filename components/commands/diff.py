"""`diff`: what a change to a stack config does to the generated Nix, the routes and DNS.

Renders the stack file as it is at a git revision (`--base`, default HEAD) and as it is
in the working tree, both with the current code (the question is what the config change
does, not what a code change does), then prints a unified diff of the Nix modules and a
summary of route, address and DNS changes. Exit 0: no change; 1: changes; 2: an error.
No Pulumi state, no credentials, no network: git, the stack-file room and the pure model
and renderer; the Pulumi CLI, when there is one, only reads the working tree's stack file
(components/stackfile/cli_config.py) to prove it reads it as `check` does.
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path, PurePosixPath

from components.commands.common import add_command, add_json_arg, add_stack_args
from components.errors import ConfigError, NixedgeError
from components.model import ResolvedSite, Unreadable
from components.model.hosts import ResolvedHosts, hosts_from_data
from components.model.modules import module_refs
from components.nixos.render import render
from components.stackfile import read_stack_bytes, stack_path
from components.stackfile.agree import engine_agrees

WORKING_TREE = "the working tree"
_COLORS = {"+": "\033[32m", "-": "\033[31m", "@": "\033[36m", "header": "\033[1m"}  # git's defaults
_RESET = "\033[0m"


class DiffError(NixedgeError):
    """Raised when `diff` has no base to compare with: no git, no repository, a bad
    revision, or a stack file that exists on neither side."""


@dataclass(frozen=True)
class Side:
    """One side of the comparison: its label for messages and the site (None: no file).
    A site of several hosts shows each host's files and keys under its name."""

    label: str
    site: ResolvedHosts | None

    @cached_property
    def files(self) -> dict[str, str]:
        return per_host(self.site, render, "/")


def per_host(
    site: ResolvedHosts | None, facts: Callable[[ResolvedSite], Mapping[str, str]], sep: str = ": "
) -> dict[str, str]:
    """`facts` of each host, keyed `<host><sep><key>` in a site of hosts (as is for one host)."""
    if site is None:
        return {}
    if not site.site:
        return dict(facts(site.hosts[0]))
    return {f"{h.host}{sep}{k}": v for h in site.hosts for k, v in facts(h).items()}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "diff",
        "show what a stack config change does to the Nix modules, routes and DNS",
        "  .venv/bin/nixedge diff --stack dev                 working tree against HEAD\n"
        "  .venv/bin/nixedge diff --stack seminar --base main --color auto\n"
        "  .venv/bin/nixedge diff --stack dev --json | jq .changed",
        "  0  no change\n  1  the config changes something (shown)\n"
        "  2  an error (no git, a bad revision, a bad stack file)",
    )
    add_stack_args(parser)
    add_json_arg(parser)
    parser.add_argument(
        "--base", "-b", default="HEAD", help="git revision to compare the working tree with (default: HEAD)"
    )
    parser.add_argument(
        "--color",
        choices=("never", "always", "auto"),
        default="never",
        help="color the diff (default: never; auto: when stdout is a terminal)",
    )
    parser.set_defaults(run=run)


# --- git ------------------------------------------------------------------------------


def _git(cwd: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", "-C", str(cwd), *args], capture_output=True, check=False)
    except FileNotFoundError:
        raise DiffError("diff needs git, and no `git` is on PATH") from None


def locate(path: Path) -> tuple[Path, str]:
    """The git work tree that holds `path`, and the path inside it as `REF:path` wants it."""
    absolute = Path(os.path.abspath(path))
    # The file may be gone from the working tree (deleted stack): ask git from its nearest directory.
    parent = next(p for p in (absolute.parent, *absolute.parents) if p.is_dir())
    proc = _git(parent, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise DiffError(f"{path} is not inside a git repository: there is no base to compare it with")
    top = Path(proc.stdout.decode().strip()).resolve()
    real = absolute.parent.resolve() / absolute.name
    try:
        return top, real.relative_to(top).as_posix()
    except ValueError:
        raise DiffError(f"{path} is outside the git work tree {top}") from None


def resolve_ref(repo: Path, ref: str) -> str:
    """The commit id that `ref` names; `--end-of-options` keeps a ref like `-x` from being an option."""
    proc = _git(repo, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if proc.returncode != 0:
        raise DiffError(
            f"REF {ref!r} is not a git revision in {repo}\n"
            "  Hint: give a commit, branch or tag (HEAD, main, origin/main); in CI, check out with fetch-depth: 0"
        )
    return proc.stdout.decode().strip()


def read_at(repo: Path, commit: str, rel: str) -> bytes | None:
    """The file `rel` as it is in `commit`, or None when it does not exist there."""
    proc = _git(repo, "cat-file", "blob", f"{commit}:{rel}")
    return proc.stdout if proc.returncode == 0 else None


# --- loading both sides ---------------------------------------------------------------


def _side(
    data: bytes, name: str, source: str, read_module: Callable[[str], bytes | None], *, deployed: bool = False
) -> ResolvedHosts:
    """Validate a stack file's bytes; errors name the file `name` and the side (`source`).
    Modules that containers import by path come from `read_module` (the side's project).
    The side to be `deployed` is also read by the Pulumi CLI when there is one: where the
    engine would read it otherwise than `check`, the review would not be what deploys."""
    try:
        written = read_stack_bytes(data, name)
        if deployed:
            engine_agrees(data, written, name, source)
    except ConfigError as exc:
        raise ConfigError(exc.issues, source) from None
    modules: dict[str, str | Unreadable] = {}
    for ref in sorted(module_refs(written.site)):
        content = read_module(ref)
        try:
            modules[ref] = content.decode("utf-8") if content is not None else Unreadable("No such file or directory")
        except UnicodeDecodeError:
            modules[ref] = Unreadable("not UTF-8 text")
    try:
        return hosts_from_data(written.site, source, modules)
    except ConfigError as exc:
        raise ConfigError(exc.issues, source) from None


def _working_file(path: Path) -> Callable[[str], bytes | None]:
    def read(ref: str) -> bytes | None:
        try:
            return (path / ref).read_bytes()
        except OSError:
            return None

    return read


def load_sides(path: Path, ref: str) -> tuple[Side, Side, str]:
    """The base and working-tree sides of the stack file at `path`, and its repo-relative name."""
    repo, rel = locate(path)
    commit = resolve_ref(repo, ref)
    data = read_at(repo, commit, rel)
    working = repo / rel
    if data is None and not working.is_file():
        raise DiffError(f"{rel} exists neither at {ref} nor in {WORKING_TREE}")
    # The working tree first: when both sides are invalid, its errors are the ones to fix.
    # A stack file lives in <project>/stacks/; imported module paths are relative to <project>.
    project = PurePosixPath(rel).parent.parent
    head_site = (
        _side(working.read_bytes(), rel, f"{rel} in {WORKING_TREE}", _working_file(repo / project), deployed=True)
        if working.is_file()
        else None
    )
    head = Side(WORKING_TREE, head_site)

    def fetch(ref_path: str) -> bytes | None:
        return read_at(repo, commit, str(project / ref_path))

    base_site = _side(data, rel, f"{rel} at {ref} (the base)", fetch) if data is not None else None
    if base_site is not None and head_site is not None and base_site.site != head_site.site:
        # A stack rewritten as a site: compare both by host, so that only real changes show.
        base_site, head_site = replace(base_site, site=True), replace(head_site, site=True)
        head = Side(WORKING_TREE, head_site)
    base = Side(ref, base_site)
    return base, head, rel


# --- the Nix diff ---------------------------------------------------------------------


def nix_diff(old: Mapping[str, str], new: Mapping[str, str]) -> list[str]:
    """A unified diff of two rendered trees, file by file; /dev/null for an added or removed file."""
    lines: list[str] = []
    for rel in sorted(old.keys() | new.keys()):
        a, b = old.get(rel), new.get(rel)
        if a == b:
            continue
        lines += difflib.unified_diff(
            a.splitlines() if a is not None else [],
            b.splitlines() if b is not None else [],
            f"a/{rel}" if a is not None else "/dev/null",
            f"b/{rel}" if b is not None else "/dev/null",
            lineterm="",
        )
    return lines


def colorize(lines: Iterable[str]) -> Iterator[str]:
    for line in lines:
        color = _COLORS["header"] if line.startswith(("--- ", "+++ ")) else _COLORS.get(line[:1])
        yield f"{color}{line}{_RESET}" if color else line


# --- the summary ----------------------------------------------------------------------


def _keyed(old: Mapping[str, str], new: Mapping[str, str], removed_note: bool = True) -> list[str]:
    """`+`, `-` and `~` lines for two {name: description} maps, sorted by name."""
    out: list[str] = []
    for key in sorted(old.keys() | new.keys()):
        a, b = old.get(key), new.get(key)
        if a == b:
            continue
        if a is None:
            out.append(f"+ {key}: {b}")
        elif b is None:
            out.append(f"- {key}" + (f" (was {a})" if removed_note else ""))
        else:
            out.append(f"~ {key}: {a} -> {b}")
    return out


def routes(site: ResolvedSite | None) -> dict[str, str]:
    return {r.hostname: r.service for r in site.routes} if site else {}


def addresses(site: ResolvedSite | None) -> dict[str, str]:
    if site is None:
        return {}
    # "-": a private network without addresses.
    out = {c.name: f"host {c.host_address or '-'}, local {c.local_address or '-'}" for c in site.containers}
    return out | {o.name: f"OCI image {o.image}, address {o.address}" for o in site.oci_containers}


def dns_records(site: ResolvedSite | None) -> dict[str, str]:
    """The records Pulumi manages, only with a Cloudflare account: one proxied CNAME per
    hostname, and the further records (several may share a name and type: keyed by content)."""
    if site is None or site.tunnel is None or site.tunnel.account_id is None:
        return {}
    t = site.tunnel
    records = {f"{r.hostname} CNAME": f"tunnel {t.name} (zone {r.zone}, proxied)" for r in site.routes}
    for d in t.dns_records:
        proxied = "proxied" if d.proxied else "DNS only"
        records[f"{d.name} {d.type} {d.content}"] = f"zone {d.zone}, {proxied}, ttl {d.ttl}"
    return records


def settings(site: ResolvedSite | None) -> dict[str, str]:
    """Where and how the modules land, and the tunnel: changes here reach no Nix file."""
    if site is None:
        return {}
    target = ", ".join(f"{k} {v}" for k, v in sorted(site.target.items()))
    # No command is activation mode none: say so, not an empty value.
    activation = " ".join(site.activation_command) or "none (mode none: nothing activated)"
    out = {"host": site.host, "target": target, "activation": activation}
    if site.tunnel is not None:
        t = site.tunnel
        zones = ", ".join(f"{name} ({zone_id or 'looked up by name'})" for name, zone_id in sorted(t.zones.items()))
        out |= {
            "tunnel.name": t.name,
            "tunnel.ingress": t.ingress,
            "tunnel.accountId": str(t.account_id),
            "tunnel.tunnelId": str(t.tunnel_id),
            "tunnel.zones": zones,
            "tunnel.catchAll": t.catch_all,
        }
    return out


def _section(title: str, lines: list[str]) -> list[str]:
    if not lines:
        return [f"{title}: no change"]
    return [f"{title}: {len(lines)} change(s)"] + [f"  {line}" for line in lines]


def sections(base: Side, head: Side) -> list[tuple[str, list[str]]]:
    """Each section's title and its `+`, `-`, `~` lines."""
    old, new = base.site, head.site
    old_files, new_files = base.files, head.files
    files = [
        ("+ " if path not in old_files else "- " if path not in new_files else "~ ") + path
        for path in sorted(old_files.keys() | new_files.keys())
        if old_files.get(path) != new_files.get(path)
    ]
    found = [
        ("Nix modules", files),
        ("Routes", _keyed(per_host(old, routes), per_host(new, routes))),
        ("Containers", _keyed(per_host(old, addresses), per_host(new, addresses))),
        ("DNS records", _keyed(per_host(old, dns_records), per_host(new, dns_records), removed_note=False)),
    ]
    # A whole file added or removed is said once above; its settings would only repeat it.
    if old is not None and new is not None:
        found.append(("Host and tunnel settings", _keyed(per_host(old, settings), per_host(new, settings))))
    return found


def summary(rel: str, base: Side, head: Side) -> tuple[list[str], bool]:
    """The summary lines and whether anything (rendered or not) differs."""
    found = sections(base, head)
    out = [f"Summary of {rel}: {base.label} -> {head.label}"]
    for title, lines in found:
        out += _section(title, lines)
    return out, any(lines for _, lines in found)


# --- the command ----------------------------------------------------------------------


def _stack_file(args: argparse.Namespace) -> Path:
    return args.config if args.config is not None else stack_path(args.stack or "dev")


def _use_color(choice: str) -> bool:
    return choice == "always" or (choice == "auto" and sys.stdout.isatty())


def run(args: argparse.Namespace) -> int:
    base, head, rel = load_sides(_stack_file(args), args.base)
    if head.site is not None:
        for warning in head.site.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    if base.site is None and not args.json:
        print(f"{rel} does not exist at {args.base}: everything in it is added.")
    if head.site is None and not args.json:
        print(f"{rel} does not exist in {WORKING_TREE}: everything in it is removed.")
    lines = nix_diff(base.files, head.files)
    text, changed = summary(rel, base, head)
    if args.json:
        body = {"stackFile": rel, "base": args.base, "changed": changed, "nixDiff": lines,
                "summary": {title: found for title, found in sections(base, head)}}  # fmt: skip
        print(json.dumps(body, indent=2))
        return 1 if changed else 0
    if not changed:
        print(f"No change: {rel} renders the same at {args.base} and in {WORKING_TREE}.")
        return 0
    if lines:  # a change may reach only Cloudflare (DNS, zone ids): no Nix diff then
        print("\n".join(colorize(lines) if _use_color(args.color) else lines), end="\n\n")
    print("\n".join(text))
    return 1
