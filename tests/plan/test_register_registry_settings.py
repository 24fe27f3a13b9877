"""A receiving stack that owns its scanning configuration and a registry policy with other sources and
further statements registers exactly its plan (issue 11, point 1)."""

from __future__ import annotations

from components.config.files import list_stacks, load_stack_config
from components.plan.project import plan_stacks
from tests.support.pulumi_harness import BUILD_STACK, PROJECT_DIR, ProgramRun, run_program
from tests.support.registration import assert_registers_exactly

PTC = {
    "Sid": "PullThroughCache",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::444444444444:role/ptc-admin"},
    "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
    "Resource": "arn:aws:ecr:us-east-1:444444444444:repository/ecr-public/*",
}


def test_a_receiver_owning_every_registry_setting_registers_exactly_its_plan(build: ProgramRun) -> None:
    stacks = {name: load_stack_config(PROJECT_DIR, name) for name in list_stacks(PROJECT_DIR)}
    stacks["prod"]["ecr-share:receiveReplication"].update(
        otherSources=[{"account": "555555555555", "filters": ["team-b/"]}],
        registryPolicyStatements=[PTC],
        registryScanning={"scanType": "ENHANCED", "rules": [{"scanFrequency": "CONTINUOUS_SCAN"}]},
    )
    plan = plan_stacks(stacks).plans["prod"]
    run = run_program("prod", stacks["prod"], {BUILD_STACK: build.exports})
    assert_registers_exactly(plan, run)
