"""`Tunnel`: a site's Cloudflare Tunnel, created or adopted, and the credentials to run it.

Credentials, for both ingress modes, come from Cloudflare's token endpoint
(`get_zero_trust_tunnel_cloudflared_token`), never from a secret generated here:

- a tunnel created here is created without `tunnel_secret`; Cloudflare generates the
  secret, and the token (base64 of `{"a": account, "t": tunnel id, "s": secret}`, the
  format of cloudflared's `TunnelToken`) carries it. Reading it back on every run gives
  the same value, so the credentials are stable across runs and machines with nothing
  random in the program, no `pulumi_random`, and no secret to keep in stack config;
- an adopted tunnel (made by hand with `cloudflared tunnel create`) works the same way,
  although nixedge never knew its secret.

Remote ingress runs cloudflared with the token itself (`--token-file`); local ingress
runs it with the credentials file `{"AccountTag", "TunnelSecret", "TunnelID"}` decoded
from the same token (what `cloudflared tunnel token --cred-file` writes). The API token
Pulumi uses needs "Cloudflare Tunnel: Edit" for the token endpoint.

The tunnel's config_src is set when it is created and never changed (`ignore_changes`):
a change would replace the tunnel. A `tunnel.ingress` the tunnel cannot run stops the
run before anything depends on its id (see `same_mode`, docs/migrating.md).

Removal: a created tunnel leaving the stack (its host removed from the site, or `pulumi
destroy`) is kept at Cloudflare (`retain_on_delete`), and the engine says so
("[retain]"). The host still runs cloudflared with it: the engine removes a host's
modules without activating it, and Cloudflare refuses to delete a tunnel with active
connections (the provider sends no cascade). docs/sites.md says how to stop cloudflared
on the host and then delete the tunnel.

Adoption: with `tunnel_id` set, the tunnel is read (`ZeroTrustTunnelCloudflared.get`),
not created, imported or managed: nixedge never renames, replaces or deletes a tunnel it
did not create, and `pulumi destroy` leaves it (and its connected cloudflared) in
place. Its id, its CNAME target and its credentials stay what they were, which is what
someone moving a hand-made setup under nixedge wants: no new tunnel, no DNS change.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Literal, NotRequired, TypedDict

import pulumi
import pulumi_cloudflare as cloudflare

from components.errors import EdgeError

CNAME_SUFFIX = ".cfargotunnel.com"

# `ingress` -> the tunnel's config_src at Cloudflare.
CONFIG_SRC: dict[str, str] = {"remote": "cloudflare", "local": "local"}
MODE_SWITCH_DOC = "docs/migrating.md, section Switching tunnel.ingress"


def same_mode(name: str, ingress: str, config_src: str | None) -> None:
    """Refuse an ingress mode the tunnel at Cloudflare cannot run.

    No one config_src serves both modes: on a remotely managed tunnel (`cloudflare`)
    cloudflared sends no local rules to the edge and applies whatever configuration the
    edge holds, which a local mode never updates (deleting a tunnel config in the provider
    leaves it at Cloudflare); a locally managed one (`local`) gets no remote rules. The
    provider replaces a tunnel whose config_src changes, which Cloudflare refuses under
    the same name and which would change its id, secret and every CNAME. So the tunnel
    keeps the config_src it was created with (`ignore_changes`), and a switch stops here,
    before the host or any record changes.
    """
    if config_src is None or config_src.lower() == CONFIG_SRC[ingress]:
        return
    managed = "remotely" if config_src.lower() == "cloudflare" else "locally"
    raise EdgeError(
        f"tunnel.ingress: Cloudflare Tunnel {name} is {managed} managed (config_src {config_src}), "
        f"which {ingress} ingress cannot run, and Cloudflare changes that in no tunnel in place "
        f"(got: {ingress!r})",
        key="tunnel.ingress",
        hint=f"keep tunnel.ingress as it was, or move the tunnel as {MODE_SWITCH_DOC} describes",
    )


class TunnelArgs(TypedDict):
    """Arguments of `Tunnel`."""

    account_id: str
    """Cloudflare account id that owns the tunnel."""
    name: str
    """The tunnel's name at Cloudflare (ignored when adopting: the tunnel keeps its own)."""
    ingress: Literal["remote", "local"]
    """`remote`: the credentials are the tunnel token; `local`: the credentials JSON."""
    tunnel_id: NotRequired[str | None]
    """Id of an existing tunnel to adopt instead of creating one."""


