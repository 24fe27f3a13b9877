"""A fake Pulumi CLI for the real ``pulumi.automation`` classes, and a fixture ecr-share project.

``FakePulumi`` replaces only ``PulumiCommand.run``, as the Pulumi SDK's own tests do
(``sdk/python/lib/test/automation/test_local_workspace_command.py``): ``LocalWorkspace`` and
``Stack`` build the real argument lists, parse the real JSON and raise the real error classes.
Every call is recorded. Behind it is a small backend and engine: stacks exist once ``stack init``
ran; ``config set-all`` / ``rm-all`` edit the stack file (or the ``--config-file``) as the CLI
does; ``up`` and ``preview`` plan the stack from its files with the program's own planner
(``components.plan.project.plan_stacks``), diff the plan against what the last ``up`` recorded and
write the engine events of each step, with times from a virtual clock.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto
from pulumi.automation.errors import create_command_error
from semver import VersionInfo

from components.pipeline.cli import main
from components.pipeline.processes import Child, ChildProcesses, Stopping, SupervisedPulumiCommand
from components.pipeline.registry import SessionFactory
from components.pipeline.remote import Checkout
from components.pipeline.run import Environment
from components.pipeline.runner import Settings
from components.plan.model import OutputRef, Resource
from components.plan.project import ProjectError, plan_stacks

ENGINE_OPS = ("up", "preview", "refresh", "destroy")
REGISTRY = "111111111111.dkr.ecr.us-east-1.amazonaws.com"
ACCOUNTS = {"build": "111111111111", "dev": "222222222222", "staging": "333333333333", "prod": "444444444444"}
DIGEST = "sha256:" + "0b4e1a5c3f2d6e7a8b9c0d1e2f3a4b5c" * 2
ECS_SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
LOCKED = (
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end "
    "or delete the lock file with `pulumi cancel`."
)
FAILURE = (
    "creating ECS Task Definition (web-app): operation error ECS: RegisterTaskDefinition, "
    "ClientException: Too many concurrent attempts to create a new revision of the specified family."
)
CANCELED = "error: update canceled"
KILLED = "error: signal: killed"
NOT_LOGGED_IN = "error: this command requires logging in; try running `pulumi login` first"
# Seconds each kind of resource operation takes on the virtual clock (an ECS service waits for
# steady state). Anything else takes one second.
SECONDS = {
    "aws:ecr/repository:Repository": 2,
    "aws:iam/role:Role": 2,
    (ECS_SERVICE, "create"): 48,
    (ECS_SERVICE, "update"): 94,
}
PROGRAM_SECONDS = 3  # the language host starting the program, before the first resource
WHEN = "2026-11-28T10:00:00.000Z"


@dataclass
class Call:
    stack: str | None
    args: list[str]
    env: dict[str, str]
    config_file_text: str | None = None
    """The ``--config-file`` an engine call read, as it was then."""

    @property
    def op(self) -> str:
        if "--help" in self.args:
            return f"{self.args[0]} --help"  # the SDK's check for remote operations: `preview --help`
        if self.args[:2] == ["stack", "--stack"]:
            return "stack"  # a remote workspace's select: `pulumi stack --stack <name>` (it selects nothing)
        words = [a for a in self.args if not a.startswith("-")]
        return " ".join(words[:2]) if words[:1] in (["stack"], ["config"], ["org"]) else words[0]


class VirtualClock:
    """Time for the fake engine and for the pipeline's stack durations: it only moves when the
    fake engine works, so durations in the documented output are exact."""

    def __init__(self, start: float = 1_764_324_000.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self.now += seconds


@dataclass
class FakeChild:
    """A pulumi "process" the supervisor can signal, for engine calls of the in-process fake."""

    pid: int
    signals: list[int] = field(default_factory=list)
    received: threading.Event = field(default_factory=threading.Event)
    ended: bool = False

    def send_signal(self, signum: int) -> None:
        self.signals.append(signum)
        self.received.set()

    def poll(self) -> int | None:
        return 0 if self.ended else None


@dataclass
class Deployed:
    inputs: dict[str, Any]
    outputs: dict[str, Any]


class FakePulumi(SupervisedPulumiCommand):
    def __init__(self, ecs: bool = False, clock: VirtualClock | None = None) -> None:
        # No super().__init__: that runs `pulumi version`. Before 3.206 the SDK reads engine events
        # from a file (--event-log <path>) instead of a gRPC stream, which a fake can write.
        self.command = "pulumi"
        self.version = VersionInfo.parse("3.200.0")
        self.children = ChildProcesses()
        self.ecs = ecs
        """Plan an ECS service beside each task definition (the program side plans its own)."""
        self.clock = clock or VirtualClock()
        self.calls: list[Call] = []
        self.created: set[str] = set()
        self.state: dict[str, dict[str, Deployed]] = {}
        self.outputs: dict[str, dict[str, Any]] = {}
        self.last_changes: dict[str, dict[str, int]] = {}
        self.rollbacks: set[tuple[str, str]] = set()
        """(stack, resource name) of ECS services whose next update the circuit breaker rolls back."""
        self.user = "alice"
        self.default_org = ""
        self.login: str | None = ""
        """The backend ``pulumi whoami`` reports: "" a local state in the project folder
        (``file://<project>/.pulumi-state``), None not logged in, else that URL."""
        self.remote_supported = True
        """Whether ``preview --help`` lists ``--remote``."""
        self.remote_checkout: Path | None = None
        """The repository as Pulumi Deployments clones it (a remote run plans from a copy of it, after
        its pre-run commands); None: a remote run is a test error."""
        self.pre_run: list[tuple[str, str]] = []
        """(stack, command) of every pre-run command a remote run ran."""
        self.hold = threading.Event()
        self.holding = threading.Event()
        self.output: list[str] = []
        """What the pipeline printed so far (run_pipeline shares its list)."""
        self.active = 0
        self.max_active = 0
        self._script: dict[tuple[str, str], list[str]] = {}
        self._lock = threading.Lock()
        self._pids = iter(range(40_000, 50_000))

    # --- scripting -------------------------------------------------------------------------

    def script(self, stack: str, op: str, *behaviours: str) -> None:
        """Results of the next ``op`` calls on ``stack``: "ok", "busy", "fail", "fail:<resource>",
        "hold" (until ``hold`` is set or the pipeline signals it), "hold-until-heartbeat" (until the
        pipeline prints a heartbeat), "SIGINT"/"SIGTERM" (the pipeline receives that signal while
        the update runs; the update then ends cancelled) or "SIGINT-then-ok" (it completes); with
        "-after-hold", the signal comes once another stack's update is held."""
        self._script[(stack, op)] = list(behaviours)

    def deploy_existing(self, *names: str) -> None:
        """Stacks that exist and were deployed before the test (an ``up`` without output)."""
        self.created.update(names)

    def calls_for(self, stack: str) -> list[Call]:
        return [call for call in self.calls if call.stack == stack]

    def engine_order(self) -> list[tuple[str | None, str]]:
        return [(call.stack, call.op) for call in self.calls if call.op in ENGINE_OPS]

    # --- the CLI ---------------------------------------------------------------------------

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: Callable[[str], Any] | None = None,
        on_error: Callable[[str], Any] | None = None,
    ) -> auto.CommandResult:
        call = Call(_stack_of(args), list(args), dict(additional_env))
        if "--help" in args:
            with self._lock:
                self.calls.append(call)
            return auto.CommandResult(
                "      --remote   [EXPERIMENTAL] Run the operation remotely" if self.remote_supported else "",
                "",
                0,
            )
        if "--config-file" in args and call.op in ENGINE_OPS:
            call.config_file_text = Path(args[args.index("--config-file") + 1]).read_text(encoding="utf-8")
        with self._lock:
            self.calls.append(call)
            behaviour = self._next(call.stack, call.op)
        if call.op in ENGINE_OPS:
            if self.children.stopping:
                raise Stopping(call.op)  # as SupervisedPulumiCommand.run does
            return self._finish(self._engine(call, behaviour, Path(cwd)))
        if behaviour == "killed":  # e.g. script("prod", "config rm-all", "killed"): it changes nothing
            return self._finish(auto.CommandResult("", KILLED, -9))
        return self._finish(self._housekeeping(call, Path(cwd)))

    def _next(self, stack: str | None, op: str) -> str:
        queue = self._script.get((stack or "", op))
        return queue.pop(0) if queue else "ok"

    def _housekeeping(self, call: Call, cwd: Path) -> auto.CommandResult:
        name = call.stack or ""
        if call.op in ("stack select", "stack") and name not in self.created:
            return auto.CommandResult("", f"error: no stack named '{_qualified(call.args)}' found", 255)
        if call.op == "stack init":
            self.created.add(name)
        if call.op == "config set-all":
            _edit_config(call.args, cwd, name, _set_path)
        if call.op in ("config rm-all", "config remove-all"):
            _edit_config(call.args, cwd, name, _remove_path)
        if call.op == "stack output":
            return auto.CommandResult(json.dumps(self.outputs.get(name, {})), "", 0)
        if call.op == "stack history":
            return auto.CommandResult(json.dumps([self._history(name)]), "", 0)
        if call.op == "whoami":
            if self.login is None:
                return auto.CommandResult("", NOT_LOGGED_IN, 3)
            if not self.login:
                (cwd / ".pulumi-state").mkdir(exist_ok=True)  # `pulumi login file://...` needs the folder
            url = self.login or f"file://{cwd / '.pulumi-state'}"
            return auto.CommandResult(
                json.dumps({"user": self.user, "url": url, "organizations": [self.user]}), "", 0
            )
        if call.op == "org get-default":
            return auto.CommandResult(self.default_org, "", 0)
        return auto.CommandResult("", "", 0)

    @staticmethod
    def _finish(result: auto.CommandResult) -> auto.CommandResult:
        if result.code != 0:
            raise create_command_error(result)  # what PulumiCommand.run does
        return result

    def _history(self, name: str) -> dict[str, Any]:
        kind = next(c.op for c in reversed(self.calls) if c.stack == name and c.op in ENGINE_OPS)
        return {
            "kind": "update" if kind == "up" else kind,
            "startTime": WHEN,
            "endTime": WHEN,
            "message": "",
            "environment": {},
            "config": {},
            "result": "succeeded",
            "version": 1,
            "resourceChanges": self.last_changes.get(name, {}),
        }

    # --- the engine ------------------------------------------------------------------------

    def _engine(self, call: Call, behaviour: str, cwd: Path) -> auto.CommandResult:
        if "--remote" in call.args:
            with self._remote_checkout(call) as checkout:
                return self._engine_at(call, behaviour, checkout)
        return self._engine_at(call, behaviour, cwd)

    @contextmanager
    def _remote_checkout(self, call: Call) -> Iterator[Path]:
        """What the Deployments runner does before the operation: clone the repository, then run
        the pre-run commands there (the pins, ``pulumi config set-all`` / ``rm-all``, edit the clone)."""
        assert self.remote_checkout is not None, "a remote run without a remote_checkout"
        name = call.stack or ""
        folder = Path(tempfile.mkdtemp(prefix="deployments-"))
        try:
            clone = folder / "repository"
            shutil.copytree(self.remote_checkout, clone)
            project = clone / _option(call.args, "--remote-git-repo-dir")
            for index, arg in enumerate(call.args):
                if arg != "--remote-pre-run-command":
                    continue
                command = call.args[index + 1]
                with self._lock:
                    self.pre_run.append((name, command))
                words = shlex.split(command)
                if words[:3] == ["pulumi", "config", "set-all"]:
                    _edit_config(words[1:], project, name, _set_path)
                elif words[:3] == ["pulumi", "config", "rm-all"]:
                    _edit_config(words[1:], project, name, _remove_path)
            yield project
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    def _engine_at(self, call: Call, behaviour: str, cwd: Path) -> auto.CommandResult:
        name = call.stack or ""
        log = EventLog(call.args[call.args.index("--event-log") + 1] if "--event-log" in call.args else None)
        if behaviour == "busy":
            log.close({})  # the real CLI writes no event log here: the SDK then waits 5 s for one
            return auto.CommandResult("", LOCKED, 255)
        with self._running(call) as child:
            if behaviour.endswith("-after-hold"):
                assert self.holding.wait(10), "no update was held"
                behaviour = behaviour.removesuffix("-after-hold")
            if behaviour in ("SIGINT", "SIGTERM", "SIGINT-then-ok"):
                os.kill(os.getpid(), signal.SIGTERM if behaviour == "SIGTERM" else signal.SIGINT)
                assert child.received.wait(10), "the pipeline did not forward the signal to pulumi"
                if behaviour != "SIGINT-then-ok":
                    log.close({})
                    return auto.CommandResult("", CANCELED, 255)
            if behaviour in ("hold", "hold-until-heartbeat"):
                self.holding.set()
                if not self._held(child, behaviour):
                    log.close({})
                    return auto.CommandResult("", CANCELED, 255)
            self.clock.advance(PROGRAM_SECONDS)
            if call.op == "refresh":
                changes = {"same": len(self.state.get(name, {}))}
                log.close(changes)
                return self._done(name, changes)
            if call.op == "destroy":
                return self._destroy(name, log)
            return self._update(call, name, behaviour, cwd, log)

    def _held(self, child: FakeChild, behaviour: str) -> bool:
        """Wait until the test releases the update (True), or the pipeline signals it (False)."""
        for _ in range(1000):
            if child.received.is_set():
                return False
            if self.hold.is_set() or (
                behaviour == "hold-until-heartbeat" and "still running" in "".join(self.output)
            ):
                return True
            child.received.wait(0.01)
        raise AssertionError("the held update was never released")

    @contextmanager
    def _running(self, call: Call) -> Iterator[FakeChild]:
        child = FakeChild(next(self._pids))
        record = Child(child, call.args[call.args.index("--stack") + 1], call.op)
        self.children.started(record)
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            yield child
        finally:
            with self._lock:
                self.active -= 1
            child.ended = True
            self.children.finished(record)

    def _update(self, call: Call, name: str, behaviour: str, cwd: Path, log: EventLog) -> auto.CommandResult:
        preview = call.op == "preview"
        config_file = (
            call.args[call.args.index("--config-file") + 1] if "--config-file" in call.args else None
        )
        try:
            resources, exports = self._plan(cwd, name, config_file)
        except ProjectError as error:
            log.diagnostic("error", str(error))
            log.close({})
            return auto.CommandResult("", f"error: {error}", 255)
        old = self.state.get(name, {})
        new: dict[str, Deployed] = {}
        changes: dict[str, int] = {}
        failing = behaviour.split(":", 1)[1] if behaviour.startswith("fail:") else None
        for resource in resources:
            inputs = _resolve(resource.inputs, new)
            previous = old.get(resource.key)
            op = _op(resource, previous, inputs)
            changes[op] = changes.get(op, 0) + 1
            fails = behaviour.startswith("fail") and op != "same" and failing in (None, resource.name)
            outputs = self._outputs_of(name, resource, inputs, previous, op)
            urn = _urn(name, resource, resources)
            if preview:
                log.step("resourcePreEvent", op, urn, resource.type, inputs, None, planning=True)
                new[resource.key] = Deployed(inputs, outputs)
                continue
            log.step("resourcePreEvent", op, urn, resource.type, inputs, None, at=self.clock())
            if op != "same" and not resource.is_component:
                self.clock.advance(SECONDS.get((resource.type, op), SECONDS.get(resource.type, 1)))
            if fails:
                log.diagnostic("error", FAILURE, urn, at=self.clock())
                log.failed(op, urn, resource.type, at=self.clock())
                log.diagnostic("error", "update failed", at=self.clock())
                log.close(changes)
                self.state[name] = {**old, **new}
                return auto.CommandResult("", f"error: {FAILURE}", 255)
            log.step("resOutputsEvent", op, urn, resource.type, inputs, outputs, at=self.clock())
            new[resource.key] = Deployed(inputs, outputs)
        if set(old) - set(new):
            changes["delete"] = len(set(old) - set(new))
        log.close(changes)
        if preview:
            return auto.CommandResult("Previewing update", "", 0)
        self.state[name] = new
        self.outputs[name] = _resolve(dict(exports), new)
        return self._done(name, changes)

    def _destroy(self, name: str, log: EventLog) -> auto.CommandResult:
        deployed = self.state.pop(name, {})
        changes = {"delete": len(deployed)} if deployed else {}
        log.close(changes)
        self.outputs.pop(name, None)
        return self._done(name, changes)

    def _done(self, name: str, changes: dict[str, int]) -> auto.CommandResult:
        self.last_changes[name] = changes
        return auto.CommandResult("Update succeeded", "", 0)

    def _plan(
        self, cwd: Path, name: str, config_file: str | None
    ) -> tuple[list[Resource], Mapping[str, Any]]:
        """This stack's resources and exports, planned by the program's planner from the stack files
        (``config_file`` replacing its own), as ``pulumi up`` of the program would register them."""
        raw = {
            path.name[len("Pulumi.") : -len(".yaml")]: config
            for path in cwd.glob("Pulumi.*.yaml")
            if (config := _config_of(path)).get("ecr-share:stackKind") == "build"
        }
        raw[name] = _config_of(Path(config_file) if config_file else cwd / f"Pulumi.{name}.yaml")
        plan = plan_stacks(raw).plans[name]
        resources = list(plan.resources)
        if self.ecs and not any(r.type == ECS_SERVICE for r in resources):
            resources += [
                Resource(
                    ECS_SERVICE,
                    f"{task.name.removesuffix('-task')}-service",
                    {
                        "task_definition": OutputRef(task.key, "arn"),
                        "desired_count": 1,
                        "launch_type": "FARGATE",
                    },
                    parent=task.parent,
                    depends_on=(task.key,),
                )
                for task in plan.of_type(TASK_DEFINITION)
            ]
        return resources, plan.exports

    def _outputs_of(
        self, stack: str, resource: Resource, inputs: dict[str, Any], previous: Deployed | None, op: str
    ) -> dict[str, Any]:
        if op == "same" and previous is not None:
            return previous.outputs
        if resource.type == TASK_DEFINITION:
            revision = 1 if previous is None else int(previous.outputs["arn"].rsplit(":", 1)[1]) + 1
            family = inputs["family"]
            account = ACCOUNTS.get(stack, "000000000000")
            return {"arn": f"arn:aws:ecs:us-east-1:{account}:task-definition/{family}:{revision}"}
        if resource.type == ECS_SERVICE:
            running = inputs["task_definition"]
            if (stack, resource.name) in self.rollbacks and previous is not None:
                self.rollbacks.discard((stack, resource.name))
                running = previous.outputs["taskDefinition"]
            return {
                "arn": f"arn:aws:ecs:us-east-1:{ACCOUNTS.get(stack)}:service/{resource.name}",
                "taskDefinition": running,
            }
        return {"arn": f"arn:fake:{resource.type}:{resource.name}"}


