"""Run the real ``__main__.py`` under Pulumi's mock engine and record what it registers.

Pitfalls this harness avoids (DEVELOPERS.md):
- ``preview=False``, so every ``apply`` runs and its assertions or errors count;
- the program runs inside ``@pulumi.runtime.test``, which waits for every registration;
- ``__main__.py`` is re-executed with ``runpy`` on every run, and all resources are created by
  functions it calls, so nothing is registered only once per process;
- ``organization="organization"``, as on a DIY backend, so stack names are fully qualified.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import json
import runpy
import threading
import uuid
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc, settings

from components.aws.names import repository_arn, repository_url
from components.config.files import load_stack_config

PROJECT_DIR = Path(__file__).resolve().parents[2]
MAIN = PROJECT_DIR / "__main__.py"
PROJECT = "ecr-share"
ORGANIZATION = "organization"
# The build stack as environment stacks name it in ecr-share:buildStack.
BUILD_STACK = f"{ORGANIZATION}/{PROJECT}/build"
# Registry-level ECR resources: AWS answers with the registry (account) they belong to.
REGISTRY_RESOURCES = (
    "aws:ecr/registryPolicy:RegistryPolicy",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
    "aws:ecr/replicationConfiguration:ReplicationConfiguration",
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
)


@dataclass
class Registered:
    """One resource registration as the engine saw it (inputs camelCased, as pulumi-aws sends them)."""

    typ: str
    name: str
    inputs: dict[str, Any]
    """What the program sent, exactly."""
    outputs: dict[str, Any]
    """What the mocks answered (inputs and the outputs AWS would compute, such as ``arn``)."""
    protect: bool
    parent_urn: str
    dependencies: list[str] = field(default_factory=list)
    """URNs of the explicit and implicit dependencies the registration named."""
    custom: bool = True
    """A provider resource; False for a component."""
    aliases: tuple[str, ...] = ()
    """Each alias as sent: a URN, or a spec as ``spec:<name>:<type>`` (empty: the resource's own)."""

    @property
    def key(self) -> str:
        """Type and name, as a plan names a resource (``components.plan.model.key``)."""
        return f"{self.typ}::{self.name}"

    @property
    def parent_key(self) -> str | None:
        return urn_key(self.parent_urn)


def urn_key(urn: str) -> str | None:
    """``urn:pulumi:<stack>::<project>::<parent types>$<type>::<name>`` -> ``<type>::<name>``; the
    stack itself -> None."""
    types, name = urn.split("::")[2:4]
    typ = types.rsplit("$", 1)[-1]
    return None if typ == "pulumi:pulumi:Stack" else f"{typ}::{name}"


@dataclass
class ProgramRun:
    stack: str = ""
    resources: list[Registered] = field(default_factory=list)
    exports: dict[str, Any] = field(default_factory=dict)
    stack_references: list[str] = field(default_factory=list)

    def of_type(self, typ: str) -> list[Registered]:
        return [r for r in self.resources if r.typ == typ]

    def one(self, typ: str, name: str | None = None) -> Registered:
        found = [r for r in self.of_type(typ) if name is None or r.name == name]
        assert len(found) == 1, f"expected one {typ} {name or ''}, got {[r.name for r in found]}"
        return found[0]

    def types(self) -> list[str]:
        return sorted(r.typ for r in self.resources)


class _Mocks(pulumi.runtime.Mocks):
    """Answers registrations the way AWS would name things, for the stack's own account and Region."""

    def __init__(
        self, account: str, region: str, stack_outputs: Mapping[str, Mapping[str, Any]], run: ProgramRun
    ) -> None:
        self.account = account
        self.region = region
        self.stack_outputs = stack_outputs
        self.run = run

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            target = args.inputs["name"]
            self.run.stack_references.append(target)
            if target not in self.stack_outputs:
                raise Exception(f"unknown stack {target!r}")
            return target, {"name": target, "outputs": dict(self.stack_outputs[target])}
        return f"{args.name}-id", {**args.inputs, **self._outputs(args.typ, args.name, args.inputs)}

    def _outputs(self, typ: str, name: str, inputs: Mapping[str, Any]) -> dict[str, Any]:
        account, region = self.account, self.region
        if typ == "aws:kms/key:Key":
            # A key's ID is random in AWS: a stable one per name here.
            key_id = uuid.uuid5(uuid.NAMESPACE_URL, name)
            return {"arn": f"arn:aws:kms:{inputs.get('region', region)}:{account}:key/{key_id}"}
        if typ == "aws:ecr/repository:Repository":
            return {
                "arn": repository_arn(region, account, inputs["name"]),
                "repositoryUrl": repository_url(region, account, inputs["name"]),
                "registryId": account,
            }
        if typ == "aws:iam/role:Role":
            return {"arn": f"arn:aws:iam::{account}:role/{inputs['name']}"}
        if typ == "aws:iam/policy:Policy":
            return {"arn": f"arn:aws:iam::{account}:policy/{inputs['name']}"}
        if typ == "aws:ecs/taskDefinition:TaskDefinition":
            return {"arn": f"arn:aws:ecs:{region}:{account}:task-definition/{inputs['family']}:1"}
        if typ == "aws:cloudwatch/logGroup:LogGroup":
            return {"arn": f"arn:aws:logs:{region}:{account}:log-group:{inputs['name']}"}
        if typ in REGISTRY_RESOURCES:
            return {"registryId": account}
        return {}

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


class _RecordingMonitor(mocks.MockMonitor):
    """The mock monitor, also keeping the resource options the Mocks interface does not show."""

    def __init__(self, recorder: _Mocks) -> None:
        super().__init__(recorder)
        self.recorder = recorder
        # The mock monitor gives each RPC worker thread its own event loop and never closes it;
        # left to the garbage collector, such a loop can fail in __del__ during a later test.
        self.thread_loops: set[asyncio.AbstractEventLoop] = set()
        # Worker threads of a failed run may still be registering while the run is torn down.
        self._thread_loops_lock = threading.Lock()

    def _remember_thread_loop(self) -> None:
        # No loop in this thread (RuntimeError): nothing to close later.
        with contextlib.suppress(RuntimeError):
            loop = asyncio.get_event_loop()
            with self._thread_loops_lock:
                self.thread_loops.add(loop)

    def Invoke(self, request: Any) -> Any:
        try:
            return super().Invoke(request)
        finally:
            self._remember_thread_loop()

    def ReadResource(self, request: Any) -> Any:
        try:
            return super().ReadResource(request)
        finally:
            self._remember_thread_loop()

    def close_thread_loops(self, keep: asyncio.AbstractEventLoop) -> None:
        with self._thread_loops_lock:
            loops = list(self.thread_loops)
            self.thread_loops.clear()
        for loop in loops:
            if loop is not keep and not loop.is_closed() and not loop.is_running():
                loop.close()

    def RegisterResource(self, request: Any) -> Any:
        try:
            response = super().RegisterResource(request)
        finally:
            self._remember_thread_loop()
        if request.type != "pulumi:pulumi:Stack":
            self.recorder.run.resources.append(
                Registered(
                    typ=request.type,
                    name=request.name,
                    inputs=_plain(rpc.deserialize_properties(request.object)),
                    outputs=_plain(self.resources[response.urn].state),
                    protect=bool(request.protect),
                    parent_urn=request.parent,
                    dependencies=list(request.dependencies),
                    custom=bool(request.custom),
                    aliases=(*(_alias(a) for a in request.aliases), *request.aliasURNs),
                )
            )
        return response


def _alias(alias: Any) -> str:
    if alias.WhichOneof("alias") == "urn":
        return str(alias.urn)
    return f"spec:{alias.spec.name}:{alias.spec.type}"


def _plain(value: Any) -> dict[str, Any]:
    """JSON values only: what a test can compare with a plan."""
    plain: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return plain


def config_for_runtime(config: Mapping[str, Any]) -> dict[str, str]:
    """Stack-file values as the engine hands them to a program: strings, structured ones as JSON."""
    return {k: v if isinstance(v, str) else json.dumps(v) for k, v in config.items()}


def run_program(
    stack: str,
    config: Mapping[str, Any],
    stack_outputs: Mapping[str, Mapping[str, Any]] | None = None,
    run: ProgramRun | None = None,
    preview: bool = False,
    program: Callable[[], None] | None = None,
    main: Path = MAIN,
) -> ProgramRun:
    """Run ``__main__.py`` for one stack with the given config map; return what it registered.

    Pass ``run`` to keep what was registered even when the program fails. ``preview=True`` only for
    tests about preview itself: outputs the mocks do not return are then unknown and their
    ``apply`` callbacks never run. ``program`` runs instead of ``__main__.py`` (tests of the
    registrar itself); ``main``, another program file run the same way (the benchmarks' references).
    """
    account = str((config.get("aws:allowedAccountIds") or ["000000000000"])[0])
    region = str(config.get("aws:region", "us-east-1"))
    recorder = _Mocks(account, region, stack_outputs or {}, run if run is not None else ProgramRun())
    recorder.run.stack = stack
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    settings.reset_options(project=PROJECT, stack=stack, organization=ORGANIZATION)
    monitor = _RecordingMonitor(recorder)
    pulumi.runtime.set_mocks(
        recorder,
        project=PROJECT,
        stack=stack,
        preview=preview,
        organization=ORGANIZATION,
        monitor=monitor,
    )
    pulumi.runtime.set_all_config(config_for_runtime(config))

    @pulumi.runtime.test
    def under_mocks() -> pulumi.Output[Any]:
        if program is None:
            runpy.run_path(str(main), run_name="__main__")
        else:
            program()
        root = settings.get_root_resource()
        exported: dict[str, Any] = dict(getattr(root, "outputs", {}))
        return pulumi.Output.from_input(exported).apply(recorder.run.exports.update)

    try:
        under_mocks()
    finally:
        # A fresh loop per run, closed after it, so no run hands pending work to the next.
        loop.close()
        monitor.close_thread_loops(keep=loop)
        asyncio.set_event_loop(None)
        # And no run hands the SDK's globals (mocks, config, root resource) to whatever runs next.
        settings.reset_options()
        pulumi.runtime.set_all_config({}, [])
        # A failed run leaves Output coroutines that were never awaited. Collect them now: left to
        # a later, random collection, their warnings can fire inside a parser and crash CPython
        # 3.11's AST recursion check ("AST constructor recursion depth mismatch"). Then freeze what
        # is left: the next run's collection scans only what was made since, not the session's whole
        # heap (SDK modules, AWS models), which cost 0.13 s a run.
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore", message="coroutine .* was never awaited", category=RuntimeWarning
            )
            gc.collect()
        gc.freeze()
    return recorder.run


def run_stack_file(stack: str, stack_outputs: Mapping[str, Mapping[str, Any]] | None = None) -> ProgramRun:
    """Run the program for a committed ``Pulumi.<stack>.yaml``."""
    return run_program(stack, load_stack_config(PROJECT_DIR, stack), stack_outputs)
