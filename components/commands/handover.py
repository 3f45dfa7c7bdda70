"""`handover`: give a host's module directory to another stack.

A stack refuses to write into a directory whose manifest names another owner
(components.host.ownership). When the other stack no longer deploys there (a stack
renamed, a host moved to another stack), this rewrites the manifest's owner to the
stack named here; its next `up` then replaces the modules the manifest lists. Nothing
else changes on the host: no module is written or removed, nothing is activated.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from components.commands.common import EXITS_PLAIN, add_command, add_stack_args, load_site
from components.commands.status import CHECKOUT
from components.errors import NixedgeError
from components.host.manifest import MANIFEST
from components.host.ownership import Owner, canonical_target, manifest_owner
from components.host.plan import join
from components.host.target import make_transport
from components.host.transport import FileWrite


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = add_command(
        sub,
        "handover",
        "give the module directory of a stack's hosts to that stack (rewrites the manifest's owner)",
        "  .venv/bin/nixedge handover --stack lab   the directories stacks/Pulumi.lab.yaml targets become lab's\n"
        "  .venv/bin/nixedge handover --stack lab --host seminar",
        EXITS_PLAIN,
    )
    add_stack_args(parser)
    parser.add_argument("--host", default=None, help="only this host of a site (default: every host)")
    parser.set_defaults(run=run)


def project_name(root: Path = Path(".")) -> str:
    """The Pulumi project's name (Pulumi.yaml's `name`), as the program records it."""
    for line in (root / "Pulumi.yaml").read_text(encoding="utf-8").splitlines():
        if line.startswith("name:"):
            return line.split(":", 1)[1].strip()
    raise NixedgeError("Pulumi.yaml names no project (`name:`): run nixedge from the checkout's root")


def hand_over(target: dict[str, object], host: str, owner: Owner) -> str:
    """Rewrite the manifest at `target` to name `owner`; the line that says what happened."""
    transport, root = make_transport(target)
    where = canonical_target(target)
    with transport:
        path = join(root, MANIFEST)
        data = transport.read_files([path])[path]
        if data is None:
            return f"{host}: {where} holds no nixedge manifest; the first `up` of {owner.stack} writes it"
        if manifest_owner(data) == owner:
            return f"{host}: {where} already belongs to {owner}"
        body = json.loads(data)
        before = manifest_owner(data)
        body["owner"] = {**owner.to_props(), "target": where}
        transport.write_files([FileWrite(path, (json.dumps(body, indent=2) + "\n").encode())])
    was = f"from {before}" if before else "(it named no owner)"
    return f"{host}: {where} now belongs to {owner} {was}; its next `up` replaces the modules there"


def run(args: argparse.Namespace) -> int:
    site = load_site(args)
    os.chdir(CHECKOUT)  # Pulumi.yaml, and a relative host.target.path starts there, as for the program
    stack = args.stack or (args.config.name.removeprefix("Pulumi.").removesuffix(".yaml") if args.config else "dev")
    owner = Owner(project_name(), stack)
    hosts = [h for h in site.hosts if args.host in (None, h.host)]
    if not hosts:
        raise NixedgeError(f"--host {args.host}: the stack has no such host (it has {', '.join(site.names)})")
    for host in hosts:
        print(hand_over(dict(host.target), host.host, owner))
    return 0
