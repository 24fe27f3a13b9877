"""The plans with customer managed keys (the committed stack files with their commented ``kmsKeys``
examples switched on), exactly; and the program registers exactly them."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.contract.outputs import read_build_outputs
from components.plan.model import OutputRef, StackPlan
from components.plan.project import ProjectPlan, plan_stacks
from tests.support.kms_variant import with_kms_keys, with_tag_exclusions
from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_program
from tests.support.registration import assert_exports_exactly, assert_registers_exactly

BUILD = "111111111111"
PROD = "444444444444"
KEY = "aws:kms/key:Key"
REPOSITORY = "aws:ecr/repository:Repository"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ADMINISTRATION = {
    "Sid": "KeyAdministration",
    "Effect": "Allow",
    "Principal": {"AWS": f"arn:aws:iam::{BUILD}:root"},
    "Action": [
        "kms:CancelKeyDeletion",
        "kms:Describe*",
        "kms:Disable*",
        "kms:Enable*",
        "kms:Get*",
        "kms:List*",
        "kms:Put*",
        "kms:ScheduleKeyDeletion",
        "kms:TagResource",
        "kms:UntagResource",
        "kms:Update*",
    ],
    "Resource": "*",
}
GRANTS = ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"]


def through_ecr(account: str, region: str) -> dict[str, Any]:
    return {
        "Sid": "RepositoriesThroughEcr",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"},
        "Action": GRANTS,
        "Resource": "*",
        "Condition": {
            "StringEquals": {"kms:CallerAccount": account, "kms:ViaService": f"ecr.{region}.amazonaws.com"}
        },
    }


def template_role(account: str, name: str) -> dict[str, Any]:
    return {
        "Sid": "CreationTemplateRole",
        "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:role/{name}"},
        "Action": GRANTS,
        "Resource": "*",
    }


@pytest.fixture(scope="module")
def project() -> ProjectPlan:
    return plan_stacks(with_kms_keys())


def key_policy(plan: StackPlan, name: str) -> dict[str, Any]:
    policy: dict[str, Any] = json.loads(plan.named(KEY, name).inputs["policy"])
    return policy


def test_the_build_stack_creates_a_protected_rotating_key_for_its_repositories(project: ProjectPlan) -> None:
    build = project.plans["build"]
    key = build.named(KEY, "shared-key")
    assert key.parent == "ecr-share:index:SharedRepositories::shared"
    assert key.protect
    assert {k: v for k, v in key.inputs.items() if k != "policy"} == {
        "description": "ecr-share: encrypts the shared repositories",
        "customer_master_key_spec": "SYMMETRIC_DEFAULT",
        "key_usage": "ENCRYPT_DECRYPT",
        "multi_region": False,
        "is_enabled": True,
        "enable_key_rotation": True,
        "deletion_window_in_days": 30,
    }
    # Administration for the account's IAM policies, use only through ECR here; no other account.
    assert key_policy(build, "shared-key") == {
        "Version": "2012-10-17",
        "Statement": [ADMINISTRATION, through_ecr(BUILD, "us-east-1")],
    }


def test_each_repository_takes_the_created_key_by_output_reference(project: ProjectPlan) -> None:
    """The key's ARN has a random ID: known only after deploy, so the plan holds a reference."""
    build = project.plans["build"]
    for name, encryption in (
        ("web-app", {"encryption_type": "KMS", "kms_key": OutputRef(f"{KEY}::shared-key", "arn")}),
        # worker says encryption: AES256 itself, so the stack's default does not apply to it.
        ("worker", {"encryption_type": "AES256"}),
    ):
        assert build.named(REPOSITORY, f"shared-{name}").inputs["encryption_configurations"] == [encryption]