def _op(resource: Resource, previous: Deployed | None, inputs: dict[str, Any]) -> str:
    if previous is None:
        return "create"
    if previous.inputs == inputs or resource.is_component:  # a component's args are not diffed
        return "same"
    # ECS task definitions are immutable: a new image is a new revision (a replacement).
    return "replace" if resource.type == TASK_DEFINITION else "update"


def _resolve(value: Any, deployed: Mapping[str, Deployed]) -> Any:
    if isinstance(value, OutputRef):
        # Outputs are kept as the engine names them (taskDefinition); the plan names them as the
        # Python SDK does (task_definition).
        outputs = deployed[value.resource].outputs
        name = re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), value.attribute)
        return outputs.get(name, f"{value.resource}.{value.attribute}")
    if isinstance(value, Mapping):
        return {k: _resolve(v, deployed) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_resolve(v, deployed) for v in value]
    return value


def _camel(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {re.sub(r"_([a-z0-9])", lambda m: m.group(1).upper(), k): _camel(v) for k, v in value.items()}
    return value


def _urn(stack: str, resource: Resource, resources: list[Resource]) -> str:
    by_key = {r.key: r for r in resources}
    chain = [resource.type]
    parent = resource.parent
    while parent is not None:
        chain.insert(0, by_key[parent].type)
        parent = by_key[parent].parent
    return f"urn:pulumi:{stack}::ecr-share::{'$'.join(chain)}::{resource.name}"


class EventLog:
    """The ``--event-log`` file the SDK's watcher thread reads (CLI versions before 3.206)."""

    def __init__(self, path: str | None) -> None:
        self.path = path
        self.sequence = 0

    def write(self, event: dict[str, Any], at: float = 0) -> None:
        if self.path is None:
            return
        self.sequence += 1
        with open(self.path, "a", encoding="utf-8") as log:
            log.write(json.dumps({"sequence": self.sequence, "timestamp": int(at), **event}) + "\n")

    def step(
        self,
        kind: str,
        op: str,
        urn: str,
        type_: str,
        inputs: dict[str, Any],
        outputs: dict[str, Any] | None,
        planning: bool = False,
        at: float = 0,
    ) -> None:
        new = {"type": type_, "urn": urn, "inputs": _camel(inputs), "outputs": _camel(outputs or {})}
        metadata = {"op": op, "urn": urn, "type": type_, "provider": "", "new": new}
        self.write({kind: {"metadata": metadata, "planning": planning}}, at)

    def failed(self, op: str, urn: str, type_: str, at: float) -> None:
        metadata = {"op": op, "urn": urn, "type": type_, "provider": ""}
        self.write({"resOpFailedEvent": {"metadata": metadata, "status": 1, "steps": 0}}, at)

    def diagnostic(self, severity: str, message: str, urn: str = "", at: float = 0) -> None:
        self.write(
            {"diagnosticEvent": {"message": message, "color": "never", "severity": severity, "urn": urn}}, at
        )

    def close(self, changes: dict[str, int]) -> None:
        self.write({"summaryEvent": {"resourceChanges": changes}})
        self.write({"cancelEvent": {}})


# --- config files as the CLI edits them ----------------------------------------------------------

_PATH_PART = re.compile(r"\[(\d+)\]|\.?([^.\[]+)")


def _config_of(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    config: dict[str, Any] = document.get("config") or {}
    return config


def _edit_config(
    args: list[str], cwd: Path, stack: str, edit: Callable[[dict[str, Any], str, str | None], None]
) -> None:
    path = (
        Path(args[args.index("--config-file") + 1])
        if "--config-file" in args
        else cwd / f"Pulumi.{stack}.yaml"
    )
    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    config = document.setdefault("config", {})
    if "--plaintext" in args:
        for index, arg in enumerate(args):
            if arg == "--plaintext":
                name, value = args[index + 1].split("=", 1)
                edit(config, name, value)
    else:
        keys = args[args.index("--") + 1 :] if "--" in args else [a for a in args[args.index("--path") + 1 :]]
        for name in keys:
            edit(config, name, None)
    # Written whole, then renamed: another stack's engine reading this file never sees half of it.
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    os.replace(partial, path)


def _parts(name: str) -> list[str | int]:
    namespace, _, rest = name.partition(":")
    top = re.match(r"[^.\[]+", rest)
    assert top is not None
    parts: list[str | int] = [f"{namespace}:{top.group(0)}"]
    for index, word in _PATH_PART.findall(rest[top.end() :]):
        parts.append(int(index) if index else word)
    return parts


def _set_path(config: dict[str, Any], name: str, value: str | None) -> None:
    *parents, last = _parts(name)
    target: Any = config
    for part in parents:
        target = target[part]
    target[last] = value


def _remove_path(config: dict[str, Any], name: str, value: str | None) -> None:
    *parents, last = _parts(name)
    target: Any = config
    for part in parents:
        target = target[part]
    del target[last]


def _stack_of(args: list[str]) -> str | None:
    if "--stack" in args:
        return args[args.index("--stack") + 1].rsplit("/", 1)[-1]
    if "init" in args and "stack" in args:
        return args[args.index("init") + 1].rsplit("/", 1)[-1]
    return None


def _option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1] if name in args else ""


def _qualified(args: list[str]) -> str:
    return args[args.index("--stack") + 1]


# --- a fixture project -------------------------------------------------------------------------


def service(name: str, **image: str) -> dict[str, Any]:
    return {"name": name, "repository": name, **image, "cpu": 512, "memory": 1024, "containerPort": 8080}


def stack_files() -> dict[str, dict[str, Any]]:
    """Four stack files shaped like the committed ones (build, dev, staging, prod); staging runs
    both services, as prod does, so that what prod gets has been tested there."""

    def environment(name: str, services: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "aws:region": "us-east-1",
            "aws:allowedAccountIds": [ACCOUNTS[name]],
            "aws:profile": f"{name}-deploy",
            "ecr-share:stackKind": "environment",
            "ecr-share:buildStack": "organization/ecr-share/build",
            "ecr-share:services": services,
        }

    return {
        "build": {
            "aws:region": "us-east-1",
            "aws:allowedAccountIds": [ACCOUNTS["build"]],
            "aws:profile": "build-deploy",
            "ecr-share:stackKind": "build",
            "ecr-share:repositories": ["web-app", "worker"],
            "ecr-share:access": {"accounts": [ACCOUNTS[n] for n in ("dev", "staging", "prod")]},
        },
        "dev": environment("dev", [service("web-app", imageTag="v1.2.3")]),
        "staging": environment(
            "staging", [service("web-app", imageTag="v1.2.3"), service("worker", imageTag="v1.2.3")]
        ),
        "prod": environment(
            "prod", [service("web-app", imageTag="v1.2.3"), service("worker", imageDigest=DIGEST)]
        ),
    }


def write_project(root: Path, files: Mapping[str, Mapping[str, Any]] | None = None) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "Pulumi.yaml").write_text("name: ecr-share\nruntime: python\n", encoding="utf-8")
    for name, config in (stack_files() if files is None else files).items():
        text = yaml.safe_dump({"config": dict(config)}, sort_keys=False)
        (root / f"Pulumi.{name}.yaml").write_text(text, encoding="utf-8")
    return root


