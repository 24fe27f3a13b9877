"""The program from a cold start, as ``pulumi up`` starts it, against a raw program that registers the
same provider resources with the same dependency edges: environments of 10, 100 and 500 services and
a build stack of 100 repositories x 50 accounts.

Each run is a fresh interpreter (``--child``), as the language host starts one for every ``pulumi up``:
it imports the SDK and sets up the runtime (``pulumi-language-python-exec`` does the same before it runs
the program), then runs the program file with ``runpy`` under Pulumi's mock engine and waits for every
registration. Only that part is measured: the program's own imports (ecr-share's modules, pulumi-aws),
config, checks, plan and registrations. Why the mock engine and not the real CLI: under ``pulumi up``
the engine and the AWS provider are other processes, whose work is the same for both programs; the
mock monitor is the SDK's own, so the program process does what it does under the CLI (the SDK
builds and sends the same ``RegisterResource`` requests), minus the gRPC transport, plus the mock's
answer. The real CLI here runs stand-ins for the language host and the AWS provider (boto3 against
moto), whose costs would swamp the program's.

The raw program: ``import pulumi_aws``, then one constructor call per provider resource with the
inputs the plan holds and ``depends_on`` exactly what the program registered that resource with
(recorded from a run of the program, so a tree before and after a change each gets its own raw
program), output references as the registered resources' outputs, the same stack outputs; an
environment's also reads the build stack through a StackReference (without waiting for its outputs:
a lower bound). Its registrations are loaded before the measured part.

The tree program: the raw program's registrations plus the program's components, every resource
under its parent with the aliases and dependencies the program sent, each component registering as
many outputs as the program's (``tree_program``): what the resource tree itself costs the SDK. So
tree / raw is the tree's share, and program / tree the program's own (imports, config, checks, plan,
registrar).

Figures, never asserts:
- CPU: ``time.process_time`` of the measured part (every thread), best of ``--runs`` runs, and peak
  RSS (``ru_maxrss``) of the whole process, the median of the runs. On a shared machine CPU time is
  noisy; the load average is printed.
- ``--instructions``: instructions of the measured part, counted by valgrind's callgrind with
  instrumentation off at start (``--instr-atstart=no``: the interpreter and the SDK start about 10x
  faster than instrumented) and switched on and off around the measured part by callgrind's client
  requests (``CALLGRIND_START_INSTRUMENTATION``, a 3-line C library compiled with ``cc``), so every
  thread is counted, the executor's RPC calls included. One run each: the count does not depend on
  the machine's load.

Run: .venv/bin/python benchmarks/cold_start.py [--root DIR] [--runs N] [--sizes 10,100,500] [--no-build]
     [--instructions 10,100,500,build]
``--root``: the project to measure (default: this one), e.g. a checkout of an earlier commit
(``git archive <commit> | tar -x -C DIR``), to compare before and after a change.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import ctypes
import functools
import json
import os
import re
import runpy
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve()
ORGANIZATION, PROJECT = "organization", "ecr-share"
BUILD_STACK = f"{ORGANIZATION}/{PROJECT}/build"
GOAL_RATIO, GOAL_MS_PER_SERVICE, GOAL_MEMORY = 1.25, 1.0, 1.2
REF = "$ref"  # an output reference in the recorded JSON: {"$ref": [key, attribute]}


# --- In the child: a fresh interpreter running one program -------------------------------------

# Switches callgrind's instrumentation on and off (its client requests, from valgrind's own header),
# compiled by the parent with ``--instructions``: ``COLD_START_SWITCH`` names the library.
SWITCH_SOURCE = """#include <valgrind/callgrind.h>
void callgrind_start(void) { CALLGRIND_START_INSTRUMENTATION; }
void callgrind_stop(void) { CALLGRIND_STOP_INSTRUMENTATION; }
"""


def child(kind: str, root: Path, case_file: Path) -> None:
    import asyncio

    import pulumi
    from pulumi.runtime import mocks, settings

    case = json.loads(case_file.read_text())
    stack, outputs = case["stack"], case["outputs"] or {}

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
            if args.typ == "pulumi:pulumi:StackReference":
                name = args.inputs["name"]
                return name, {"name": name, "outputs": outputs[name]}
            return f"{args.name}-id", {**args.inputs, "arn": f"arn:aws:mock::{args.typ}:{args.name}"}

        def call(self, args: mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
            return {}, None

    if kind == "program":
        os.chdir(root)
        sys.path.insert(0, str(root))
        main = root / "__main__.py"
    else:
        reference = types.ModuleType("cold_start_reference")
        registrations = json.loads(Path(case[kind]).read_text())
        reference.run = functools.partial(raw_program if kind == "raw" else tree_program, registrations)  # type: ignore[attr-defined]
        sys.modules[reference.__name__] = reference
        main = Path(case["raw_main"])
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    settings.reset_options(project=PROJECT, stack=stack, organization=ORGANIZATION)
    pulumi.runtime.set_mocks(Mocks(), project=PROJECT, stack=stack, preview=False, organization=ORGANIZATION)
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in case["config"].items()}
    )

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> Any:
        runpy.run_path(str(main), run_name="__main__")
        return pulumi.Output.from_input(dict(getattr(settings.get_root_resource(), "outputs", {})))

    switch = ctypes.CDLL(os.environ["COLD_START_SWITCH"]) if "COLD_START_SWITCH" in os.environ else None
    start = time.process_time()
    if switch is not None:
        switch.callgrind_start()
    run()
    if switch is not None:
        switch.callgrind_stop()
    cpu = time.process_time() - start
    import resource

    # pulumi-aws's modules that were loaded (each is a placeholder, a _LazyModule, until first used).
    aws_modules = sorted(
        name.split(".")[1]
        for name, module in list(sys.modules.items())
        if name.startswith("pulumi_aws.")
        and name.count(".") == 1
        and type(module) is types.ModuleType
        and "__path__" in module.__dict__
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"cpu": cpu, "rss": peak, "aws_modules": aws_modules}))


def _resolved(value: Any, made: dict[str, Any]) -> Any:
    """A recorded value with each output reference replaced by that registered resource's output."""
    if isinstance(value, dict):
        if REF in value:
            key, attribute = value[REF]
            return getattr(made[key], attribute)
        return {k: _resolved(v, made) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolved(v, made) for v in value]
    return value