def test_the_build_accounts_replica_region_gets_its_own_key_role_and_kms_template(
    project: ProjectPlan,
) -> None:
    build = project.plans["build"]
    role_name = "ecr-share-build-replicas-us-west-2"
    role = build.named(ROLE, "replicas-us-west-2-role")
    assert role.inputs == {
        "name": role_name,
        "assume_role_policy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Sid": "EcrAssumeRole",
                        "Effect": "Allow",
                        "Principal": {"Service": "ecr.amazonaws.com"},
                        "Action": ["sts:AssumeRole"],
                    }
                ],
            },
            separators=(",", ":"),
        ),
        "description": "ecr-share: lets ECR create KMS-encrypted replicas from creation templates",
    }
    # The created key names the role itself, so the role's own policy holds no KMS statement.
    assert json.loads(build.named(ROLE_POLICY, "replicas-us-west-2-role-policy").inputs["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "CreateReplicas",
                "Effect": "Allow",
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": [f"arn:aws:ecr:us-west-2:{BUILD}:repository/web-app*"],
            }
        ],
    }
    key = build.named(KEY, "replicas-us-west-2-key")
    assert key.inputs["region"] == "us-west-2" and key.protect
    assert key.depends_on == ("aws:iam/role:Role::replicas-us-west-2-role",)
    assert key_policy(build, "replicas-us-west-2-key")["Statement"] == [
        ADMINISTRATION,
        through_ecr(BUILD, "us-west-2"),
        template_role(BUILD, role_name),
    ]
    template = build.named(TEMPLATE, "replicas-us-west-2-ROOT")
    assert template.inputs["encryption_configurations"] == [
        {"encryption_type": "KMS", "kms_key": OutputRef(f"{KEY}::replicas-us-west-2-key", "arn")}
    ]
    assert template.inputs["custom_role_arn"] == f"arn:aws:iam::{BUILD}:role/{role_name}"
    assert template.depends_on == ("aws:iam/rolePolicy:RolePolicy::replicas-us-west-2-role-policy",)
    assert template.inputs["description"].endswith("immutable tags, KMS, a lifecycle policy")


def test_prod_encrypts_its_replicas_with_a_key_of_its_own(project: ProjectPlan) -> None:
    prod = project.plans["prod"]
    role_name = "ecr-share-prod-replicas-us-east-1"
    key = prod.named(KEY, "replication-replicas-key")
    assert key.parent == "ecr-share:index:ReplicaRepositorySettings::replication-replicas" and key.protect
    statements = key_policy(prod, "replication-replicas-key")["Statement"]
    assert statements[0]["Principal"] == {"AWS": f"arn:aws:iam::{PROD}:root"}
    assert statements[1:] == [through_ecr(PROD, "us-east-1"), template_role(PROD, role_name)]
    assert json.loads(prod.named(ROLE_POLICY, "replication-replicas-role-policy").inputs["policy"])[
        "Statement"
    ][0]["Resource"] == [
        f"arn:aws:ecr:us-east-1:{PROD}:repository/web-app*",
        f"arn:aws:ecr:us-east-1:{PROD}:repository/worker*",
    ]
    template = prod.named(TEMPLATE, "replication-replicas-ROOT")
    assert template.inputs["custom_role_arn"] == f"arn:aws:iam::{PROD}:role/{role_name}"
    assert template.inputs["encryption_configurations"] == [
        {"encryption_type": "KMS", "kms_key": OutputRef(f"{KEY}::replication-replicas-key", "arn")}
    ]
    # The execution role is unchanged: a puller needs no KMS permission (docs/kms.md).
    policy = json.loads(prod.named(ROLE_POLICY, "execution-pull").inputs["policy"])
    assert not [a for s in policy["Statement"] for a in s["Action"] if a.startswith("kms:")]


def test_the_replicas_say_they_are_kms_encrypted_to_the_receiver(project: ProjectPlan) -> None:
    exports = project.plans["build"].exports
    assert "KMS" in {r["encryption"] for r in exports["repositories"]}
    replicas = read_build_outputs("organization/ecr-share/build", exports).replicas
    assert [r.settings.encryption for r in replicas] == ["KMS", "KMS"]


def test_a_root_template_role_may_create_the_replicas_of_every_source_and_no_more() -> None:
    """prod's ROOT template also creates what another registry replicates there (otherSources), so
    its role must be allowed those replicas too, or ECR cannot create them encrypted."""
    stacks = with_kms_keys()
    stacks["prod"]["ecr-share:receiveReplication"]["otherSources"] = [
        {"account": "555555555555", "filters": ["team-b/"]}
    ]
    prod = plan_stacks(stacks).plans["prod"]
    policy = json.loads(prod.named(ROLE_POLICY, "replication-replicas-role-policy").inputs["policy"])
    assert policy["Statement"] == [
        {
            "Sid": "CreateReplicas",
            "Effect": "Allow",
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": [
                f"arn:aws:ecr:us-east-1:{PROD}:repository/team-b/*",
                f"arn:aws:ecr:us-east-1:{PROD}:repository/web-app*",
                f"arn:aws:ecr:us-east-1:{PROD}:repository/worker*",
            ],
        }
    ]


