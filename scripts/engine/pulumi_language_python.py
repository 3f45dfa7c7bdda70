"""Our `pulumi-language-python`: the Pulumi CLI's language host for Python programs.

Upstream's host is a Go binary that is not served as a Go module, so `scripts/setup`
puts a shim in `.venv/bin` that runs this file with the venv's Python whenever the
chosen CLI has no host of its own. The CLI starts it with the engine address as the
last argument, reads the gRPC port from the first line of stdout, calls `Run` once,
then stops it with SIGINT.

Unlike upstream, the program runs inside this process (no second interpreter), as the
SDK's Automation API server (`pulumi.automation._server.LanguageServer`) runs a callable:
`reset_options` with the request's monitor address and dry-run flag, its config and
secrets, then `run_in_stack` on a fresh event loop. Its steps are ours rather than that
servicer's so that a run the engine cancelled (a provider that failed to load, Ctrl-C)
ends without a Python traceback: the engine has already said why. Ctrl-C at a terminal
reaches this process too (SIGINT to the process group): it tells the engine in one line
and stops the server under the running program, whose next step then fails ("cannot
schedule new futures after shutdown"); that failure is a cancel, not news.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import os
import runpy
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent import futures
from importlib import metadata
from typing import Any

import grpc
from parent_death import die_with_parent
from pulumi import RunError, log
from pulumi.runtime import reset_options, run_in_stack, set_all_config, settings
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc, language_pb2, language_pb2_grpc, plugin_pb2

STOPPING = threading.Event()
"""Set by SIGINT or SIGTERM: from then on a failing program was interrupted, not broken."""
RUNNING = threading.Event()
"""Set while `Run` runs a program: a SIGINT then interrupts a run the engine waits for."""
INTERRUPTED = "the program stopped: the run was interrupted (SIGINT)"


class PythonLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """Answers the RPCs `pulumi preview/up/refresh/destroy` make; others are UNIMPLEMENTED."""

    def __init__(self, engine_address: str) -> None:
        self._engine_address = engine_address

    def GetPluginInfo(self, request: Any, context: grpc.ServicerContext) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=metadata.version("pulumi"))

    def About(self, request: Any, context: grpc.ServicerContext) -> language_pb2.AboutResponse:
        version = ".".join(str(part) for part in sys.version_info[:3])
        return language_pb2.AboutResponse(executable=sys.executable, version=version)

    def GetRequiredPlugins(
        self, request: Any, context: grpc.ServicerContext
    ) -> language_pb2.GetRequiredPluginsResponse:
        # None, on purpose: upstream would list every installed package's resource
        # plugin (pulumi-cloudflare's included), and the engine would then try to
        # download plugins it cannot get here even for stacks that never use them.
        # The engine loads a provider when the program first registers a resource of
        # its package, and the dynamic provider plugin ships with this set-up.
        return language_pb2.GetRequiredPluginsResponse()

    def GetRequiredPackages(
        self, request: Any, context: grpc.ServicerContext
    ) -> language_pb2.GetRequiredPackagesResponse:
        # Same reasoning as GetRequiredPlugins.
        return language_pb2.GetRequiredPackagesResponse()

    def Run(self, request: language_pb2.RunRequest, context: grpc.ServicerContext) -> language_pb2.RunResponse:
        info = request.info
        program_dir = os.path.abspath(info.program_directory or request.pwd or ".")
        entry = os.path.normpath(os.path.join(program_dir, info.entry_point or "."))
        root_dir = info.root_directory or program_dir

        def program() -> None:
            # As upstream does: the program's own directory first on sys.path (so
            # `import components` works), as working directory, and run as __main__.
            settings.SETTINGS.root_directory = root_dir
            os.chdir(program_dir)
            if program_dir not in sys.path:
                sys.path.insert(0, program_dir)
            sys.argv = [entry, *request.args]
            try:
                runpy.run_path(entry, run_name="__main__")
            except RunError:
                raise  # reported as its message alone, as upstream does
            except Exception as exc:  # noqa: BLE001 - any program error is reported
                # Reported with the program's own frames only: this host's and
                # runpy's frames say nothing to whoever reads the error.
                raise RunError(_program_traceback(exc)) from None

        # The settings live in context variables: each run gets its own copy.
        RUNNING.set()
        try:
            return contextvars.copy_context().run(run_stack, request, self._engine_address, program)
        finally:
            RUNNING.clear()


def run_stack(
    request: language_pb2.RunRequest, engine_address: str, program: Callable[[], None]
) -> language_pb2.RunResponse:
    """Runs `program` as the stack the request names; an error is logged to the engine
    here and answered with `bail`, which stops the CLI from printing it a second time
    as "an unhandled error occurred"."""
    # As the SDK's entry point does: a faulted task nobody awaited is not news.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    reset_options(
        project=request.project,
        monitor_address=request.monitor_address,
        engine_address=engine_address,
        stack=request.stack,
        parallel=request.parallel,
        preview=request.dryRun,
        organization=request.organization or "organization",
    )
    if request.config:
        set_all_config(dict(request.config), list(request.configSecretKeys) or None)
    loop = asyncio.new_event_loop()
    loop.set_default_executor(futures.ThreadPoolExecutor(max_workers=max(request.parallel, 1) * 4))
    try:
        loop.run_until_complete(run_in_stack(program))
    except RunError as exc:
        log.error(str(exc))
        return language_pb2.RunResponse(bail=True)
    except BaseException as exc:  # noqa: BLE001 - any failure is reported to the engine
        if STOPPING.is_set():
            # `main` has said so already, while the engine still waited for this run.
            log.debug(f"After the interrupt: {exc!r}")
        elif _cancelled_by_engine(exc):
            # The engine stopped answering on purpose and reports its reason itself
            # (e.g. "no resource plugin 'pulumi-resource-cloudflare' found").
            log.debug(f"The engine cancelled the run: {exc}")
        else:
            log.error(f"python inline source runtime error: {exc}\n{traceback.format_exc()}")
        return language_pb2.RunResponse(bail=True)
    finally:
        # Tasks left pending by a failed run would warn "Task was destroyed but it is
        # pending!" when the loop closes.
        for task in asyncio.all_tasks(loop):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                loop.run_until_complete(task)
        loop.close()
        sys.stdout.flush()
        sys.stderr.flush()
    return language_pb2.RunResponse()


def say_interrupted(engine_address: str) -> None:
    """One line for the person who pressed Ctrl-C, sent before this host stops its
    server: the engine still waits for the run then, so the line reaches the output
    (said later, by the failing program, it raced the engine's own exit)."""
    try:
        with grpc.insecure_channel(engine_address, options=_GRPC_CHANNEL_OPTIONS) as channel:
            request = engine_pb2.LogRequest(severity=engine_pb2.WARNING, message=INTERRUPTED)
            engine_pb2_grpc.EngineStub(channel).Log(request, timeout=10)
    except (grpc.RpcError, ValueError):  # no engine to tell: stderr reaches the CLI's output
        print(INTERRUPTED, file=sys.stderr, flush=True)


def _cancelled_by_engine(exc: BaseException) -> bool:
    """Whether `exc` comes from an engine call that the engine cancelled or ended: the
    SDK re-raises such a gRPC error as a bare `Exception(details)`, whose context is it."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, grpc.RpcError) and isinstance(current, grpc.Call):
            return current.code() in (grpc.StatusCode.CANCELLED, grpc.StatusCode.UNAVAILABLE)
        current = current.__cause__ or current.__context__
    return False


def _program_traceback(exc: BaseException) -> str:
    tb = exc.__traceback__
    while tb is not None and _is_host_frame(tb.tb_frame.f_code.co_filename):
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(exc), exc, tb)).rstrip()


def _is_host_frame(filename: str) -> bool:
    return filename in (__file__, runpy.__file__) or filename.startswith("<frozen runpy")


def main() -> None:
    # Gone with the CLI: this host's only work is talking to that engine.
    die_with_parent(signal.SIGKILL)
    engine_address = sys.argv[-1] if len(sys.argv) > 1 else ""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=4),
        # The SDK's own limits (400 MB messages), as its Automation API server uses.
        options=_GRPC_CHANNEL_OPTIONS,
    )
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(PythonLanguageHost(engine_address), server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()

    # The CLI stops us with SIGINT (SIGTERM from others): exit quietly, no traceback.
    signal.signal(signal.SIGINT, lambda *_: STOPPING.set())
    signal.signal(signal.SIGTERM, lambda *_: STOPPING.set())

    # The first stdout line is the handshake the CLI waits for.
    print(port, flush=True)
    STOPPING.wait()
    if RUNNING.is_set():
        say_interrupted(engine_address)
    server.stop(grace=None)


if __name__ == "__main__":
    main()
