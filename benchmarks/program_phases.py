"""Where an environment program's instructions over the tree program go, phase by phase, from a cold
start (``benchmarks/cold_start.py``'s children and recorded cases): the imports, the config's parse,
the read-back and the plan, the registrar's own synchronous work, and the rest (the SDK's
asynchronous registration work and the exports), each against the tree program's.

Each figure is one run counted by valgrind's callgrind (instructions, load-independent), switched on
and off around one part only (cold_start.py's switch library):
- ``program``: the whole measured part, as cold_start.py counts it; ``tree`` likewise;
- ``program, imported``: the same, with ecr-share's modules, ``pulumi_aws`` and the pulumi-aws classes
  the stack registers imported before the measured part: the program without its imports;
- ``config and plan``: only ``read_stack_config``, ``read_build_outputs`` and
  ``plan_environment_stack`` (the pure part: config, checks, read-back, plan);
- ``registrar``: only ``register_stack`` (the synchronous part of every registration: the
  registrar's own code and the SDK's constructors), imports done before;
- ``tree, imported`` and ``tree registrar``: the tree program the same two ways, registering in the
  callback of the build stack's outputs as the program does, its components' classes annotating as
  many outputs as ``FargateTaskDefinition``'s (the SDK reads them at every registration).

So ``program, imported`` - ``tree, imported`` is ecr-share's own cost at run time, split into
``config and plan``, ``registrar`` - ``tree registrar``, and the rest. Figures, never asserts.

Run: .venv/bin/python benchmarks/program_phases.py [--services 100]  (about 10 minutes at 100)
"""

# No ``from __future__ import annotations``: ``Annotated``'s annotations are objects, as in the
# components' modules (the SDK evaluates them at every registration).
import argparse
import ctypes
import functools
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import measure  # the import path first
import pulumi

HERE = Path(__file__).resolve()
# What an environment stack imports of ecr-share, and the pulumi-aws classes it registers.
ECR_SHARE_MODULES = (
    "components.program",
    "components.contract.outputs",
    "components.plan.environment",
    "components.catalog",
    "components.consumers.component",
    "components.replication.component",
)
AWS_CLASSES = (
    ("ecs", "TaskDefinition"),
    ("cloudwatch", "LogGroup"),
    ("iam", "Role"),
    ("iam", "Policy"),
    ("iam", "RolePolicy"),
    ("iam", "RolePolicyAttachment"),
)
PHASES = (
    "program",
    "program, imported",
    "config and plan",
    "registrar",
    "tree",
    "tree, imported",
    "tree registrar",
)


def _import_everything() -> None:
    import importlib

    import pulumi_aws

    for module, cls in AWS_CLASSES:
        getattr(getattr(pulumi_aws, module), cls)
    for name in ECR_SHARE_MODULES:
        importlib.import_module(name)


def child(phase: str, case_file: Path) -> None:
    """In a fresh interpreter: run one phase of the case (cold_start.child does the run)."""
    import cold_start

    switch = ctypes.CDLL(os.environ["PHASES_SWITCH"])

    def counted(function: Any) -> Any:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            switch.callgrind_start()
            try:
                return function(*args, **kwargs)
            finally:
                switch.callgrind_stop()

        return wrapper

    if phase in ("program", "tree"):
        os.environ["COLD_START_SWITCH"] = os.environ["PHASES_SWITCH"]
        if phase == "tree":
            cold_start.tree_program = functools.partial(tree_in_callback, cold_start.tree_program, None)  # type: ignore[assignment]
        cold_start.child(phase, measure.ROOT, case_file)
        return
    _import_everything()
    if phase.startswith("tree"):
        tree = functools.partial(
            tree_in_callback, cold_start.tree_program, counted if phase == "tree registrar" else None
        )
        cold_start.tree_program = tree  # type: ignore[assignment]
        if phase == "tree, imported":
            os.environ["COLD_START_SWITCH"] = os.environ["PHASES_SWITCH"]
        cold_start.child("tree", measure.ROOT, case_file)
        return
    from components import program

    if phase == "program, imported":
        os.environ["COLD_START_SWITCH"] = os.environ["PHASES_SWITCH"]
    elif phase == "config and plan":
        # Where deploy_environment imports them from when it plans.
        from components.contract import outputs
        from components.plan import environment

        program.read_stack_config = counted(program.read_stack_config)  # type: ignore[method-assign]
        outputs.read_build_outputs = counted(outputs.read_build_outputs)  # type: ignore[method-assign]
        environment.plan_environment_stack = counted(environment.plan_environment_stack)  # type: ignore[method-assign]
    elif phase == "registrar":
        program.register_stack = counted(program.register_stack)  # type: ignore[method-assign]
    cold_start.child("program", measure.ROOT, case_file)


