"""Our `pulumi-language-python`: the Pulumi CLI's language host for Python programs.

Upstream's host is a Go binary that is not served as a Go module, so `scripts/setup`
puts a shim in `.venv/bin` that runs this file with the venv's Python whenever the
chosen CLI has no host of its own. The CLI starts it with the engine address as the
last argument, reads the gRPC port from the first line of stdout, calls `Run` once,
then stops it with SIGINT.

Unlike upstream, the program runs inside this process (no second interpreter): the
SDK's `LanguageServer` (private, hence `pulumi` pinned exactly) already runs a callable
as a stack with the request's config, secrets, dry-run flag and monitor address.
"""

from __future__ import annotations

import os
import runpy
import signal
import sys
import threading
import traceback
from concurrent import futures
from importlib import metadata
from typing import Any, cast

import grpc
from parent_death import die_with_parent
from pulumi import RunError
from pulumi.automation._server import LanguageServer
from pulumi.runtime import settings
from pulumi.runtime._grpc_settings import _GRPC_CHANNEL_OPTIONS
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2


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

        # The SDK's servicer takes the engine address from `args[0]` (what the CLI sends
        # in --client mode); here the CLI gave it to us on the command line instead.
        inner = language_pb2.RunRequest()
        inner.CopyFrom(request)
        del inner.args[:]
        inner.args.append(self._engine_address)
        servicer = LanguageServer(program)
        response = cast(language_pb2.RunResponse, servicer.Run(inner, context))  # type: ignore[no-untyped-call]
        if response.error:
            # The servicer already logged the error to the engine; `bail` stops the
            # CLI from printing it a second time as "an unhandled error occurred".
            return language_pb2.RunResponse(bail=True)
        return response


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
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    # The first stdout line is the handshake the CLI waits for.
    print(port, flush=True)
    stop.wait()
    server.stop(grace=None)


if __name__ == "__main__":
    main()
