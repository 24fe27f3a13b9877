"""A stack's program imports only what it registers (issue 20, item 8): each committed stack's
program, started in a fresh interpreter as ``pulumi up`` starts it, ends with exactly these modules of
the package loaded. Importing the package is most of what a small stack's program costs over a raw
program (docs/performance.md; ``benchmarks/registration_floor.py``, kinds ``import`` and
``build-import``, imports the same modules).

What a kind never loads: an environment, the build stack's plan (``plan.build``,
``repositories.plan``); a build stack, the environment's checks and plan (``contract.checks``,
``plan.environment``, ``plan.pins``...); and neither, a feature's ``args`` checks (only a component
constructed from args checks them: ``catalog.args_check``).
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from typing import Any

import pytest

from tests.support.committed import committed
from tests.support.pulumi_harness import BUILD_STACK, PROJECT_DIR, ProgramRun

# Loaded by every stack's program: the config parse (every key of both kinds), the registrar, the
# features' models and the pure functions of what each component registers.
SHARED = {
    "components",
    "components.args",
    "components.aws",
    "components.aws.globs",
    "components.aws.images",
    "components.aws.names",
    "components.aws.overgrants",
    "components.aws.policy",
    "components.aws.rules",
    "components.catalog",
    "components.config",
    "components.config.credentials",
    "components.config.model",
    "components.config.schema",
    "components.config.stack",
    "components.config.stack_names",
    "components.config.values",
    "components.consumers",
    "components.consumers.config",
    "components.consumers.documents",
    "components.consumers.model",
    "components.consumers.resources",
    "components.contract",
    "components.contract.outputs",
    "components.encryption",
    "components.encryption.config",
    "components.encryption.documents",
    "components.encryption.model",
    "components.encryption.resources",
    "components.errors",
    "components.plan",
    "components.plan.children",
    "components.plan.model",
    "components.plan.register",
    "components.program",
    "components.project",
    "components.replication",
    "components.replication.config",
    "components.replication.documents",
    "components.replication.model",
    "components.replication.plan",
    "components.replication.resources",
    "components.replication.scanning",
    "components.replication.statements",
    "components.replication.writes",
    "components.repositories",
    "components.repositories.config",
    "components.repositories.documents",
    "components.repositories.model",
    "components.repositories.resources",
}
BUILD = {"components.plan.build", "components.repositories.plan"}
ENVIRONMENT = {
    "components.consumers.component",
    "components.consumers.plan",
    "components.contract.checks",
    "components.contract.model",
    "components.plan.environment",
    "components.plan.pins",
}
# The modules of the components a stack registers, beyond its kind's: a registered
# ReplicationReceiver or RegistryReplication brings replication's, whose ReplicaRepositorySettings
# args name the repositories' PullAccess type.
REPLICATION_COMPONENTS = {
    "components.replication.component",
    "components.repositories.component",
    "components.repositories.images",
}
EXPECTED = {
    "build": SHARED | BUILD | REPLICATION_COMPONENTS,
    "dev": SHARED | ENVIRONMENT,
    "staging": SHARED | ENVIRONMENT,
    "prod": SHARED | ENVIRONMENT | REPLICATION_COMPONENTS,
}
# Never loaded by a program: the args checks, and each kind's planner by the other kind.
NEVER = {"components.consumers.args", "components.replication.args", "components.repositories.args"}


def loaded_modules(stack: str, outputs: dict[str, Any]) -> set[str]:
    """The package's modules a run of the committed stack file ends with, in a fresh interpreter."""
    case = {"stack": stack, "config": committed()[stack], "outputs": outputs}
    done = subprocess.run(
        [sys.executable, "-m", "tests.support.import_probe"],
        input=json.dumps(case),
        capture_output=True,
        text=True,
        cwd=PROJECT_DIR,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return set(json.loads(done.stdout.splitlines()[-1]))


@pytest.mark.parametrize("stack", sorted(EXPECTED))
def test_a_stack_program_loads_only_what_it_registers(stack: str, build: ProgramRun) -> None:
    outputs = {} if stack == "build" else {BUILD_STACK: build.exports}
    loaded = loaded_modules(stack, outputs)
    assert loaded & NEVER == set()
    assert loaded & (ENVIRONMENT if stack == "build" else BUILD) == set()
    assert loaded == EXPECTED[stack]


def test_no_module_a_program_loads_compiles_a_pattern_when_imported() -> None:
    """Module-level patterns are ``aws.rules.lazy_pattern``: a program compiles only those its
    stack's config reaches (the committed prod stack, 14 of these 48)."""
    compiled = []
    for module in sorted(set().union(*EXPECTED.values())):
        path = PROJECT_DIR.joinpath(*module.split("."))
        source = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
        for node in ast.parse(source.read_text(encoding="utf-8")).body:
            value = node.value if isinstance(node, ast.Assign | ast.AnnAssign) else None
            if (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Attribute)
                and ast.unparse(value.func) == "re.compile"
            ):
                compiled.append(f"{module}: line {node.lineno}")
    assert compiled == []