def raw_program(raw: dict[str, Any]) -> None:
    """The raw program: one constructor call per provider resource, in the plan's order."""
    import pulumi
    import pulumi_aws

    if raw["reference"] is not None:
        pulumi.StackReference(raw["reference"])
    made: dict[str, pulumi.Resource] = {}

    for r in raw["resources"]:
        module, cls = r["type"].split(":")[1].split("/")[0], r["type"].rsplit(":", 1)[1]
        options = pulumi.ResourceOptions(depends_on=[made[d] for d in r["depends_on"]] or None)
        made[r["key"]] = getattr(getattr(pulumi_aws, module), cls)(
            r["name"], opts=options, **_resolved(r["inputs"], made)
        )
    for name, value in raw["exports"].items():
        pulumi.export(name, _resolved(value, made))


def tree_program(tree: dict[str, Any], component: type | None = None) -> None:
    """The tree program: the raw program's registrations, plus the program's components, each
    resource under its parent with its aliases as the program sent them, each component registering
    as many outputs as the program's did (each the URN of one of its registrations): what the
    resource tree costs the SDK, without the program's config, checks, plan and registrar.
    ``component``: the components' class (default ``pulumi.ComponentResource``)."""
    import pulumi
    import pulumi_aws

    if tree["reference"] is not None:
        pulumi.StackReference(tree["reference"])
    made: dict[str, pulumi.Resource] = {}
    children: dict[str, list[pulumi.Resource]] = {}

    def outputs(component: dict[str, Any]) -> None:
        registered = children.get(component["key"], [])
        values = [registered[i % len(registered)].urn for i in range(component["outputs"])]
        made_component = made[component["key"]]
        assert isinstance(made_component, pulumi.ComponentResource)
        made_component.register_outputs({f"output{i}": v for i, v in enumerate(values)})

    open_components: list[dict[str, Any]] = []
    for r in tree["resources"]:
        # A component's outputs come once everything under it is registered, as in the program.
        while open_components and not _under(r, open_components[-1]["key"], tree["parents"]):
            outputs(open_components.pop())
        options = pulumi.ResourceOptions(
            parent=made[r["parent"]] if r["parent"] else None,
            depends_on=[made[d] for d in r["depends_on"]] or None,
            aliases=r["aliases"] or None,
        )
        if r["custom"]:
            module, cls = r["type"].split(":")[1].split("/")[0], r["type"].rsplit(":", 1)[1]
            made[r["key"]] = getattr(getattr(pulumi_aws, module), cls)(
                r["name"], opts=options, **_resolved(r["inputs"], made)
            )
        else:
            made[r["key"]] = (component or pulumi.ComponentResource)(r["type"], r["name"], None, options)
            open_components.append(r)
        if r["parent"]:
            children.setdefault(r["parent"], []).append(made[r["key"]])
    while open_components:
        outputs(open_components.pop())
    for name, value in tree["exports"].items():
        pulumi.export(name, _resolved(value, made))


