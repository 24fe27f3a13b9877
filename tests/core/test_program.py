"""The real ``__main__.py`` under mocks, for each committed stack file.

The build stack's recorded exports are what each environment stack's StackReference returns, so
these tests prove the wiring from build to environments end to end.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pulumi.errors import RunError
from pulumi_harness import BUILD_STACK, PROJECT_DIR, ProgramRun, run_program, run_stack_file

from components.stack_files import list_stacks, load_stack_config

PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
REGISTRY = "111111111111.dkr.ecr.us-east-1.amazonaws.com"
ACCOUNTS = {"dev": "222222222222", "staging": "333333333333", "prod": "444444444444"}


def environment(stack: str, build_exports: dict[str, Any]) -> ProgramRun:
    return run_stack_file(stack, {BUILD_STACK: build_exports})


def test_every_committed_stack_file_is_covered() -> None:
    assert set(list_stacks(PROJECT_DIR)) == {"build", *ACCOUNTS}


def test_build_registers_exactly_the_shared_repositories(build: ProgramRun) -> None:
    # Plus the replication example of Pulumi.build.yaml (asserted in tests/replication).
    assert build.types() == [
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        "aws:ecr/replicationConfiguration:ReplicationConfiguration",
        "aws:ecr/repository:Repository",
        "aws:ecr/repository:Repository",
        "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "ecr-share:index:RegistryReplication",
        "ecr-share:index:ReplicaRepositorySettings",
        "ecr-share:index:SharedRepository",
    ]
    for name in ("web-app", "worker"):
        repository = build.one("aws:ecr/repository:Repository", f"shared-{name}")
        assert repository.inputs["name"] == name
        assert repository.inputs["imageTagMutability"] == "IMMUTABLE"
        assert repository.inputs["imageScanningConfiguration"] == {"scanOnPush": True}
        assert repository.inputs["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
        assert repository.inputs["forceDelete"] is False
        assert repository.parent_urn.endswith("ecr-share:index:SharedRepository::shared")


def test_repositories_are_protected_against_deletion_and_replacement(build: ProgramRun) -> None:
    assert all(r.protect for r in build.of_type("aws:ecr/repository:Repository"))


def test_build_repository_policy_is_exactly_the_seeds_pull_grant(build: ProgramRun) -> None:
    expected = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AllowCrossAccountPull",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in sorted(ACCOUNTS.values())]},
                "Action": PULL,
            }
        ],
    }
    for name in ("web-app", "worker"):
        policy = build.one("aws:ecr/repositoryPolicy:RepositoryPolicy", f"shared-{name}-pull")
        assert policy.inputs["repository"] == name
        assert json.loads(policy.inputs["policy"]) == expected


def test_build_exports(build: ProgramRun) -> None:
    assert build.exports == {
        "registryId": "111111111111",
        "region": "us-east-1",
        "repositoryArns": {
            "web-app": "arn:aws:ecr:us-east-1:111111111111:repository/web-app",
            "worker": "arn:aws:ecr:us-east-1:111111111111:repository/worker",
        },
        "repositoryUrls": {"web-app": f"{REGISTRY}/web-app", "worker": f"{REGISTRY}/worker"},
        "access": {"mode": "accounts", "accounts": sorted(ACCOUNTS.values())},
        "replication": build.exports["replication"],  # asserted in tests/replication
    }


def test_rerunning_renders_byte_identical_documents(build: ProgramRun) -> None:
    again = run_stack_file("build")

    def documents(run: ProgramRun) -> dict[str, dict[str, Any]]:
        return {r.name: r.inputs for r in run.resources}

    assert documents(again) == documents(build)


# Pulumi.prod.yaml pulls from its own replica (pullFrom: replica, asserted in tests/replication).
REGISTRY_OF = {
    "dev": REGISTRY,
    "staging": REGISTRY,
    "prod": "444444444444.dkr.ecr.us-east-1.amazonaws.com",
}


@pytest.mark.parametrize("stack", sorted(ACCOUNTS))
def test_environment_reads_the_build_stack_through_a_stack_reference(stack: str, build: ProgramRun) -> None:
    run = environment(stack, build.exports)
    assert run.stack_references == [BUILD_STACK]
    assert run.exports["images"]["web-app"] == f"{REGISTRY_OF[stack]}/web-app:v1.2.3"


@pytest.mark.parametrize("stack", sorted(ACCOUNTS))
def test_environment_execution_role(stack: str, build: ProgramRun) -> None:
    run = environment(stack, build.exports)
    account = ACCOUNTS[stack]
    role = run.one("aws:iam/role:Role")
    assert role.inputs["name"] == f"ecr-share-{stack}-execution"
    assert json.loads(role.inputs["assumeRolePolicy"])["Statement"] == [
        {
            "Sid": "EcsTasksAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "ecs-tasks.amazonaws.com"},
            "Action": ["sts:AssumeRole"],
            "Condition": {"StringEquals": {"aws:SourceAccount": account}},
        }
    ]
    # No AWS managed policy (AmazonECSTaskExecutionRolePolicy grants ecr reads on "*").
    assert not run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    assert "managedPolicyArns" not in role.inputs


def test_prod_role_policy_is_scoped_to_exactly_its_repositories_and_log_groups(build: ProgramRun) -> None:
    run = environment("prod", build.exports)
    policy = run.one("aws:iam/rolePolicy:RolePolicy")
    assert policy.inputs["role"] == "execution-id"
    assert json.loads(policy.inputs["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ECRAuth", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
            {
                "Sid": "ECRPull",
                "Effect": "Allow",
                "Action": PULL,
                # The replicas in prod's own registry (pullFrom: replica).
                "Resource": [
                    "arn:aws:ecr:us-east-1:444444444444:repository/web-app",
                    "arn:aws:ecr:us-east-1:444444444444:repository/worker",
                ],
            },
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [
                    "arn:aws:logs:us-east-1:444444444444:log-group:/ecs/web-app:*",
                    "arn:aws:logs:us-east-1:444444444444:log-group:/ecs/worker:*",
                ],
            },
        ],
    }


def test_dev_role_may_pull_only_the_repository_dev_runs(build: ProgramRun) -> None:
    run = environment("dev", build.exports)
    statements = json.loads(run.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]
    pull = next(s for s in statements if s["Sid"] == "ECRPull")
    assert pull["Resource"] == ["arn:aws:ecr:us-east-1:111111111111:repository/web-app"]


def test_prod_task_definitions_run_the_cross_account_images(build: ProgramRun) -> None:
    run = environment("prod", build.exports)
    assert sorted(r.inputs["name"] for r in run.of_type("aws:cloudwatch/logGroup:LogGroup")) == [
        "/ecs/web-app",
        "/ecs/worker",
    ]
    assert {r.inputs["retentionInDays"] for r in run.of_type("aws:cloudwatch/logGroup:LogGroup")} == {90}
    web = run.one("aws:ecs/taskDefinition:TaskDefinition", "web-app")
    assert {k: v for k, v in web.inputs.items() if k not in ("containerDefinitions", "arn")} == {
        "family": "web-app",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "512",
        "memory": "1024",
        "executionRoleArn": "arn:aws:iam::444444444444:role/ecr-share-prod-execution",
    }
    assert json.loads(web.inputs["containerDefinitions"]) == [
        {
            "name": "app",
            "image": f"{REGISTRY_OF['prod']}/web-app:v1.2.3",
            "essential": True,
            "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": "/ecs/web-app",
                    "awslogs-region": "us-east-1",
                    "awslogs-stream-prefix": "app",
                },
            },
        }
    ]
    worker = json.loads(
        run.one("aws:ecs/taskDefinition:TaskDefinition", "worker").inputs["containerDefinitions"]
    )
    assert worker[0]["image"].startswith(f"{REGISTRY_OF['prod']}/worker@sha256:")


def test_prod_exports(build: ProgramRun) -> None:
    exports = environment("prod", build.exports).exports
    assert exports["executionRoleArn"] == "arn:aws:iam::444444444444:role/ecr-share-prod-execution"
    assert exports["taskDefinitionArns"] == {
        "web-app": "arn:aws:ecs:us-east-1:444444444444:task-definition/web-app:1",
        "worker": "arn:aws:ecs:us-east-1:444444444444:task-definition/worker:1",
    }
    assert set(exports["images"]) == {"web-app", "worker"}


def test_environment_whose_account_the_build_stack_does_not_grant_is_refused(build: ProgramRun) -> None:
    exports = copy.deepcopy(build.exports)
    exports["access"]["accounts"].remove("444444444444")
    with pytest.raises(
        RunError, match=r"does not grant this stack's account 444444444444.*add \"444444444444\""
    ):
        environment("prod", exports)


def test_the_refusal_happens_at_preview_before_anything_is_deployed(build: ProgramRun) -> None:
    # StackReference outputs of a deployed build stack are known during preview, so the check runs.
    exports = copy.deepcopy(build.exports)
    exports["access"]["accounts"].remove("222222222222")
    with pytest.raises(RunError, match="does not grant this stack's account 222222222222"):
        run_program("dev", load_stack_config(PROJECT_DIR, "dev"), {BUILD_STACK: exports}, preview=True)


def test_missing_build_output_fails_loudly_naming_it(build: ProgramRun) -> None:
    exports = copy.deepcopy(build.exports)
    del exports["repositoryArns"]
    with pytest.raises(RunError, match="organization/ecr-share/build has no output repositoryArns"):
        environment("dev", exports)


def test_service_of_a_repository_the_build_stack_does_not_share_is_refused(build: ProgramRun) -> None:
    exports = copy.deepcopy(build.exports)
    del exports["repositoryArns"]["worker"]
    del exports["repositoryUrls"]["worker"]
    with pytest.raises(
        RunError, match=r"services\[1\].repository: \"worker\" is not a repository of the build"
    ):
        environment("prod", exports)


def test_invalid_config_fails_before_any_resource_is_registered() -> None:
    config = load_stack_config(PROJECT_DIR, "prod")
    config["ecr-share:services"][0]["memory"] = 5120  # not a Fargate size for cpu 512
    run = ProgramRun()
    with pytest.raises(
        RunError, match=r"services\[0\].memory: 5120 is not a Fargate memory size for cpu 512"
    ):
        run_program("prod", config, run=run)
    assert run.resources == []
    assert run.stack_references == []


def test_build_config_errors_register_nothing() -> None:
    config = load_stack_config(PROJECT_DIR, "build")
    config["ecr-share:access"] = {"accounts": ["111111111111"]}
    run = ProgramRun()
    with pytest.raises(RunError, match="is the build account itself"):
        run_program("build", config, run=run)
    assert run.resources == []


def organization_build(paths: list[str] | None = None) -> ProgramRun:
    config = load_stack_config(PROJECT_DIR, "build")
    access: dict[str, Any] = {"organizationId": "o-abc123def4"}
    if paths is not None:
        access["organizationPaths"] = paths
    config["ecr-share:access"] = access
    return run_program("build", config)


def test_organization_mode_build_policy_and_access_export() -> None:
    run = organization_build(["o-abc123def4/r-ab12/ou-ab12-11111111/*"])
    statement = json.loads(run.of_type("aws:ecr/repositoryPolicy:RepositoryPolicy")[0].inputs["policy"])[
        "Statement"
    ]
    assert statement == [
        {
            "Sid": "AllowOrganizationPull",
            "Effect": "Allow",
            "Principal": "*",
            "Action": PULL,
            "Condition": {
                "StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"},
                "ForAnyValue:StringLike": {
                    "aws:PrincipalOrgPaths": ["o-abc123def4/r-ab12/ou-ab12-11111111/*"]
                },
            },
        }
    ]
    assert run.exports["access"] == {
        "mode": "organization",
        "organizationId": "o-abc123def4",
        "organizationPaths": ["o-abc123def4/r-ab12/ou-ab12-11111111/*"],
    }


def test_organization_mode_checks_the_environments_ou_path() -> None:
    exports = organization_build(["o-abc123def4/r-ab12/ou-ab12-11111111/*"]).exports
    config = load_stack_config(PROJECT_DIR, "prod")
    config["ecr-share:organizationPath"] = "o-abc123def4/r-ab12/ou-ab12-11111111/ou-ab12-22222222/"
    assert run_program("prod", config, {BUILD_STACK: exports}).one("aws:iam/role:Role")
    config["ecr-share:organizationPath"] = "o-abc123def4/r-ab12/ou-ab12-99999999/"
    with pytest.raises(RunError, match="is not below any organization path the build stack grants"):
        run_program("prod", config, {BUILD_STACK: exports})
