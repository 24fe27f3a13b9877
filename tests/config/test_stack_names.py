"""``ecr-share:buildStack``: the build stack's own name or its fully qualified name, resolved one way
(``config.stack_names.resolve_stack_name``) by the program, ``verify`` and the pipeline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from components.config.files import list_stacks, load_stack_config
from components.config.stack import parse_stack_config
from components.config.stack_names import StackName, resolve_stack_name
from components.errors import ConfigError
from components.pipeline.plan import Plan, Stage, check_build_references
from components.pipeline.stacks import Backend, PipelineError, StackInfo
from components.plan.project import ProjectError, plan_stacks

PROJECT_DIR = Path(__file__).resolve().parents[2]


def committed() -> dict[str, dict[str, Any]]:
    return {name: load_stack_config(PROJECT_DIR, name) for name in list_stacks(PROJECT_DIR)}


@pytest.mark.parametrize(
    ("written", "organization", "expected"),
    [
        ("build", "organization", StackName("organization", "ecr-share", "build")),  # a DIY backend
        ("build", "acme", StackName("acme", "ecr-share", "build")),  # Pulumi Cloud
        ("acme/ecr-share/build", "organization", StackName("acme", "ecr-share", "build")),
        ("build", None, StackName(None, "ecr-share", "build")),  # verify, offline
    ],
)
def test_a_short_name_resolves_in_the_current_organization_and_project(
    written: str, organization: str | None, expected: StackName
) -> None:
    assert resolve_stack_name(written, organization, "ecr-share") == expected


def test_the_committed_environments_use_the_short_name() -> None:
    stacks = committed()
    assert {stacks[name]["ecr-share:buildStack"] for name in ("dev", "staging", "prod")} == {"build"}


@pytest.mark.parametrize("written", ["ecr-share/build", "a/b/c/d", "build stack", "", 7])
def test_anything_else_is_refused_naming_both_forms(written: Any) -> None:
    config = {**committed()["dev"], "ecr-share:buildStack": written}
    with pytest.raises(ConfigError) as raised:
        parse_stack_config("dev", config)
    rendered = f'"{written}"' if isinstance(written, str) else str(written)
    assert str(raised.value) == (
        f'ecr-share:buildStack: {rendered} is not a stack name: give the build stack\'s name ("build") or '
        'its fully qualified name ("organization/ecr-share/build")'
    )


def test_verify_plans_a_qualified_name_of_any_organization_but_only_this_project() -> None:
    stacks = committed()
    stacks["dev"]["ecr-share:buildStack"] = "acme/ecr-share/build"
    assert "dev" in plan_stacks(stacks).plans
    stacks["dev"]["ecr-share:buildStack"] = "acme/images/build"
    with pytest.raises(ProjectError) as raised:
        plan_stacks(stacks)
    assert str(raised.value) == (
        "dev: ecr-share:buildStack acme/images/build names project 'images': the build stack must be one of "
        "this project's (ecr-share) stacks"
    )


def stack_infos() -> dict[str, StackInfo]:
    stacks = committed()
    return {
        name: StackInfo(name, str(config["ecr-share:stackKind"]), Path(f"Pulumi.{name}.yaml"), config)
        for name, config in stacks.items()
    }


@pytest.mark.parametrize(
    "backend", [Backend("file:///state", "organization"), Backend("https://api.pulumi.com", "acme")]
)
def test_the_pipeline_accepts_the_short_name_on_any_backend(backend: Backend) -> None:
    plan = Plan("up", (Stage(("build",)), Stage(("dev", "staging", "prod"))))
    check_build_references(plan, stack_infos(), backend)


def test_the_pipeline_still_refuses_a_qualified_name_of_another_organization() -> None:
    infos = stack_infos()
    infos["dev"].config["ecr-share:buildStack"] = "organization/ecr-share/build"
    plan = Plan("up", (Stage(("build",)), Stage(("dev", "staging", "prod"))))
    with pytest.raises(PipelineError) as raised:
        check_build_references(plan, infos, Backend("https://api.pulumi.com", "acme"))
    assert str(raised.value) == (
        "Pulumi.dev.yaml: ecr-share:buildStack is organization/ecr-share/build, but the build stack is "
        "acme/ecr-share/build on https://api.pulumi.com: set ecr-share:buildStack: acme/ecr-share/build"
    )
