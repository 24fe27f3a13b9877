"""What the SDK charges for one registration, and for importing the package: the floor under the
program's cost against a raw program (benchmarks/cold_start.py), whatever ecr-share's own code does.

Each figure is a fresh interpreter that sets up the SDK under its mock engine (as cold_start.py's
children do) and then, measured, registers ``--count`` of one kind of resource:
- ``log-group``: a pulumi-aws ``LogGroup`` with a name and a retention, what a raw program registers;
- ``component``: a bare ``ComponentResource``, no outputs;
- ``component+outputs``: the same, then ``register_outputs`` of five values, as a
  ``FargateTaskDefinition`` registers (four outputs of its children, one plain value);
- ``component+alias``: the same as ``component``, with one alias given as a URN, as the registrar
  gives a component's earlier type token;
- ``component+annotations``: the same as ``component``, its class annotating five outputs
  (``arn: pulumi.Output[str]``), as ``FargateTaskDefinition`` does for the provider's schema: the SDK
  reads a class's annotations again at each registration (``pulumi._types.resource_types``);
- ``import``: no registration; it imports what an environment stack's program imports of ecr-share
  (``ENVIRONMENT_MODULES``: ``components.program``, the environment's planner and the component
  modules it registers; the same modules a run of the committed prod stack ends with,
  ``tests/program/test_imports_program.py``), and counts their modules and dataclasses;
- ``build-import``: the same for the build stack's program (``BUILD_MODULES``).

Instructions of the measured part only, counted by valgrind's callgrind (cold_start.py's switch);
``nothing`` (the empty measured part) is subtracted. Figures, never asserts.

Run: .venv/bin/python benchmarks/registration_floor.py [--count 100] [--kinds import,build-import]
``--kinds``: only these kinds (``nothing``, which is subtracted, always runs), e.g. ``import`` alone
takes about 20 s. Before and after a change: run this script from a checkout of each (``git archive
<commit> | tar -x -C DIR``, then copy this file into ``DIR/benchmarks``): it imports the package of
the checkout it lies in.
"""

# No ``from __future__ import annotations``: ``Annotated``'s annotations are objects, as in the
# components' modules (the provider's schema reads them at run time).
import argparse
import ctypes
import dataclasses
import os
import shutil
import sys
import tempfile
from pathlib import Path

import measure  # the import path first
import pulumi
from cold_start import compile_switch

KINDS = (
    "nothing",
    "log-group",
    "component",
    "component+outputs",
    "component+alias",
    "component+annotations",
    "import",
    "build-import",
)
# What each stack kind's program ends up importing of ecr-share: the program, its stack kind's
# planner (which the program imports when it plans) and the modules of the components it registers
# (the registrar imports a component's module when it constructs the first one). The committed prod
# stack registers a ReplicationReceiver, so replication's component module is among the
# environment's.
ENVIRONMENT_MODULES = (
    "components.program",
    "components.contract.outputs",
    "components.plan.environment",
    "components.consumers.component",
    "components.replication.component",
)
BUILD_MODULES = (
    "components.program",
    "components.plan.build",
    "components.repositories.component",
    "components.replication.component",
)
IMPORTED = {"import": ENVIRONMENT_MODULES, "build-import": BUILD_MODULES}


class Annotated(pulumi.ComponentResource):
    """A component whose class annotates five outputs, as ``FargateTaskDefinition``'s does."""

    arn: pulumi.Output[str]
    family: pulumi.Output[str]
    image: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    log_group_arn: pulumi.Output[str]


def child(kind: str, count: int) -> None:
    import asyncio
    from typing import Any

    from pulumi.runtime import mocks, settings

    class Mocks(pulumi.runtime.Mocks):
        def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
            return f"{args.name}-id", {**args.inputs, "arn": f"arn:aws:mock::{args.name}"}

        def call(self, args: mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
            return {}, None

    asyncio.set_event_loop(asyncio.new_event_loop())
    settings.reset_options(project="floor", stack="floor", organization="organization")
    pulumi.runtime.set_mocks(
        Mocks(), project="floor", stack="floor", preview=False, organization="organization"
    )
    import pulumi_aws.cloudwatch

    pulumi_aws.cloudwatch.LogGroup("warm-up", name="/warm-up")  # the class's first use is not measured

    def component(name: str, outputs: bool, alias: bool, annotated: bool) -> None:
        aliases = [f"urn:pulumi:floor::floor::ecr-share:index:Earlier::{name}"] if alias else None
        resource = (Annotated if annotated else pulumi.ComponentResource)(
            "ecr-share:index:Floor", name, None, pulumi.ResourceOptions(aliases=aliases)
        )
        if outputs:
            value = pulumi.Output.from_input("value")
            resource.register_outputs({"a": value, "b": value, "c": value, "d": value, "e": "plain"})

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> Any:
        for i in range(count):
            if kind == "log-group":
                pulumi_aws.cloudwatch.LogGroup(f"group-{i}", name=f"/group/{i}", retention_in_days=7)
            elif kind.startswith("component"):
                component(
                    f"component-{i}",
                    kind.endswith("outputs"),
                    kind.endswith("alias"),
                    kind.endswith("annotations"),
                )
        return pulumi.Output.from_input(None)

    switch = ctypes.CDLL(os.environ["FLOOR_SWITCH"])
    switch.callgrind_start()
    if kind in IMPORTED:
        import importlib

        modules = [importlib.import_module(m) for m in IMPORTED[kind]]
    else:
        run()
    switch.callgrind_stop()
    if kind in IMPORTED:
        loaded = [m for name, m in sys.modules.items() if name.startswith("components") and m is not None]
        classes = {
            c for m in loaded for c in vars(m).values() if isinstance(c, type) and dataclasses.is_dataclass(c)
        }
        print(f"modules {len(loaded)} dataclasses {len(classes)} (of {len(modules)} imported directly)")


def instructions(kind: str, count: int, switch: str, bytecode: str) -> tuple[int, str]:
    environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    environment |= {"FLOOR_SWITCH": switch, "PYTHONPYCACHEPREFIX": bytecode}
    return measure.callgrind_count([sys.executable, __file__, "--child", kind, str(count)], environment)


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], int(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100, help="registrations per kind")
    parser.add_argument("--kinds", default=",".join(KINDS), help="the kinds to measure, comma-separated")
    options = parser.parse_args()
    count = options.count
    unknown = set(options.kinds.split(",")) - set(KINDS)
    if unknown:
        sys.exit(
            f"--kinds: unknown kind(s) {', '.join(sorted(unknown))}; expected some of {', '.join(KINDS)}"
        )
    kinds = ("nothing", *(k for k in KINDS[1:] if k in options.kinds.split(",")))
    if shutil.which("valgrind") is None or shutil.which("cc") is None:
        sys.exit("registration_floor.py needs valgrind and a C compiler on the PATH (Debian: valgrind, gcc).")
    print(f"registration floor, {count} registrations per kind ({measure.machine()})")
    with tempfile.TemporaryDirectory(prefix="registration-floor-") as folder:
        switch = compile_switch(Path(folder))
        figures = {kind: instructions(kind, count, switch, str(Path(folder) / "bytecode")) for kind in kinds}
    base = figures["nothing"][0]
    for kind in kinds[1:]:
        total, printed = figures[kind]
        if kind in IMPORTED:
            print(f"  {kind:18s} {(total - base) / 1e6:8.1f} M instructions once; {printed}")
        else:
            print(f"  {kind:18s} {(total - base) / count / 1e6:8.2f} M instructions each")


if __name__ == "__main__":
    main()
