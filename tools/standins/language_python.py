"""STAND-IN for Pulumi's Python language host (``pulumi-language-python``), for the engine tests only.

The real host is a Go module (``github.com/pulumi/pulumi/sdk/python/cmd/pulumi-language-python/v3``)
that the Go module proxy reachable here refuses (403 for every version, tools/pulumi/go.mod), so the
real CLI built by tools/pulumi/build.sh has no host to run a Python program with. This stand-in
serves the same ``LanguageRuntime`` gRPC service, with the servicer classes the ``pulumi`` wheel
ships, and does what the real host's ``main.go`` does (pulumi/pulumi,
sdk/python/cmd/pulumi-language-python/main.go, read through the ``code`` corpus):

- it takes the engine's address as its last argument, serves on a free port and prints the port;
- ``Run`` executes the SDK's own ``pulumi-language-python-exec`` (copied beside the CLI by
  build.sh) with the virtualenv's interpreter, the same arguments (``--monitor --engine --project
  --root_directory --stack --pwd --dry_run --parallel --organization <entry point> <args>``) and
  ``PULUMI_CONFIG`` / ``PULUMI_CONFIG_SECRET_KEYS`` as JSON in its environment; exit code 32 means the
  program already showed its message (``bail``);
- ``RunPlugin`` runs a plugin folder (a policy pack, ``provider/``) as ``python <folder> <args>``
  with the request's environment and working directory, streaming its output back;
- ``GetRequiredPackages`` / ``GetRequiredPlugins`` report every package of the virtualenv that ships a
  ``pulumi-plugin.json`` with ``"resource": true`` (pulumi_aws: aws v7.51.1).

What it does not do (the real host does): toolchains other than pip (poetry, uv), typecheckers,
debuggers, installing dependencies, code generation (``GenerateProgram``/``Project``/``Package``,
``Pack``, ``Link``): those answer UNIMPLEMENTED, or (``InstallDependencies``) a message and nothing.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from concurrent import futures
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format
from pulumi.runtime.proto import language_pb2, language_pb2_grpc, plugin_pb2

# The real host's marker exit code: the program has already printed a message the user can act on.
USER_ACTIONABLE_EXIT_CODE = 32
EXEC_NAME = "pulumi-language-python-exec"
STANDIN_VERSION = "3.274.0-standin"


class HostError(Exception):
    """A request the stand-in cannot serve (missing virtualenv or executor): sent back as the RPC error."""


def _options(info: language_pb2.ProgramInfo) -> dict[str, Any]:
    return json_format.MessageToDict(info.options) if info.HasField("options") else {}


def python_environment(info: language_pb2.ProgramInfo) -> tuple[str, dict[str, str]]:
    """The interpreter and environment of the pip toolchain: ``runtime.options.virtualenv`` (relative to
    the project root) when set, as the real host's toolchain resolves it, else ``python3`` on PATH."""
    env = dict(os.environ)
    virtualenv = _options(info).get("virtualenv")
    if not virtualenv:
        return shutil.which("python3") or sys.executable, env
    venv = Path(info.root_directory or ".", virtualenv)
    python = venv / "bin" / "python"
    if not python.exists():
        raise HostError(
            f"The 'virtualenv' option in Pulumi.yaml is set to {virtualenv!r}, but {venv} doesn't exist"
            " (stand-in language host)"
        )
    env["VIRTUAL_ENV"] = str(venv)
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env.pop("PYTHONHOME", None)
    return str(python), env


