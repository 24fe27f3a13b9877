"""What the program registers for every committed stack file passes the pack."""

from __future__ import annotations

from pathlib import Path

from pulumi_policy import EnforcementLevel

from tests.support.crossguard import findings, from_run, summary
from tests.support.pulumi_harness import PROJECT_DIR, ProgramRun


def test_every_committed_stack_file_is_covered(committed_runs: dict[str, ProgramRun]) -> None:
    files = sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in Path(PROJECT_DIR).glob("Pulumi.*.yaml")
    )
    assert sorted(committed_runs) == files


def test_no_mandatory_policy_fails_on_any_committed_stack(committed_runs: dict[str, ProgramRun]) -> None:
    mandatory = [
        (stack, f)
        for stack, run in committed_runs.items()
        for f in findings(from_run(run, stack))
        if f.level is EnforcementLevel.MANDATORY
    ]
    assert mandatory == []


def test_no_advisory_policy_fails_either(committed_runs: dict[str, ProgramRun]) -> None:
    # Pulumi.build.yaml's ecr-share:lifecycle gives every repository a lifecycle policy, so the
    # advisory ecr-lifecycle-policy (Security Hub ECR.3) has nothing left to report.
    by_stack = {stack: summary(findings(from_run(run, stack))) for stack, run in committed_runs.items()}
    assert by_stack == {"build": [], "dev": [], "staging": [], "prod": []}


def test_the_stacks_register_what_the_pack_judges(committed_runs: dict[str, ProgramRun]) -> None:
    # Guard against a vacuous pass: the committed stacks hold every kind of resource the pack judges
    # that ecr-share uses.
    types = {r.typ for run in committed_runs.values() for r in run.resources}
    assert {
        "aws:ecr/repository:Repository",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:ecr/registryPolicy:RegistryPolicy",
        "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:ecs/taskDefinition:TaskDefinition",
    } <= types


def test_marking_prod_as_production_finds_its_tag_pinned_web_app(prod: ProgramRun) -> None:
    # Pulumi.prod.yaml runs web-app by tag (v1.2.3) and worker by digest. With prod marked as a
    # production stack, the digest policy names exactly the tag-pinned one.
    config = {"ecs-image-pinned-by-digest": {"productionStacks": ["prod"]}}
    found = findings(from_run(prod, "prod"), config)
    assert summary(found) == [("ecs-image-pinned-by-digest", "web-app-task")]
    assert "web-app:v1.2.3, not pinned by digest" in found[0].message