NO_CHECKOUT = Checkout()  # what git says of a folder outside any repository


@dataclass
class Run:
    code: int
    out: str
    err: str
    fake: FakePulumi
    waits: list[float]
    questions: list[str]


def run_pipeline(
    project: Path,
    *args: str,
    fake: FakePulumi | None = None,
    env: Mapping[str, str] | None = None,
    answer: str | BaseException | None = None,
    commit: str | None = "4f2a9c1",
    settings: Settings | None = None,
    registry_session: SessionFactory | None = None,
    checkout: Checkout = NO_CHECKOUT,
) -> Run:
    """``python -m components.pipeline *args`` in-process, with the fake CLI and no real waiting.
    Registry calls go to whatever AWS endpoint the test set up (moto)."""
    fake = fake or FakePulumi()
    fake.children = ChildProcesses()  # what a new pipeline process starts with
    out: list[str] = []
    fake.output = out
    err: list[str] = []
    waits: list[float] = []
    questions: list[str] = []

    def ask(question: str) -> str:
        questions.append(question)
        if isinstance(answer, BaseException):
            raise answer
        assert answer is not None, "the pipeline asked a question nobody expected"
        return answer

    def wait(seconds: float) -> bool:
        waits.append(seconds)
        return False

    base = settings or Settings(heartbeat_seconds=None, scan_poll_seconds=0.01)
    environment = Environment(
        env={"PULUMI_CONFIG_PASSPHRASE": "test"} if env is None else env,
        write=out.append,
        write_error=err.append,
        ask=ask,
        pulumi_command=lambda: fake,
        git_commit=lambda _path: commit,
        git_checkout=lambda _path: checkout,
        settings=replace(base, clock=fake.clock, wait=base.wait or wait),
        **({} if registry_session is None else {"registry_session": registry_session}),
    )
    command, *rest = args
    code = main([command, "--project-dir", str(project), *rest], environment)
    return Run(code, "".join(out), "".join(err), fake, waits, questions)


def stack_services(project: Path, stack: str) -> list[dict[str, Any]]:
    """The services of ``Pulumi.<stack>.yaml`` as the file holds them now."""
    config = yaml.safe_load((project / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]
    return list(config["ecr-share:services"])


def deployed(project: Path) -> FakePulumi:
    """A backend where the build stack is deployed (its repositories exist)."""
    fake = FakePulumi()
    assert run_pipeline(project, "up", "--stacks", "build", fake=fake).code == 0
    return fake
