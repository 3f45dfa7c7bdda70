"""The NixOS releases nixedge renders for, and what differs between them.

`host.nixosRelease` names the release the host runs (`nixos-version` prints it); the
renderer asks this module what that release's nixpkgs offers, so that one stack renders
what its host can evaluate:

- PostgreSQL: from 25.11 on, `postgresql.service` is ready before the `ensureDatabases`
  and `ensureUsers` scripts have run (they moved to `postgresql-setup.service`, and
  `postgresql.target` waits for both); a container that needs its database orders
  after the target there, after the service before.
- cloudflared: remote ingress runs `cloudflared tunnel run --token-file`. From 26.11 on
  nixpkgs' own `services.cloudflared.tunnels.<name>.tokenFile` runs it (through
  LoadCredential, as nixedge's unit does); before, nixedge renders that unit itself.
  (The nixpkgs read for this is the 26.11 one; should an older release have the option
  too, nixedge's unit there is the same service under the same name.)

25.05 is the oldest release supported: it is the first whose `services.cloudflared` reads
the credentials through LoadCredential (a dynamic user), which the root-only credentials
file nixedge writes needs.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field

RELEASES = ("25.05", "25.11", "26.05", "26.11")
"""Every release nixedge is tested to render for, oldest first."""
DEFAULT_RELEASE = "26.11"
"""The current stable release, assumed when the stack does not name one."""
CLOUDFLARED_MIN_VERSION = "2025.4.0"
"""The first cloudflared with `tunnel run --token-file`."""


def _release(release: str) -> str:
    if release not in RELEASES:
        raise ValueError(f"must be a NixOS release nixedge supports: {', '.join(RELEASES)} (as a string)")
    return release


# A string checked here (its message lists the releases), an enum for editors' schema checks.
NixosRelease = Annotated[str, AfterValidator(_release), Field(json_schema_extra={"enum": list(RELEASES)})]


def _at_least(release: str, first: str) -> bool:
    return RELEASES.index(release) >= RELEASES.index(first)


def postgresql_unit(release: str) -> str:
    """The host unit after which PostgreSQL serves the databases and roles NixOS ensures."""
    return "postgresql.target" if _at_least(release, "25.11") else "postgresql.service"


def cloudflared_token_file_option(release: str) -> bool:
    """Whether nixpkgs' `services.cloudflared.tunnels.<name>.tokenFile` exists."""
    return _at_least(release, "26.11")
