"""`python -m tests.cloudflare_plugin_standin.rehearse DIR ZONE=ID ...`: put the stand-in
in DIR for rehearsing a guide's Cloudflare recipes on this machine, without an account.

Writes DIR/bin/pulumi-resource-cloudflare and a fresh account DIR/cloudflare.json that
holds the zones given (DIR is new, empty, or an earlier rehearsal's: a directory with
other files is refused); then prints the one line that puts them to use in a shell
(`eval` it, or type it): DIR/bin first on PATH and the account's file in
NIXEDGE_CF_STANDIN_STATE. A new shell forgets both and finds the real plugin again.
"""

from __future__ import annotations

import re
import shlex
import sys
from pathlib import Path

from tests.cloudflare_plugin_standin import install
from tests.cloudflare_plugin_standin.account import STATE_ENV

USAGE = "usage: python -m tests.cloudflare_plugin_standin.rehearse DIR ZONE=ZONE_ID [ZONE=ZONE_ID ...]"
_ZONE = re.compile(r"^(?P<name>[a-z0-9.-]+\.[a-z]{2,})=(?P<id>[0-9a-f]{32})$")


def zones(args: list[str]) -> dict[str, str]:
    """ZONE=ID arguments as a map; ValueError naming the first that is not one."""
    found: dict[str, str] = {}
    for arg in args:
        m = _ZONE.match(arg)
        if m is None:
            raise ValueError(f"{arg!r} is not ZONE=ZONE_ID (a domain, '=', 32 hex digits)")
        found[m["name"]] = m["id"]
    return found


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 0 if argv[:1] in (["-h"], ["--help"]) else 2
    try:
        account = zones(argv[1:])
    except ValueError as exc:
        print(f"{exc}\n{USAGE}", file=sys.stderr)
        return 2
    where = Path(argv[0]).resolve()
    if where.exists() and any(where.iterdir()) and not (where / "cloudflare.json").is_file():
        # Not an earlier rehearsal's: its files are somebody's, and bin/ would be written over.
        print(f"{where} holds files of its own: give the rehearsal a directory of its own", file=sys.stderr)
        return 2
    if (where / "cloudflare.json").is_file():
        print(f"{where}: an earlier rehearsal's account is replaced by a fresh one", file=sys.stderr)
    standin = install(where / "bin", where / "cloudflare.json", account)
    path = shlex.quote(str(standin.bin))
    print(f'export PATH={path}:"$PATH" {STATE_ENV}={shlex.quote(str(standin.state))}')
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
