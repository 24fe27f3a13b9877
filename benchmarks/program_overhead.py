"""The program under Pulumi's mock engine against programs that register the same provider resources
directly: a build stack of 100 repositories granting 50 accounts, and an environment of 10 services.

Five programs per stack, each run through the same harness (``tests/support/pulumi_harness.py``):
- program: ``__main__.py`` (config, validation, plan, components, registrar);
- bare: a loop over the same provider resources with the same inputs, no components, and the same
  stack outputs: the reference (goal: program <= 1.2x bare);
- same tree: the same loop, but registering the plan's components, parents and aliases too: what
  the resource tree itself costs, so program / same tree is the plan and registrar's own overhead;
- no aliases: the same tree without its aliases: what the components alone cost;
- grouped: the tree with one component for all instances of a top-level component type (an
  environment's FargateTaskDefinitions), and the aliases that moving their children there would
  need: what fewer components than services would cost.

Timings are CPU seconds of this process (the mock engine's threads included), the best of the runs,
without the harness's end-of-run garbage collection (test hygiene, the same for all five), and with
what the process had loaded before the runs frozen out of Python's cyclic collector (``gc.freeze``).
The number of event-loop callbacks per run is printed too: it does not depend on the machine's load.

With ``--instructions [runs]``, instructions per run instead, counted by valgrind: on a shared or
virtual machine CPU seconds vary by up to a third between sessions, the instruction count does not.

Run: .venv/bin/python benchmarks/program_overhead.py [runs]
     .venv/bin/python benchmarks/program_overhead.py --instructions [runs]
"""

from __future__ import annotations

import asyncio.events
import atexit
import concurrent.futures
import gc
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

import measure
import pulumi

from components.plan.model import Resource, StackPlan
from components.plan.project import plan_stacks
from components.plan.register import _resolve, alias_urn, provider_class, qualified_type
from tests.support import pulumi_harness
from tests.support.pulumi_harness import BUILD_STACK, run_program
from tests.support.scale_project import account, build_config, environment_config, repository

GOAL = 1.2


class _HarnessGC:
    """The harness collects garbage after each run; time it, to leave it out."""

    spent = 0.0

    @staticmethod
    def collect() -> int:
        start = time.process_time()
        found = gc.collect()
        _HarnessGC.spent += time.process_time() - start
        return found

    @staticmethod
    def freeze() -> None:
        gc.freeze()


class _Callbacks:
    """Counts the event loop's callbacks: the mock engine's work, independent of the machine."""

    count = 0
    _run = asyncio.events.Handle._run

    @staticmethod
    def install() -> None:
        def counted(handle: asyncio.events.Handle) -> None:
            _Callbacks.count += 1
            _Callbacks._run(handle)

        asyncio.events.Handle._run = counted  # type: ignore[method-assign,assignment]


# One registration of a reference program: the planned resource (its ``parent`` None: at the top)
# and its aliases as (parent URN type, type, name), sent as URNs as the registrar sends them.
AliasKey = tuple[str, str, str]
Registration = tuple[Resource, tuple[AliasKey, ...]]


def bare(plan: StackPlan) -> list[Registration]:
    """The plan's provider resources at the top, no components, no aliases."""
    return [(replace(r, parent=None), ()) for r in plan.resources if not r.is_component]


def same_tree(plan: StackPlan, aliases: bool = True) -> list[Registration]:
    """The plan's resources, components included, each under its planned parent, with (or without)
    its planned aliases."""
    types: dict[str, str] = {"": ""}  # key -> URN type
    found: list[Registration] = []
    for r in plan.resources:
        parent_type = types[r.parent or ""]
        types[r.key] = cast(str, qualified_type(parent_type, r.type))
        keys = tuple((parent_type, a.type or r.type, a.name or r.name) for a in r.aliases)
        found.append((r, keys if aliases else ()))
    return found


def one_component_per_kind(plan: StackPlan) -> list[Registration]:
    """What the tree would cost with fewer components than services: the instances of a top-level
    component type that occurs more than once (an environment's FargateTaskDefinitions) replaced by
    one component holding all their children, each child with the aliases moving it there needs so
    that no stack deployed by 0.1.x or 0.2.x loses it: its URN under its old parent's type and under
    each earlier type of that parent, with its name and each earlier name."""
    by_key = {r.key: r for r in plan.resources}
    counts = Counter(r.type for r in plan.resources if r.parent is None)
    groups: dict[str, Resource] = {}  # component type -> the one component standing for them all
    moved: dict[str, str] = {}  # an instance's key -> its group's key
    found: list[Registration] = []
    for r, aliases in same_tree(plan):
        if r.parent is None and counts[r.type] > 1:
            if r.type not in groups:
                groups[r.type] = replace(r, name=f"{r.name}-and-others", inputs={}, aliases=())
                found.append((groups[r.type], ()))
            moved[r.key] = groups[r.type].key
        elif r.parent in moved:
            if r.is_component:
                raise ValueError(f"{r.key}: a nested component under a grouped type is not modelled")
            old = by_key[r.parent]
            parent_types = [old.type, *(a.type for a in old.aliases if a.type)]
            names = [(r.type, r.name), *((a.type or r.type, a.name or r.name) for a in r.aliases)]
            keys = tuple((p, t, n) for p in parent_types for t, n in names)
            found.append((replace(r, parent=moved[r.parent], aliases=()), keys))
        else:
            found.append((r, aliases))
    return found


