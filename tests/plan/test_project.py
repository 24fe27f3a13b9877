"""Every stack of a project planned from its stack files, as ``verify`` and the pipeline's preflight
do: the checks a single ``pulumi up`` cannot make, since it sees only its own stack."""

from __future__ import annotations

import copy

import pytest

from components.plan.project import ProjectError, ProjectPlan, plan_stacks
from tests.support.committed import committed


def test_the_committed_stacks_plan(project: ProjectPlan) -> None:
    assert sorted(project.plans) == ["build", "dev", "prod", "staging"]
    assert [e.stack for e in project.environments_of("build")] == ["dev", "prod", "staging"]


def test_a_second_stack_for_prods_registry_is_refused() -> None:
    stacks = committed()
    stacks["prod-copy"] = copy.deepcopy(stacks["prod"])
    with pytest.raises(
        ProjectError,
        match="the creation template ROOT, the log group /ecs/web-app, the log group /ecs/worker, the registry "
        "policy, the registry scanning configuration, the task family web-app and the task family worker of "
        "this account and Region, which stack prod manages too",
    ):
        plan_stacks(stacks)


def test_a_second_build_stack_for_the_same_registry_is_refused() -> None:
    stacks = committed()
    stacks["build-copy"] = copy.deepcopy(stacks["build"])
    with pytest.raises(
        ProjectError,
        match="manages the replication configuration, the creation template ROOT and the registry scanning "
        "configuration of these accounts and Regions, which stack build manages too",
    ):
        plan_stacks(stacks)


def test_an_environment_its_build_stack_refuses_is_reported_with_its_file() -> None:
    stacks = committed()
    stacks["build"]["ecr-share:access"]["accounts"].remove("333333333333")
    with pytest.raises(ProjectError, match=r"^Pulumi.staging.yaml: ecr-share:buildStack: .* does not grant"):
        plan_stacks(stacks, lambda name: f"Pulumi.{name}.yaml")


def test_an_environment_naming_a_missing_build_stack_is_refused() -> None:
    stacks = committed()
    stacks["dev"]["ecr-share:buildStack"] = "organization/ecr-share/nowhere"
    with pytest.raises(ProjectError, match="names stack 'nowhere', which does not exist"):
        plan_stacks(stacks)
    stacks["dev"]["ecr-share:buildStack"] = "organization/ecr-share/staging"
    with pytest.raises(ProjectError, match="which is an environment stack, not a build stack"):
        plan_stacks(stacks)


def test_an_invalid_stack_file_is_reported_with_its_file() -> None:
    stacks = committed()
    stacks["dev"]["ecr-share:logRetentionDays"] = 31
    with pytest.raises(ProjectError, match=r"^Pulumi.dev.yaml: ecr-share:logRetentionDays: 31 is not"):
        plan_stacks(stacks, lambda name: f"Pulumi.{name}.yaml")


def test_two_environments_in_one_account_and_region_running_the_same_service_are_refused() -> None:
    """The log group /ecs/<service> and the task family <service> exist once per account and Region."""
    stacks = committed()
    stacks["dev-2"] = copy.deepcopy(stacks["dev"])
    with pytest.raises(
        ProjectError,
        match=r'^ecr-share:services: "222222222222/us-east-1" manages the log group /ecs/web-app and the task '
        "family web-app of this account and Region, which stack dev manages too",
    ):
        plan_stacks(stacks)
    stacks["dev-2"]["ecr-share:services"][0]["name"] = "web-app-2"
    plan_stacks(stacks)
