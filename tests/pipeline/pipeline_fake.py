"""A fake Pulumi CLI for the real ``pulumi.automation`` classes, and a fixture ecr-share project.

``FakePulumi`` replaces only ``PulumiCommand.run``, as the Pulumi SDK's own tests do
(``sdk/python/lib/test/automation/test_local_workspace_command.py``): ``LocalWorkspace`` and
``Stack`` build the real argument lists, parse the real JSON and raise the real error classes.
Every call is recorded; results are scripted per stack and operation.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto
from pulumi.automation.errors import create_command_error
from semver import VersionInfo

from components.pipeline.cli import Environment, main
from components.pipeline.runner import Settings

ENGINE_OPS = ("up", "preview", "refresh", "destroy")
REGISTRY = "111111111111.dkr.ecr.us-east-1.amazonaws.com"
ACCOUNTS = {"build": "111111111111", "dev": "222222222222", "staging": "333333333333", "prod": "444444444444"}
DIGEST = "sha256:" + "0b4e1a5c3f2d6e7a8b9c0d1e2f3a4b5c" * 2
WHEN = "2026-11-28T10:00:00.000Z"
# Resource counts of a first deploy: the build stack's repositories and policies, each environment's
# execution role, policies, log groups and task definitions.
CREATES = {"build": 5, "dev": 6, "staging": 6, "prod": 10}
LOCKED = (
    "error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end "
    "or delete the lock file with `pulumi cancel`."
)
FAILURE = (
    "error: creating ECS Task Definition (web-app): operation error ECS: RegisterTaskDefinition, "
    "ClientException: Too many concurrent attempts to create a new revision of the specified family."
)


@dataclass
class Call:
    stack: str | None
    args: list[str]
    env: dict[str, str]

    @property
    def op(self) -> str:
        return " ".join(self.args[:2]) if self.args[0] in ("stack", "config") else self.args[0]


class FakePulumi(auto.PulumiCommand):
    def __init__(self, missing: tuple[str, ...] = (), hold: float = 0.0) -> None:
        # No super().__init__: that runs `pulumi version`. Before 3.206 the SDK reads engine events
        # from a file (--event-log <path>) instead of a gRPC stream, which a fake can write.
        self.command = "pulumi"
        self.version = VersionInfo.parse("3.200.0")
        self.calls: list[Call] = []
        self.missing = set(missing)
        self.hold = hold
        self.active = 0
        self.max_active = 0
        self.config: dict[str, dict[str, str]] = {}
        self.deployed: set[str] = set()
        self.last_changes: dict[str, dict[str, int]] = {}
        self._script: dict[tuple[str, str], list[str]] = {}
        self._lock = threading.Lock()

    def script(self, stack: str, op: str, *behaviours: str) -> None:
        """Results of the next ``op`` calls on ``stack``: "ok", "busy", "fail" or "interrupt"."""
        self._script[(stack, op)] = list(behaviours)

    def calls_for(self, stack: str) -> list[Call]:
        return [call for call in self.calls if call.stack == stack]

    def engine_order(self) -> list[tuple[str | None, str]]:
        return [(call.stack, call.op) for call in self.calls if call.op in ENGINE_OPS]

    def run(
        self,
        args: list[str],
        cwd: str,
        additional_env: Mapping[str, str],
        on_output: Callable[[str], Any] | None = None,
        on_error: Callable[[str], Any] | None = None,
    ) -> auto.CommandResult:
        stack = _stack_of(args)
        call = Call(stack, list(args), dict(additional_env))
        with self._lock:
            self.calls.append(call)
            behaviour = self._next(stack, call.op)
        if call.op in ENGINE_OPS:
            return self._engine(call, behaviour, on_output)
        return self._finish(self._housekeeping(call))

    def _next(self, stack: str | None, op: str) -> str:
        queue = self._script.get((stack or "", op))
        return queue.pop(0) if queue else "ok"

    def _housekeeping(self, call: Call) -> auto.CommandResult:
        name = call.stack or ""
        if call.op == "stack select" and name in self.missing:
            return auto.CommandResult("", f"error: no stack named '{_qualified(name)}' found", 255)
        if call.op == "config set":
            key, value = call.args[-2:]
            self.config.setdefault(name, {})[key] = value
        if call.op == "stack output":
            return auto.CommandResult(json.dumps(self._outputs(name)), "", 0)
        if call.op == "stack history":
            return auto.CommandResult(json.dumps([self._history(name)]), "", 0)
        return auto.CommandResult("", "", 0)

    def _engine(
        self, call: Call, behaviour: str, on_output: Callable[[str], Any] | None
    ) -> auto.CommandResult:
        name = call.stack or ""
        if behaviour == "interrupt":
            if "--event-log" in call.args:  # a stopping engine still ends its event log
                _write_events(call.args[call.args.index("--event-log") + 1], {})
            raise KeyboardInterrupt
        if behaviour == "busy":
            return self._finish(auto.CommandResult("", LOCKED, 255))
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            if self.hold:
                time.sleep(self.hold)  # lets parallel stacks overlap; nothing asserts on time
            changes = _changes(call.op, name, name in self.deployed)
            lines = _engine_lines(call.op, name, changes, failed=behaviour == "fail")
            for line in lines:
                if on_output is not None:
                    on_output(line)
            if "--event-log" in call.args:
                _write_events(call.args[call.args.index("--event-log") + 1], changes)
            if behaviour != "fail":
                self.last_changes[name] = changes
                if call.op == "up":
                    self.deployed.add(name)
        finally:
            with self._lock:
                self.active -= 1
        return self._finish(auto.CommandResult("\n".join(lines), "", 255 if behaviour == "fail" else 0))

    @staticmethod
    def _finish(result: auto.CommandResult) -> auto.CommandResult:
        if result.code != 0:
            raise create_command_error(result)  # what PulumiCommand.run does
        return result

    def _outputs(self, name: str) -> dict[str, Any]:
        if name == "build":
            return {
                "registryId": ACCOUNTS["build"],
                "region": "us-east-1",
                "repositoryUrls": {"web-app": f"{REGISTRY}/web-app", "worker": f"{REGISTRY}/worker"},
            }
        config = self.config.get(name, {})
        images = {}
        for index, service in enumerate(["web-app", "worker"] if name == "prod" else ["web-app"]):
            tag = config.get(f"ecr-share:services[{index}].imageTag")
            digest = config.get(f"ecr-share:services[{index}].imageDigest")
            images[service] = f"{REGISTRY}/{service}" + (f"@{digest}" if digest else f":{tag or 'v1.2.3'}")
        return {
            "executionRoleArn": f"arn:aws:iam::{ACCOUNTS.get(name, '0')}:role/ecr-share-{name}",
            "images": images,
        }

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


def _stack_of(args: list[str]) -> str | None:
    if "--stack" in args:
        return args[args.index("--stack") + 1].rsplit("/", 1)[-1]
    if args[:2] == ["stack", "init"]:
        return args[2].rsplit("/", 1)[-1]
    return None


def _qualified(name: str) -> str:
    return f"organization/ecr-share/{name}"


def _changes(op: str, name: str, deployed: bool) -> dict[str, int]:
    """A first ``up`` creates everything; a later one replaces each service's task definition."""
    count = CREATES.get(name, 1)
    if op in ("up", "preview") and deployed:
        replaced = {"build": 0, "prod": 2}.get(name, 1)
        return {"replace": replaced, "same": count - replaced} if replaced else {"same": count}
    return {"up": {"create": count}, "preview": {"create": count}, "refresh": {"same": count}}.get(
        op, {"delete": count}
    )