def required_packages(python: str) -> list[plugin_pb2.PackageDependency]:
    """Every installed package shipping a pulumi-plugin.json with ``resource: true``, as the real host
    reads them (``determinePackageDependency``): name and version from the file."""
    listing = subprocess.run(
        [python, "-c", "import site, json; print(json.dumps(site.getsitepackages()))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    found: dict[str, plugin_pb2.PackageDependency] = {}
    for site_dir in json.loads(listing.stdout):
        for plugin_json in sorted(Path(site_dir).glob("*/pulumi-plugin.json")):
            plugin = json.loads(plugin_json.read_text())
            if not plugin.get("resource"):
                continue
            name = plugin.get("name") or plugin_json.parent.name.removeprefix("pulumi_")
            version = str(plugin.get("version", ""))
            if not version:
                continue
            found[name] = plugin_pb2.PackageDependency(
                name=name,
                kind="resource",
                version=version if version.startswith("v") else f"v{version}",
                server=plugin.get("server", ""),
            )
    return list(found.values())


class StandInPythonLanguageHost(language_pb2_grpc.LanguageRuntimeServicer):
    """The stand-in ``LanguageRuntime``: see the module docstring for what it does and does not do."""

    def __init__(self, engine_address: str, executor: str) -> None:
        self.engine_address = engine_address
        self.executor = executor

    def Handshake(self, request: Any, context: Any) -> language_pb2.LanguageHandshakeResponse:
        if request.engine_address:
            self.engine_address = request.engine_address
        return language_pb2.LanguageHandshakeResponse()

    def GetPluginInfo(self, request: Any, context: Any) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=STANDIN_VERSION)

    def GetRequiredPackages(self, request: Any, context: Any) -> language_pb2.GetRequiredPackagesResponse:
        python, _ = python_environment(request.info)
        return language_pb2.GetRequiredPackagesResponse(packages=required_packages(python))

    def GetRequiredPlugins(self, request: Any, context: Any) -> language_pb2.GetRequiredPluginsResponse:
        python, _ = python_environment(request.info)
        return language_pb2.GetRequiredPluginsResponse(plugins=required_packages(python))

    def About(self, request: Any, context: Any) -> language_pb2.AboutResponse:
        python, env = python_environment(request.info) if request.HasField("info") else (sys.executable, {})
        version = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
            env=env or None,
        ).stdout.strip()
        return language_pb2.AboutResponse(executable=python, version=version)

    def GetProgramDependencies(
        self, request: Any, context: Any
    ) -> language_pb2.GetProgramDependenciesResponse:
        python, env = python_environment(request.info)
        listing = subprocess.run(
            [python, "-m", "pip", "list", "--format=json", "--disable-pip-version-check"],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
            env=env,
        )
        return language_pb2.GetProgramDependenciesResponse(
            dependencies=[
                language_pb2.DependencyInfo(name=p["name"], version=p["version"])
                for p in json.loads(listing.stdout)
            ]
        )

    def InstallDependencies(
        self, request: Any, context: Any
    ) -> Iterator[language_pb2.InstallDependenciesResponse]:
        yield language_pb2.InstallDependenciesResponse(
            stdout=b"stand-in language host: installs nothing; create the virtualenv yourself\n"
        )

    def Run(self, request: Any, context: Any) -> language_pb2.RunResponse:
        try:
            python, env = python_environment(request.info)
        except HostError as error:
            return language_pb2.RunResponse(error=str(error))
        env["PULUMI_CONFIG"] = json.dumps(dict(request.config))
        env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(list(request.configSecretKeys))
        command = [python, self.executor, *self.run_arguments(request)]
        sys.stdout.flush()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        CHILDREN.add(process)
        context.add_callback(lambda: _terminate(process))
        copies = [
            threading.Thread(target=_copy, args=(process.stdout, sys.stdout.buffer), daemon=True),
            threading.Thread(target=_copy, args=(process.stderr, sys.stderr.buffer), daemon=True),
        ]
        for thread in copies:
            thread.start()
        code = process.wait()
        for thread in copies:
            thread.join(timeout=10)
        CHILDREN.discard(process)
        if code == 0:
            return language_pb2.RunResponse()
        if code == USER_ACTIONABLE_EXIT_CODE:
            return language_pb2.RunResponse(bail=True)
        return language_pb2.RunResponse(error=f"program exited with non-zero exit code: {code}")

    def run_arguments(self, request: Any) -> list[str]:
        """``constructArguments`` of the real host: empty values are left out, the entry point last."""
        pairs = [
            ("monitor", request.monitor_address),
            ("engine", self.engine_address),
            ("project", request.project),
            ("root_directory", request.info.root_directory),
            ("stack", request.stack),
            ("pwd", request.pwd),
            ("dry_run", "true" if request.dryRun else "false"),
            ("parallel", str(request.parallel)),
            ("organization", request.organization),
        ]
        arguments = [part for key, value in pairs if value for part in (f"--{key}", value)]
        return [*arguments, request.info.entry_point or request.program or ".", *request.args]

    def RunPlugin(self, request: Any, context: Any) -> Iterator[language_pb2.RunPluginResponse]:
        info = request.info
        options = _options(info)
        if not options.get("virtualenv"):
            # The real host defaults a plugin's virtualenv to `venv`: plugins never use the ambient Python.
            info = language_pb2.ProgramInfo()
            info.CopyFrom(request.info)
            info.options.update({**options, "virtualenv": "venv"})
        python, env = python_environment(info)
        env.update(dict(entry.split("=", 1) for entry in request.env if "=" in entry))
        # A DEVIATION from the real host, whose pip toolchain sets nothing like it (python/toolchain):
        # pulumi_policy writes its port to sys.stdout.buffer without a flush, which on a pipe stays
        # buffered and the CLI waits for it forever. Whether the real host's RunPlugin streams hit the
        # same is unconfirmed here (it cannot be built).
        env["PYTHONUNBUFFERED"] = "1"
        process = subprocess.Popen(
            [python, info.program_directory or request.program, *request.args],
            cwd=request.pwd or None,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        CHILDREN.add(process)
        context.add_callback(lambda: _terminate(process))
        lines: list[language_pb2.RunPluginResponse] = []
        ready = threading.Condition()

        def pump(stream: Any, field: str) -> None:
            for line in iter(stream.readline, b""):
                with ready:
                    lines.append(language_pb2.RunPluginResponse(**{field: line}))
                    ready.notify()

        pumps = [
            threading.Thread(target=pump, args=(process.stdout, "stdout"), daemon=True),
            threading.Thread(target=pump, args=(process.stderr, "stderr"), daemon=True),
        ]
        for thread in pumps:
            thread.start()
        while True:
            with ready:
                ready.wait_for(lambda: bool(lines) or not any(t.is_alive() for t in pumps), timeout=0.5)
                pending, lines[:] = list(lines), []
            yield from pending
            if not pending and not any(t.is_alive() for t in pumps):
                break
        code = process.wait()
        CHILDREN.discard(process)
        yield language_pb2.RunPluginResponse(exitcode=code)

    def Cancel(self, request: Any, context: Any) -> empty_pb2.Empty:
        return empty_pb2.Empty()


# The programs and plugins this host runs: ended with the host (see ``exit_with_parent``).
CHILDREN: set[subprocess.Popen[bytes]] = set()


def _copy(source: Any, target: Any) -> None:
    for line in iter(source.readline, b""):
        target.write(line)
        target.flush()


def exit_with_parent(children: set[subprocess.Popen[bytes]]) -> None:
    """End this plugin, and what it runs, when the CLI that started it is gone or asks it to stop (the
    real Go plugins watch the engine the same way), so no stand-in outlives its CLI: a thread
    watches the parent process; SIGTERM and SIGINT end it at once."""
    parent = os.getppid()

    def stop(*_: Any) -> None:
        for child in list(children):
            _terminate(child)
        os._exit(0)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        stop()

    threading.Thread(target=watch, daemon=True).start()


def _terminate(process: subprocess.Popen[Any]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def find_executor() -> str:
    """``pulumi-language-python-exec`` beside this host's launcher, else on PATH (the real host's lookup)."""
    beside = Path(sys.argv[0]).resolve().parent / EXEC_NAME
    found = str(beside) if beside.exists() else shutil.which(EXEC_NAME)
    if not found:
        sys.exit(f"stand-in language host: could not find `{EXEC_NAME}` on the $PATH")
    return found


def serve(argv: list[str], environ: Mapping[str, str] = os.environ) -> None:
    positional = [arg for arg in argv if not arg.startswith("-")]
    engine_address = positional[-1] if positional else ""
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=8),
        options=[("grpc.max_receive_message_length", 400 * 1024 * 1024)],
    )
    language_pb2_grpc.add_LanguageRuntimeServicer_to_server(
        StandInPythonLanguageHost(engine_address, find_executor()), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(port, flush=True)
    exit_with_parent(CHILDREN)
    threading.Event().wait()
