"""The program registers exactly its plan: every planned resource, with exactly its inputs, parent,
dependencies and protection, and nothing else; and it exports exactly the plan's outputs."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_harness import BUILD_STACK, PROJECT_DIR, ProgramRun, run_program, run_stack_file
from registration import assert_registers_exactly

from components.config.files import load_stack_config
from components.config.stack import parse_stack_config
from components.plan.build import plan_build_stack
from components.plan.model import OutputRef
from components.plan.project import ProjectPlan


def test_the_build_stack_registers_exactly_its_plan(build: ProgramRun, project: ProjectPlan) -> None:
    assert_registers_exactly(project.plans["build"], build)
    assert build.exports == project.plans["build"].exports


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_each_environment_registers_exactly_its_plan(
    stack: str, build: ProgramRun, project: ProjectPlan
) -> None:
    run = run_stack_file(stack, {BUILD_STACK: build.exports})
    plan = project.plans[stack]
    assert_registers_exactly(plan, run)
    assert run.stack_references == [BUILD_STACK]
    # Plain outputs as planned; the ones known only after deploying come from those resources.
    for name, value in plan.exports.items():
        if isinstance(value, dict) and all(isinstance(v, OutputRef) for v in value.values()):
            assert set(run.exports[name]) == set(value)
        else:
            assert run.exports[name] == value


def test_a_variant_in_organization_mode_registers_exactly_its_plan() -> None:
    config: dict[str, Any] = load_stack_config(PROJECT_DIR, "build")
    config["ecr-share:access"] = {
        "organizationId": "o-abc123def4",
        "organizationPaths": ["o-abc123def4/r-ab12/ou-ab12-11111111/*"],
    }
    del config["ecr-share:replication"]
    run = run_program("build", config)
    assert_registers_exactly(plan_build_stack(parse_stack_config("build", config)), run)
