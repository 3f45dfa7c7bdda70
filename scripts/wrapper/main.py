"""`scripts/pulumi`: the Pulumi CLI for this checkout. Every doc and test runs Pulumi
through it, with any pulumi arguments in any order:

    scripts/pulumi up --stack dev --yes

Each job is one call below, in this order: the environment (the local file backend in
`.state/` unless PULUMI_BACKEND_URL is set; this checkout's CLI and plugins first on
PATH); the wrapper's own help (`--help` adds its lines to Pulumi's, `recover --help`);
the stack (named on the command line, else the selected one); the dev stack's public
passphrase whatever the shell exports (scripts/wrapper/passphrase.py); the state check
of a file backend (`scripts/state/`), which repairs what a killed run left or stops
with the command to run, and is all that `scripts/pulumi recover` does (on a stack
that exists); the Cloudflare provider plugin for a stack that publishes at Cloudflare;
the lock directory of an S3 backend; a warning when the stack's file was copied with
another stack's `encryptionsalt` (Pulumi says only "incorrect passphrase"), else when
the exported passphrase does not open the stack's salt; the bad YAML of the stack
file, at its line; a stack no one has (the stacks there, the one meant) or, in an S3
backend, one not created yet (the `stack init` that creates it); the stack's creation
on first use when `stacks/Pulumi.<stack>.yaml` exists in a file backend; `stack rm`
keeping that file. Then the CLI.

Ctrl-C before the CLI starts ends with one line and exit code 130: the CLI has not run,
so nothing was deployed, and each job above starts over on the next run.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

if __name__ == "__main__":  # run as a file: this checkout, not scripts/wrapper/, on sys.path
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from scripts.state import run as state
from scripts.wrapper import (
    backend,
    cloudflare_plugin,
    command_line,
    copied_salt,
    passphrase,
    s3_lock_dir,
    stack_file,
    stacks,
    usage,
)


def run(args: list[str]) -> int:
    """The jobs before the CLI; the exit code when one stops the command, else execs."""
    line = command_line.parse(args)
    env = backend.environment(dict(os.environ))
    if usage.recover_help(line):
        return usage.show_recover_help()
    stack = None if line.asks_only_for_help else line.stack or stacks.selected(line, env)
    passphrase.give(env, stack, line)
    os.environ.clear()
    os.environ.update(env)  # for the CLI and for every job that runs it
    if line.asks_only_for_help:
        return usage.show_root_help(args) if usage.root_help(line) else cli(args)
    url, root = env["PULUMI_BACKEND_URL"], backend.directory(env["PULUMI_BACKEND_URL"])
    if line.command == "recover":
        return stacks.refuse_unknown(env, stack) or state.recover(root, url, stack)
    if root is not None and (code := state.check(root, stack, line.command)):
        return code
    if code := cloudflare_plugin.ensure_for(line.command, stack):
        return code
    s3_lock_dir.keep(line, url, stack)
    if not copied_salt.warn(line, env, stack):
        passphrase.warn(line, env, stack)
    stack_file.explain_bad_yaml(line, stack)
    stacks.say_unknown(line, env, stack)
    if code := stacks.init_on_first_use(line, env, stack):
        return code
    return cli(stacks.keeping_the_stack_file(line, args, stack))


def cli(args: list[str]) -> NoReturn:
    os.execvp("pulumi", ["pulumi", *args])


INTERRUPTED = "scripts/pulumi: interrupted before pulumi started (nothing was deployed); run the same command again"


def main(args: list[str]) -> int:
    """`run`, with Ctrl-C (SIGINT, e.g. during a slow import) as one line and exit code 130."""
    try:
        return run(args)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
