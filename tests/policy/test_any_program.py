"""Resources from a program with no ecr-share component are judged the same way: the pack reads
resource types and properties, nothing of ecr-share."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pytest

from tests.support.crossguard import findings, from_run, summary
from tests.support.pulumi_harness import ProgramRun, run_program

ACCOUNT = "555555555555"
REGION = "eu-west-1"
CONFIG = {"aws:region": REGION, "aws:allowedAccountIds": [ACCOUNT]}
PROVIDER = {"region": REGION, "allowedAccountIds": [ACCOUNT]}
REPOSITORY_ARN = f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/api"
DIGEST = "sha256:" + "ab" * 32
PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def document(*statements: dict[str, object]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def careless_program() -> None:
    """A hand-written program that breaks every rule once."""
    aws.ecr.Repository("api", name="api", image_tag_mutability="MUTABLE", force_delete=True)
    aws.ecr.RepositoryPolicy(
        "api-public",
        repository="api",
        policy=document({"Effect": "Allow", "Principal": "*", "Action": [*PULL, "ecr:PutImage"]}),
    )
    aws.ecr.RepositoryPolicy(
        "api-again",
        repository="api",
        # Only the CI role of 666666666666 is meant to pull; the first statement lets all of it.
        policy=document(
            {"Effect": "Allow", "Principal": {"AWS": "666666666666"}, "Action": PULL},
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::666666666666:root"},
                "Action": PULL,
                "Condition": {"ArnEquals": {"aws:PrincipalArn": "arn:aws:iam::666666666666:role/ci"}},
            },
        ),
    )
    aws.ecr.RegistryPolicy(
        "registry",
        policy=document(
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/*",
            }
        ),
    )
    role = aws.iam.Role(
        "task",
        name="task-execution",
        assume_role_policy=document(
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
    )
    aws.iam.RolePolicyAttachment(
        "task-managed",
        role="task-execution",
        policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    )
    aws.iam.RolePolicy(
        "task-pull",
        role="task-execution",
        policy=document({"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}),
    )
    aws.ecs.TaskDefinition(
        "api",
        family="api",
        execution_role_arn=role.arn,
        container_definitions=json.dumps(
            [
                {
                    "name": "api",
                    "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/api:latest",
                    "privileged": True,
                    "environment": [{"name": "DB_PASSWORD", "value": "hunter2"}],
                }
            ]
        ),
    )


def careful_program() -> None:
    """The same kinds of resource, written the way the seed says."""
    aws.ecr.Repository(
        "api",
        name="api",
        image_tag_mutability="IMMUTABLE",
        image_scanning_configuration={"scan_on_push": True},
        encryption_configurations=[
            {"encryption_type": "KMS", "kms_key": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1"}
        ],
    )
    aws.ecr.LifecyclePolicy("api-lifecycle", repository="api", policy=json.dumps({"rules": []}))
    aws.ecr.RepositoryPolicy(
        "api-pull",
        repository="api",
        policy=document(
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": PULL,
                "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
            }
        ),
    )
    role = aws.iam.Role(
        "task",
        name="task-execution",
        assume_role_policy=document(
            {
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ),
        inline_policies=[
            {
                "name": "pull",
                "policy": document(
                    {"Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
                    {"Effect": "Allow", "Action": PULL, "Resource": REPOSITORY_ARN},
                ),
            }
        ],
    )
    aws.ecs.TaskDefinition(
        "api",
        family="api",
        execution_role_arn=role.arn,
        container_definitions=json.dumps(
            [
                {
                    "name": "api",
                    "image": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/api@{DIGEST}",
                    "readonlyRootFilesystem": True,
                    "environment": [{"name": "LOG_LEVEL", "value": "info"}],
                }
            ]
        ),
    )


PRODUCTION = {"ecs-image-pinned-by-digest": {"productionStacks": ["production"]}}


@pytest.fixture(scope="module")
def careless() -> ProgramRun:
    return run_program("production", CONFIG, program=careless_program)


@pytest.fixture(scope="module")
def careful() -> ProgramRun:
    return run_program("production", CONFIG, program=careful_program)


def test_the_careless_program_breaks_every_policy_once(careless: ProgramRun) -> None:
    found = findings(from_run(careless, "production", PROVIDER), PRODUCTION)
    assert summary(found) == [
        ("ecr-encryption-configured", "api"),
        ("ecr-force-delete-off", "api"),
        ("ecr-lifecycle-policy", "api"),
        ("ecr-no-cross-account-write", "api-public"),
        ("ecr-no-public-principal", "api-public"),
        ("ecr-one-repository-policy", "api"),
        ("ecr-registry-policy-scoped", "registry"),
        ("ecr-role-narrowing-kept", "api-again"),
        ("ecr-scan-on-push", "api"),
        ("ecr-tags-immutable", "api"),
        ("ecs-image-pinned-by-digest", "api"),
        ("ecs-no-environment-secrets", "api"),
        ("ecs-not-privileged", "api"),
        ("ecs-read-only-root-filesystem", "api"),
        ("iam-ecr-pull-scoped", "task-pull"),
        ("iam-no-broad-ecr-managed-policy", "task-managed"),
    ]
    messages = {f.policy: f.message for f in found}
    assert messages["ecr-no-cross-account-write"].startswith(
        "statement 1 allows ecr:PutImage to every account:"
    )
    assert messages["ecs-no-environment-secrets"] == (
        "container 'api' has environment variables that look like secrets (DB_PASSWORD; AWS Security Hub "
        "ECS.8): pass them as the container's secrets, from Secrets Manager or SSM Parameter Store, instead"
    )
    assert "hunter2" not in str(found)
    assert messages["ecs-not-privileged"] == (
        "container 'api' is privileged (root on the host; AWS Security Hub ECS.4): remove privileged"
    )
    assert messages["ecs-read-only-root-filesystem"] == (
        "container 'api' may write to its root filesystem (readonlyRootFilesystem is not set; AWS Security "
        "Hub ECS.5): set it to true and mount the paths the application writes to as volumes"
    )
    assert messages["ecr-one-repository-policy"].startswith("repository api has 2 RepositoryPolicy resources")
    assert messages["iam-ecr-pull-scoped"].startswith(
        "policy statement 1 allows ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer on *:"
    )


def test_the_careful_program_passes_every_policy(careful: ProgramRun) -> None:
    assert findings(from_run(careful, "production", PROVIDER), PRODUCTION) == []


def test_every_policy_of_the_pack_is_exercised(careless: ProgramRun) -> None:
    from ecr_security import POLICIES

    found = {f.policy for f in findings(from_run(careless, "production", PROVIDER), PRODUCTION)}
    assert found == {p.name for p in POLICIES}
