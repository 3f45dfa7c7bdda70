"""The state check of `scripts/pulumi`: torn writes and leftovers of a killed run in
Pulumi's local file backend, found before the CLI runs; repaired when that is provably
safe, each repair said in one line on stderr; otherwise the exact command to run, and the
CLI does not start.

How the file backend writes a file (pulumi's pkg/backend/diy on gocloud.dev's fileblob
with `no_tmp_dir`), none of it fsynced, and what a kill leaves at each step:

1. the new content goes to `<file>.<hex ns>.tmp` beside it: killed here, a partial
   `.tmp` is left, and the file is intact;
2. the sidecar `<file>.attrs` (content type, md5 of the new content) is truncated and
   written in place: killed here, it is empty or cut, the `.tmp` is complete, and every
   read of the file fails (`failed to load checkpoint: EOF` for a stack's checkpoint);
3. the `.tmp` is renamed over the file (atomic), so a file is never cut by a kill. Only a
   crash of the machine or a full disk cuts one; for a checkpoint, the copy made before
   each write (`<file>.bak`, written the same way) is the previous step.

A deletion removes the file, then its sidecar. A lock is
`.pulumi/locks/<org>/<project>/<stack>/<id>.json` holding `{pid, username, hostname,
timestamp}`: its holder is provably gone when it names this machine and that pid is not
a process here that started before the lock was taken. Nothing is repaired on a backend
on a network file system (another machine may be writing), nor under a stack whose lock
is held by a live process, nor next to a `.tmp` that a process still has open.

Modules: `files` (what the backend's files hold), `machine` (processes and file systems
of this machine), `check` (one run over a backend, and its locks), `torn` (torn writes),
`pending` (interrupted creates), `run` (the entry `scripts/pulumi` calls).
"""