@pytest.fixture(scope="module")
def kms_build_run() -> ProgramRun:
    return run_program("build", with_kms_keys()["build"])


def test_the_kms_build_stack_registers_exactly_its_plan(
    kms_build_run: ProgramRun, project: ProjectPlan
) -> None:
    assert_registers_exactly(project.plans["build"], kms_build_run)
    # The repository got the key's ARN output, the key is protected.
    key = kms_build_run.one(KEY, "shared-key")
    assert key.protect
    repository = kms_build_run.one(REPOSITORY, "shared-web-app")
    assert repository.inputs["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": key.outputs["arn"]}
    ]


def test_the_kms_prod_stack_registers_exactly_its_plan(
    kms_build_run: ProgramRun, project: ProjectPlan
) -> None:
    run = run_program("prod", with_kms_keys()["prod"], {BUILD_STACK: kms_build_run.exports})
    assert_registers_exactly(project.plans["prod"], run)
    assert_exports_exactly(project.plans["prod"], run)


def test_tag_exclusions_reach_the_repository_and_every_replica_template() -> None:
    plans = plan_stacks(with_tag_exclusions()).plans
    filters = [
        {"filter": "latest", "filter_type": "WILDCARD"},
        {"filter": "dev-*", "filter_type": "WILDCARD"},
    ]
    worker = plans["build"].named(REPOSITORY, "shared-worker").inputs
    assert worker["image_tag_mutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert worker["image_tag_mutability_exclusion_filters"] == filters
    # us-west-2 replicates only web-app, whose tags stay immutable; prod both, so its replicas let
    # latest and dev-* move (worker's may move; web-app never pushes a tag twice).
    west = plans["build"].named(TEMPLATE, "replicas-us-west-2-ROOT").inputs
    assert west["image_tag_mutability"] == "IMMUTABLE"
    assert "image_tag_mutability_exclusion_filters" not in west
    prod = plans["prod"].named(TEMPLATE, "replication-replicas-ROOT").inputs
    assert prod["image_tag_mutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert prod["image_tag_mutability_exclusion_filters"] == filters
    assert prod["description"] == (
        "ecr-share: repositories replicated from 111111111111 (us-east-1): no cross-account pull, "
        "immutable tags except latest dev-*, AES256, a lifecycle policy"
    )


def test_the_tag_exclusions_variant_registers_exactly_its_plan() -> None:
    stacks = with_tag_exclusions()
    plans = plan_stacks(stacks).plans
    build = run_program("build", stacks["build"])
    assert_registers_exactly(plans["build"], build)
    assert build.one(REPOSITORY, "shared-worker").inputs["imageTagMutabilityExclusionFilters"] == [
        {"filter": "latest", "filterType": "WILDCARD"},
        {"filter": "dev-*", "filterType": "WILDCARD"},
    ]
    prod = run_program("prod", stacks["prod"], {BUILD_STACK: build.exports})
    assert_registers_exactly(plans["prod"], prod)


def test_a_receiver_with_a_key_it_manages_grants_its_template_role_that_key() -> None:
    key_arn = f"arn:aws:kms:us-east-1:{PROD}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    stacks = with_kms_keys()
    stacks["prod"]["ecr-share:receiveReplication"]["kmsKeys"] = {"arns": [key_arn]}
    prod = plan_stacks(stacks).plans["prod"]
    assert not prod.of_type(KEY)
    template = prod.named(TEMPLATE, "replication-replicas-ROOT")
    assert template.inputs["encryption_configurations"] == [{"encryption_type": "KMS", "kms_key": key_arn}]
    statements = json.loads(prod.named(ROLE_POLICY, "replication-replicas-role-policy").inputs["policy"])[
        "Statement"
    ]
    assert statements[1] == {
        "Sid": "EncryptReplicas",
        "Effect": "Allow",
        "Action": GRANTS,
        "Resource": [key_arn],
    }