def _under(resource: dict[str, Any], component: str, parents: dict[str, str | None]) -> bool:
    parent = resource["parent"]
    while parent is not None:
        if parent == component:
            return True
        parent = parents.get(parent)
    return False


# --- In the recorder: the program's plan and what it registered, in the measured tree ------------


def record(root: Path, case: str, out: Path) -> None:
    """Plan the case with ``root``'s code, run its program once under the test harness, and write
    what the children need: config and build outputs, and the raw program's registrations with the
    dependencies the program registered each provider resource with."""
    os.chdir(root)
    sys.path[:0] = [str(root), str(root / "tests")]
    import pulumi

    from components.plan.model import OutputRef
    from components.plan.project import plan_stacks
    from tests.support.pulumi_harness import run_program, urn_key
    from tests.support.scale_project import account, build_config, environment_config, repository

    if case == "build":
        configs, stack = {"build": build_config(100, 50)}, "build"
    else:
        n = int(case)
        names = [repository(i) for i in range(n)]
        configs = {"build": build_config(n, 1), "env": environment_config(account(0), names)}
        stack = "env"
    project = plan_stacks(configs)
    plan = project.plans[stack]
    outputs = None if stack == "build" else {BUILD_STACK: dict(project.plans["build"].exports)}
    # How many outputs each component registers, for the tree program.
    output_counts: dict[str, int] = {}
    register_outputs = pulumi.ComponentResource.register_outputs

    def counted(component: pulumi.ComponentResource, values: Any) -> None:
        output_counts[f"{component._type}::{component._name}"] = len(values or {})
        register_outputs(component, values)

    pulumi.ComponentResource.register_outputs = counted  # type: ignore[method-assign]
    try:
        run = run_program(stack, configs[stack], outputs)
    finally:
        pulumi.ComponentResource.register_outputs = register_outputs  # type: ignore[method-assign]
    provider = {r.key for r in plan.provider_resources()}
    registered = {r.key: r for r in run.resources}

    def encoded(value: Any) -> Any:
        if isinstance(value, OutputRef):
            return {REF: [value.resource, value.attribute]}
        if isinstance(value, dict):
            return {k: encoded(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [encoded(v) for v in value]
        return value

    resources = [
        {
            "key": r.key,
            "type": r.type,
            "name": r.name,
            "inputs": encoded(dict(r.inputs)),
            "depends_on": sorted(k for d in registered[r.key].dependencies if (k := urn_key(d)) in provider),
        }
        for r in plan.provider_resources()
    ]
    raw = {
        "reference": None if outputs is None else BUILD_STACK,
        "resources": resources,
        "exports": encoded(dict(plan.exports)),
    }
    raw_file = out.with_suffix(".raw.json")
    raw_file.write_text(json.dumps(raw))
    # In the plan's order (a component, then everything under it), with what the program sent.
    tree_resources = [
        {
            "key": r.key,
            "type": r.type,
            "name": r.name,
            "custom": not r.is_component,
            "parent": r.parent,
            "depends_on": sorted(k for d in registered[r.key].dependencies if (k := urn_key(d)) is not None),
            "aliases": list(registered[r.key].aliases),
            "inputs": None if r.is_component else encoded(dict(r.inputs)),
            "outputs": output_counts.get(r.key, 0),
        }
        for r in plan.resources
    ]
    tree = {
        **raw,
        "resources": tree_resources,
        "parents": {r["key"]: r["parent"] for r in tree_resources},
    }
    tree_file = out.with_suffix(".tree.json")
    tree_file.write_text(json.dumps(tree))
    raw_main = out.parent / "raw_main.py"
    raw_main.write_text("import sys\n\nsys.modules['cold_start_reference'].run()\n")
    out.write_text(
        json.dumps(
            {
                "stack": stack,
                "config": configs[stack],
                "outputs": outputs,
                "raw": str(raw_file),
                "tree": str(tree_file),
                "raw_main": str(raw_main),
                "services": len(configs[stack].get("ecr-share:services", [])),
                "provider_resources": len(provider),
                "components": sum(r.is_component for r in plan.resources),
                "edges": sum(len(r.dependencies) for r in run.resources),
                "raw_edges": sum(len(r["depends_on"]) for r in resources),
            }
        )
    )


# --- In the parent -------------------------------------------------------------------------------


def _python(args: list[str], valgrind: bool = False) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(HERE), *args]
    environment = _CHILD_ENVIRONMENT
    if valgrind:
        environment = {**environment, "COLD_START_SWITCH": _SWITCH[0]}
        command = [
            "valgrind",
            "--tool=callgrind",
            "--callgrind-out-file=/dev/null",
            "--instr-atstart=no",
            *command,
        ]
    return subprocess.run(command, capture_output=True, text=True, check=True, env=environment)


# Bytecode cached, as for every ``pulumi up`` after the first: written into a folder of its own, so
# that neither the project nor the virtualenv is touched (and this session's
# PYTHONDONTWRITEBYTECODE, which would compile every module at every start, left out).
_CHILD_ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
_SWITCH: list[str] = []  # the compiled switch library, with --instructions


def compile_switch(folder: Path) -> str:
    """The library switching callgrind's instrumentation, compiled from ``SWITCH_SOURCE``."""
    source, library = folder / "switch.c", folder / "switch.so"
    source.write_text(SWITCH_SOURCE)
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(library), str(source)], check=True)
    return str(library)