class Annotated(pulumi.ComponentResource):
    """A component class annotating as many outputs as ``FargateTaskDefinition``'s: the SDK reads a
    class's annotations at each registration."""

    arn: pulumi.Output[str]
    family: pulumi.Output[str]
    image: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    log_group_arn: pulumi.Output[str]


def tree_in_callback(tree_program: Any, counted: Any, tree: dict[str, Any]) -> None:
    """The tree program as the program registers: in the callback of the build stack's outputs."""
    reference = pulumi.StackReference(tree["reference"])
    register = counted(tree_program) if counted else tree_program

    def registered(_: Any) -> int:
        register({**tree, "reference": None}, Annotated)
        return 0

    pulumi.export("registered", reference.outputs.apply(registered))


def _count(phase: str, case_file: Path, switch: str, environment: dict[str, str]) -> int:
    command = [sys.executable, str(HERE), "--child", phase, str(case_file)]
    return measure.callgrind_count(command, {**environment, "PHASES_SWITCH": switch})[0]


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        child(sys.argv[2], Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--services", type=int, default=100)
    services = parser.parse_args().services
    if shutil.which("valgrind") is None or shutil.which("cc") is None:
        sys.exit("program_phases.py needs valgrind and a C compiler on the PATH (Debian: valgrind, gcc).")
    import cold_start

    print(f"program phases, environment of {services} services ({measure.machine()})")
    with tempfile.TemporaryDirectory(prefix="program-phases-") as folder:
        environment = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        environment["PYTHONPYCACHEPREFIX"] = str(Path(folder) / "bytecode")
        case_file = Path(folder) / f"{services}.json"
        subprocess.run(
            [
                sys.executable,
                str(HERE.parent / "cold_start.py"),
                "--record",
                str(measure.ROOT),
                str(services),
                str(case_file),
            ],
            capture_output=True,
            check=True,
            env=environment,
        )
        switch = cold_start.compile_switch(Path(folder))
        figures = {phase: _count(phase, case_file, switch, environment) for phase in PHASES}
    m = {phase: count / 1e6 for phase, count in figures.items()}
    own = m["program, imported"] - m["tree, imported"]
    registrar = m["registrar"] - m["tree registrar"]
    imports = m["program"] - m["program, imported"] - (m["tree"] - m["tree, imported"])
    rows = (
        ("config, read-back and plan", m["config and plan"]),
        ("registrar over the tree's loop", registrar),
        ("the rest (SDK's asynchronous work, exports)", own - m["config and plan"] - registrar),
        ("own work at run time (program, imported - tree, imported)", own),
    )
    for phase in PHASES:
        print(f"  {phase:22s} {m[phase]:9.1f} M instructions")
    print(f"  ecr-share's imports (what the program's imports cost over the tree's): {imports:8.1f} M, once")
    for label, value in rows:
        print(f"  {label:58s} {value:8.1f} M, {value / services:5.2f} M per service")
    print(json.dumps({phase: figures[phase] for phase in PHASES}))


if __name__ == "__main__":
    main()