def _engine_lines(op: str, name: str, changes: dict[str, int], failed: bool) -> list[str]:
    verb = {
        "up": "Updating",
        "preview": "Previewing update",
        "refresh": "Refreshing",
        "destroy": "Destroying",
    }
    lines = [f"{verb[op]} ({_qualified(name)})"]
    if failed:
        return [*lines, "Diagnostics:", "  aws:ecs:TaskDefinition (web-app):", f"    {FAILURE}"]
    if op == "preview":
        return [*lines, "Resources:", *(f"    {count} to {kind}" for kind, count in changes.items())]
    done = {
        "create": "+ {} created",
        "replace": "+-{} replaced",
        "same": "{} unchanged",
        "delete": "- {} deleted",
    }
    return [*lines, "Resources:", *(f"    {done[kind].format(count)}" for kind, count in changes.items())]


def _write_events(path: str, changes: dict[str, int]) -> None:
    with open(path, "a", encoding="utf-8") as log:
        log.write(
            json.dumps({"sequence": 1, "timestamp": 1, "summaryEvent": {"resourceChanges": changes}}) + "\n"
        )
        log.write(json.dumps({"sequence": 2, "timestamp": 2, "cancelEvent": {}}) + "\n")


# --- a fixture project -------------------------------------------------------------------------


def service(name: str, **image: str) -> dict[str, Any]:
    return {"name": name, "repository": name, **image, "cpu": 512, "memory": 1024, "containerPort": 8080}


def stack_files() -> dict[str, dict[str, Any]]:
    """Four stack files shaped like the committed ones (build, dev, staging, prod)."""

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
        "staging": environment("staging", [service("web-app", imageTag="v1.2.3")]),
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


@dataclass
class Run:
    code: int
    out: str
    err: str
    fake: FakePulumi
    sleeps: list[float]
    questions: list[str]


def run_pipeline(
    project: Path,
    *args: str,
    fake: FakePulumi | None = None,
    env: Mapping[str, str] | None = None,
    answer: str | BaseException | None = None,
    commit: str | None = "4f2a9c1",
    clock: Callable[[], float] = lambda: 0.0,
) -> Run:
    """``python -m components.pipeline *args`` in-process, with the fake CLI and no real waiting."""
    fake = fake or FakePulumi()
    out: list[str] = []
    err: list[str] = []
    sleeps: list[float] = []
    questions: list[str] = []

    def ask(question: str) -> str:
        questions.append(question)
        if isinstance(answer, BaseException):
            raise answer
        assert answer is not None, "the pipeline asked a question nobody expected"
        return answer

    environment = Environment(
        env={"PULUMI_CONFIG_PASSPHRASE": "test"} if env is None else env,
        write=out.append,
        write_error=err.append,
        ask=ask,
        pulumi_command=lambda: fake,
        git_commit=lambda _path: commit,
        settings=Settings(sleep=sleeps.append, clock=clock),
    )
    code = main(["--project-dir", str(project), *args], environment)
    return Run(code, "".join(out), "".join(err), fake, sleeps, questions)


def stopwatch(*durations: float) -> Callable[[], float]:
    """A clock under which consecutive stacks take ``durations`` seconds (start and end per stack)."""
    readings = [0.0]
    for duration in durations:
        readings += [readings[-1] + duration, readings[-1] + duration]
    ticks = iter(readings)
    return lambda: next(ticks, readings[-1])