def measure_case(root: Path, case: str, folder: Path, runs: int, instructions: bool) -> dict[str, Any]:
    case_file = folder / f"{root.name}-{case}.json"
    _python(["--record", str(root), case, str(case_file)])
    figures: dict[str, Any] = {"case": json.loads(case_file.read_text())}
    for kind in ("program", "raw", "tree"):
        warm = json.loads(_python(["--child", kind, str(root), str(case_file)]).stdout.splitlines()[-1])
        results = [
            json.loads(_python(["--child", kind, str(root), str(case_file)]).stdout.splitlines()[-1])
            for _ in range(runs)
        ] or [warm]  # no runs: the warm-up's (its bytecode cache was being written) for what it shows
        figures[kind] = {
            "cpu": min(r["cpu"] for r in results),
            "rss": statistics.median(r["rss"] for r in results),
            "aws_modules": results[0]["aws_modules"],
        }
        if instructions:
            done = _python(["--child", kind, str(root), str(case_file)], valgrind=True)
            found = re.search(r"Collected : (\d+)", done.stderr)
            if found is None:
                raise RuntimeError(f"valgrind printed no instruction count: {done.stderr[-300:]}")
            figures[kind]["instructions"] = int(found.group(1))
    return figures


def report(root: Path, case: str, f: dict[str, Any]) -> None:
    c, program, raw = f["case"], f["program"], f["raw"]
    label = (
        "build stack, 100 repositories x 50 accounts" if case == "build" else f"environment, {case} services"
    )
    print(
        f"\n{label} ({root}): {c['provider_resources']} provider resources, {c['components']} components; "
        f"dependency edges registered: program {c['edges']}, raw {c['raw_edges']}"
    )
    print(f"  pulumi_aws modules loaded: program {program['aws_modules']}, raw {raw['aws_modules']}")
    tree = f["tree"]
    if "instructions" in program:
        ratio = program["instructions"] / raw["instructions"]
        print(
            f"  instructions  program {program['instructions'] / 1e6:8.1f} M, raw {raw['instructions'] / 1e6:8.1f} M: "
            f"{ratio:.2f}x (goal <= {GOAL_RATIO}x)"
        )
        print(
            f"  instructions  tree {tree['instructions'] / 1e6:8.1f} M: tree / raw "
            f"{tree['instructions'] / raw['instructions']:.2f}x (the resource tree), program / tree "
            f"{program['instructions'] / tree['instructions']:.2f}x (config, checks, plan, registrar, imports)"
        )
    ratio = program["cpu"] / raw["cpu"]
    print(
        f"  CPU           program {program['cpu'] * 1e3:8.1f} ms, raw {raw['cpu'] * 1e3:8.1f} ms: {ratio:.2f}x "
        f"(goal <= {GOAL_RATIO}x); tree {tree['cpu'] * 1e3:8.1f} ms"
    )
    if c["services"]:
        per_service = (program["cpu"] - raw["cpu"]) * 1e3 / c["services"]
        print(f"  CPU over raw  {per_service:.2f} ms per service (goal <= {GOAL_MS_PER_SERVICE} ms)")
    print(
        f"  peak RSS      program {program['rss']:.1f} MiB, raw {raw['rss']:.1f} MiB: "
        f"{program['rss'] / raw['rss']:.2f}x (goal <= {GOAL_MEMORY}x at 500 services)"
    )


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]))
        return
    if sys.argv[1:2] == ["--record"]:
        record(Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", type=Path, default=HERE.parent.parent)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--instructions", default="", help="the cases to count instructions of, e.g. 10,100,500,build"
    )
    parser.add_argument("--sizes", default="10,100,500", help="the environments' numbers of services")
    parser.add_argument("--no-build", action="store_true", help="leave the build stack out")
    options = parser.parse_args()
    if options.instructions and (shutil.which("valgrind") is None or shutil.which("cc") is None):
        sys.exit("--instructions needs valgrind and a C compiler on the PATH (Debian: valgrind, gcc).")
    sys.path.insert(0, str(HERE.parent))
    import measure

    root = options.root.resolve()
    cases = [*options.sizes.split(","), *([] if options.no_build else ["build"])]
    counted = set(options.instructions.split(",")) - {""}
    print(f"cold start, program against raw ({measure.machine()}; CPU best of {options.runs} runs)")
    with tempfile.TemporaryDirectory(prefix="cold-start-") as folder:
        _CHILD_ENVIRONMENT["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "bytecode")
        if counted:
            _SWITCH.append(compile_switch(Path(folder)))
        with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
            jobs = {
                case: pool.submit(measure_case, root, case, Path(folder), options.runs, case in counted)
                for case in cases
            }
            for case, job in jobs.items():
                report(root, case, job.result())
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
