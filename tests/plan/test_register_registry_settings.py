"""A receiving stack that owns its scanning configuration and a registry policy with other sources and
further statements registers exactly its plan (issue 11, point 1)."""

from __future__ import annotations

from components.plan.project import plan_stacks
from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_program
from tests.support.registration import assert_registers_exactly
from tests.support.registry_settings_variant import with_registry_settings


def test_a_receiver_owning_every_registry_setting_registers_exactly_its_plan(build: ProgramRun) -> None:
    stacks = with_registry_settings()
    plan = plan_stacks(stacks).plans["prod"]
    run = run_program("prod", stacks["prod"], {BUILD_STACK: build.exports})
    assert_registers_exactly(plan, run)