def direct(
    registrations: list[Registration], exports: dict[str, Any], reference: str | None
) -> Callable[[], None]:
    """A program registering the given resources in a plain loop, with the same stack outputs."""

    def program() -> None:
        if reference is not None:
            pulumi.StackReference(reference)
        made: dict[str, pulumi.Resource] = {}
        for r, aliases in registrations:
            made[r.key] = _register(r, made, aliases)
        for name, value in exports.items():
            pulumi.export(name, _resolve(value, made))

    return program


class _Component(pulumi.ComponentResource):
    """A component as any is written, a subclass: the SDK then records the stack of its constructor
    with each registration, as it does for ecr-share's (a bare ComponentResource records none)."""

    def __init__(self, type_: str, name: str, opts: pulumi.ResourceOptions) -> None:
        super().__init__(type_, name, None, opts)


def _register(
    r: Resource, made: dict[str, pulumi.Resource], aliases: tuple[AliasKey, ...]
) -> pulumi.Resource:
    options = pulumi.ResourceOptions(
        parent=made[r.parent] if r.parent is not None else None,
        depends_on=[made[d] for d in r.depends_on if d in made],
        protect=r.protect or None,
        aliases=[alias_urn(*a) for a in aliases] or None,
    )
    if r.is_component:
        component = _Component(r.type, r.name, options)
        component.register_outputs({})
        return component
    return provider_class(r.type)(r.name, opts=options, **_resolve(dict(r.inputs), made))


def measured(run: Callable[[], object], runs: int) -> tuple[float, int]:
    """Best CPU seconds over the runs, without the harness's garbage collection; callbacks per run."""
    best = float("inf")
    for _ in range(runs):
        gc.collect()
        _HarnessGC.spent = 0.0
        _Callbacks.count = 0
        start = time.process_time()
        run()
        best = min(best, time.process_time() - start - _HarnessGC.spent)
    return best, _Callbacks.count


Stack = tuple[str, dict[str, Callable[[], object]], StackPlan]


def stacks() -> list[Stack]:
    """Each stack compared, with its three programs (each a callable run through the harness)."""
    names = [repository(n) for n in range(10)]
    configs = {"build": build_config(100, 50), "env": environment_config(account(0), names)}
    project = plan_stacks(configs)
    build = project.plans["build"]
    outputs = {BUILD_STACK: dict(build.exports)}
    found: list[Stack] = []
    for label, stack, stack_outputs in (
        ("build stack, 100 repositories x 50 accounts", "build", None),
        ("environment stack, 10 services", "env", outputs),
    ):
        plan, config = project.plans[stack], configs[stack]
        reference = BUILD_STACK if stack_outputs else None
        exports = dict(plan.exports)
        references = {
            "bare": bare(plan),
            "same tree": same_tree(plan),
            "no aliases": same_tree(plan, aliases=False),
            "grouped": one_component_per_kind(plan),
        }
        programs: dict[str, Callable[[], object]] = {
            "program": as_program_file(stack, config, stack_outputs, None)
        }
        for name, registrations in references.items():
            programs[name] = as_program_file(
                stack, config, stack_outputs, direct(registrations, exports, reference)
            )
        found.append((label, programs, plan))
    return found


# A program file as the language host runs one (runpy), calling the reference program given to
# ``as_program_file``: the SDK records each registration's call stack, so a reference called
# directly from the harness would be some frames shallower, and cheaper, than any real program.
PROGRAM_FILE = Path(tempfile.mkdtemp(prefix="program-overhead-")) / "__main__.py"
PROGRAM_FILE.write_text("import measure\n\nmeasure.reference_program[0]()\n")
atexit.register(shutil.rmtree, PROGRAM_FILE.parent, True)