def credentials_from_token(token: str) -> str:
    """The credentials-file JSON of a tunnel token; raises EdgeError when it is not one.

    The message never contains the token.
    """
    try:
        padded = token.strip() + "=" * (-len(token.strip()) % 4)
        fields = json.loads(base64.b64decode(padded, validate=True))
        creds = {"AccountTag": fields["a"], "TunnelSecret": fields["s"], "TunnelID": fields["t"]}
    except (binascii.Error, ValueError, TypeError, KeyError) as exc:
        raise EdgeError(
            "The tunnel token from Cloudflare is not base64 JSON with the fields a, s and t; "
            "cannot write the credentials file for local ingress"
        ) from exc
    if fields.get("e"):
        creds["Endpoint"] = fields["e"]
    return json.dumps(creds, separators=(",", ":"))


def _checked(tunnel_id: str, name: str, ingress: str, config_src: str | None) -> str:
    same_mode(name, ingress, config_src)
    return tunnel_id


class Tunnel(pulumi.ComponentResource):
    """A Cloudflare Tunnel (`nixedge:cloudflare:Tunnel`): created, or adopted by id.

    Contract: `tunnel_id` and `cname_target` are the tunnel's; `credentials` is a Pulumi
    secret holding what cloudflared on the host needs (see the module docstring), stable
    across runs.
    """

    tunnel_id: pulumi.Output[str]
    """The tunnel's UUID."""
    cname_target: pulumi.Output[str]
    """`<tunnel id>.cfargotunnel.com`: what every published hostname is a CNAME to."""
    credentials: pulumi.Output[str]
    """Secret. Remote ingress: the tunnel token; local ingress: the credentials JSON."""
    adopted: bool
    """Whether the tunnel existed before (read by id) rather than created here."""

    def __init__(self, name: str, args: TunnelArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("nixedge:cloudflare:Tunnel", name, {}, opts)
        child = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(parent=self))
        account_id = args["account_id"]
        existing = args.get("tunnel_id")
        self.adopted = existing is not None
        if existing is not None:
            # A read, not an import: Pulumi never changes or deletes this tunnel.
            # The id format is the provider's import id, `<account_id>/<tunnel_id>`.
            tunnel = cloudflare.ZeroTrustTunnelCloudflared.get(
                name, f"{account_id}/{existing}", opts=pulumi.ResourceOptions(parent=self)
            )
            found: pulumi.Output[str] = pulumi.Output.from_input(existing)
        else:
            tunnel = cloudflare.ZeroTrustTunnelCloudflared(
                name,
                account_id=account_id,
                name=args["name"],
                # Set once, at creation: a change would replace the tunnel (see `same_mode`).
                config_src=CONFIG_SRC[args["ingress"]],
                # No tunnel_secret: Cloudflare generates it (see the module docstring).
                # Kept at Cloudflare when it leaves the stack (see the module docstring).
                opts=pulumi.ResourceOptions.merge(
                    child, pulumi.ResourceOptions(ignore_changes=["config_src"], retain_on_delete=True)
                ),
            )
            found = tunnel.id
        # Everything downstream (credentials, records, rules) waits for this check.
        self.tunnel_id = pulumi.Output.all(found, tunnel.config_src).apply(
            lambda values: _checked(values[0], args["name"], args["ingress"], values[1])
        )
        self.cname_target = self.tunnel_id.apply(lambda tid: f"{tid}{CNAME_SUFFIX}")
        token = cloudflare.get_zero_trust_tunnel_cloudflared_token_output(
            account_id=account_id,
            tunnel_id=self.tunnel_id,
            opts=pulumi.InvokeOutputOptions(parent=self),
        ).token
        if args["ingress"] == "remote":
            self.credentials = pulumi.Output.secret(token)
        else:
            self.credentials = pulumi.Output.secret(token.apply(credentials_from_token))
        self.register_outputs(
            {
                "tunnel_id": self.tunnel_id,
                "cname_target": self.cname_target,
                "credentials": self.credentials,
            }
        )