def as_program_file(
    stack: str, config: dict[str, Any], outputs: Any, program: Callable[[], None] | None
) -> Callable[[], object]:
    """One run of a program through the harness: ``__main__.py`` itself (None), or a reference
    program from ``PROGRAM_FILE``."""

    def run() -> object:
        if program is None:
            return run_program(stack, config, outputs)
        measure.reference_program[:] = [program]
        return run_program(stack, config, outputs, main=PROGRAM_FILE)

    return run


def compare(label: str, programs: dict[str, Callable[[], object]], plan: StackPlan, runs: int) -> None:
    for run in programs.values():
        run()  # warm: imports, caches
    # Python's cyclic collector scans every object the process holds (pulumi_aws alone is large),
    # and when it runs depends on allocation counts: a full collection landing in one program's
    # run and not in another's decided earlier comparisons. What is loaded now is kept out of it.
    gc.collect()
    gc.freeze()
    results = {name: measured(run, 1) for name, run in programs.items()}
    for _ in range(runs - 1):  # interleaved, so that a disturbance hits all of them alike
        for name, run in programs.items():
            seconds, callbacks = measured(run, 1)
            results[name] = (min(results[name][0], seconds), callbacks)
    describe(label, plan)
    for name, (seconds, callbacks) in results.items():
        print(f"  {name:10} {seconds * 1e3:7.1f} ms CPU, {callbacks:6} event-loop callbacks")
    ratios({name: seconds for name, (seconds, _) in results.items()})


def describe(label: str, plan: StackPlan) -> None:
    components = sum(r.is_component for r in plan.resources)
    aliases = sum(len(r.aliases) for r in plan.resources)
    print(
        f"\n{label}: {len(plan.resources) - components} provider resources, {components} components, {aliases} aliases"
    )


# Each reference's ratio to the bare program, and what it stands for.
REFERENCES = (
    ("same tree", "its components and aliases registered directly"),
    ("no aliases", "its components alone"),
    ("grouped", "one component per kind, with the aliases moving there needs"),
)


def ratios(cost: dict[str, float]) -> None:
    program, reference = cost["program"], cost["bare"]
    verdict = "within" if program / reference <= GOAL else "over"
    print(f"  program / bare      {program / reference:.2f}x ({verdict} the goal of {GOAL}x)")
    for name, meaning in REFERENCES:
        print(f"  {name + ' / bare':19} {cost[name] / reference:.2f}x ({meaning})")
    print(f"  program / same tree {program / cost['same tree']:.2f}x (the plan and registrar's own overhead)")


def instructions(runs: int) -> None:
    """Instructions per run, counted by valgrind (callgrind): what the CPU executes, whatever else
    the machine is doing. Each program runs in its own process, once with ``runs`` runs and once
    with none after the same warm-up; the difference divided by ``runs`` is one run's count."""
    if shutil.which("valgrind") is None:
        sys.exit("--instructions needs valgrind on the PATH (Debian: apt-get install valgrind).")
    print(f"program under mocks against direct registration ({measure.machine()}; instructions, valgrind)")
    compared = stacks()
    jobs = [
        (index, name, n)
        for index, (_, programs, _) in enumerate(compared)
        for name in programs
        for n in (0, runs)
    ]
    with concurrent.futures.ThreadPoolExecutor(os.cpu_count() or 1) as pool:
        counts = dict(zip(jobs, pool.map(lambda job: _counted(*job), jobs), strict=True))
    for index, (label, programs, plan) in enumerate(compared):
        describe(label, plan)
        per_run = {name: (counts[index, name, runs] - counts[index, name, 0]) / runs for name in programs}
        for name, count in per_run.items():
            print(f"  {name:10} {count / 1e6:7.1f} M instructions per run")
        ratios(per_run)


def _counted(index: int, name: str, runs: int) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable]
    command += [__file__, "--child", str(index), name, str(runs)]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if found is None:
        raise RuntimeError(f"valgrind printed no instruction count for {name}: {done.stderr[-300:]}")
    return int(found.group(1))


def child(index: int, name: str, runs: int) -> None:
    """One program of one stack, warmed as in ``compare``, then ``runs`` runs."""
    run = stacks()[index][1][name]
    run()
    run()
    gc.collect()
    gc.freeze()
    for _ in range(runs):
        run()


def main() -> None:
    pulumi_harness.gc = _HarnessGC  # type: ignore[attr-defined,assignment]
    if sys.argv[1:2] == ["--child"]:
        child(int(sys.argv[2]), sys.argv[3], int(sys.argv[4]))
        return
    if sys.argv[1:2] == ["--instructions"]:
        instructions(int(sys.argv[2]) if len(sys.argv) > 2 else 3)
        return
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    _Callbacks.install()
    measure.heading("program under mocks against direct registration", runs)
    for label, programs, plan in stacks():
        compare(label, programs, plan, runs)


if __name__ == "__main__":
    main()
