"""The plans of the stack files with the narrower grants' examples uncommented (``roles``,
``lambdaAccounts`` in the build stack, ``pullRoles`` in dev), exactly."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.plan.children import component_args
from components.plan.model import OutputRef
from components.plan.project import ProjectError, ProjectPlan, plan_stacks
from tests.support.consumer_grants_variant import (
    CI_ROLE,
    CODEBUILD_ROLE,
    DEV_EXECUTION_ROLE,
    DEV_NODE_ROLE,
    dev_granted_by_role,
    example_stacks,
)

SOURCE = "111111111111"
PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
LAMBDA = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
WHOLE_ACCOUNTS = {
    "Sid": "AllowCrossAccountPull",
    "Effect": "Allow",
    "Principal": {
        "AWS": [f"arn:aws:iam::{a}:root" for a in ("222222222222", "333333333333", "444444444444")]
    },
    "Action": PULL,
}
ROLES = {
    "Sid": "AllowRolePull",
    "Effect": "Allow",
    "Principal": {"AWS": ["arn:aws:iam::555555555555:root"]},
    "Action": PULL,
    "Condition": {"ArnEquals": {"aws:PrincipalArn": [CI_ROLE]}},
}
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
POLICY = "aws:iam/policy:Policy"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
COMPONENT = "ecr-share:index:AttachedPullPolicy::pull-roles"


def lambda_statements(region: str, accounts: list[str]) -> list[dict[str, Any]]:
    """The service statement for the accounts' functions; the account statement for those that name
    no deployers (666666666666); the deployers' statement for 555555555555, whose CI role creates its
    functions (roles narrows 555555555555 to that role: its root is never named)."""
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AllowLambdaPull",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": LAMBDA,
            "Condition": {
                "StringLike": {"aws:sourceARN": [f"arn:aws:lambda:{region}:{a}:function:*" for a in accounts]}
            },
        }
    ]
    roots = [a for a in accounts if a != "555555555555"]
    if roots:
        statements.append(
            {
                "Sid": "AllowLambdaAccountPull",
                "Effect": "Allow",
                "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in roots]},
                "Action": LAMBDA,
            }
        )
    statements.append(
        {
            "Sid": "AllowLambdaDeployerPull",
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::555555555555:root"]},
            "Action": LAMBDA,
            "Condition": {"ArnEquals": {"aws:PrincipalArn": [CI_ROLE]}},
        }
    )
    return statements


@pytest.fixture(scope="module")
def project() -> ProjectPlan:
    return plan_stacks(example_stacks())


def test_the_build_repositories_grant_accounts_the_role_and_this_regions_functions(
    project: ProjectPlan,
) -> None:
    for name in ("web-app", "worker"):
        policy = project.plans["build"].named(REPOSITORY_POLICY, f"shared-{name}-pull")
        # 666666666666's functions are granted in us-west-2 only: not here.
        assert json.loads(policy.inputs["policy"]) == {
            "Version": "2012-10-17",
            "Statement": [WHOLE_ACCOUNTS, ROLES, *lambda_statements("us-east-1", ["555555555555"])],
        }


def test_the_build_accounts_own_replicas_name_the_functions_of_their_own_region(project: ProjectPlan) -> None:
    template = project.plans["build"].named(TEMPLATE, "replicas-us-west-2-ROOT")
    assert template.inputs["region"] == "us-west-2"
    assert json.loads(template.inputs["repository_policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            WHOLE_ACCOUNTS,
            ROLES,
            *lambda_statements("us-west-2", ["555555555555", "666666666666"]),
        ],
    }


def test_prods_replicas_get_no_lambda_or_role_statement(project: ProjectPlan) -> None:
    """prod's own registry serves prod only (receiveReplication.access is left out)."""
    assert (
        "repository_policy" not in project.plans["prod"].named(TEMPLATE, "replication-replicas-ROOT").inputs
    )


def test_the_component_gets_the_grant_and_its_account(project: ProjectPlan) -> None:
    shared = component_args(project.plans["build"].named("ecr-share:index:SharedRepositories", "shared"))
    assert shared["account_id"] == SOURCE
    assert shared["access"] == {
        "accounts": ["222222222222", "333333333333", "444444444444"],
        "roles": [CI_ROLE],
        "lambda_accounts": [
            {"account": "555555555555", "deployers": [CI_ROLE]},
            {"account": "666666666666", "region": "us-west-2"},
        ],
    }


def test_the_outputs_describe_the_narrow_grants(project: ProjectPlan) -> None:
    assert project.plans["build"].exports["access"] == {
        "accounts": ["222222222222", "333333333333", "444444444444"],
        "roles": [CI_ROLE],
        "lambdaAccounts": [
            {"account": "555555555555", "deployers": [CI_ROLE]},
            {"account": "666666666666", "region": "us-west-2"},
        ],
    }


def test_dev_attaches_one_managed_pull_policy_to_each_existing_role(project: ProjectPlan) -> None:
    plan = project.plans["dev"]
    assert [(r.key, r.parent, r.depends_on) for r in plan.resources][3:6] == [
        (COMPONENT, None, ()),
        (f"{POLICY}::pull-roles-policy", COMPONENT, ()),
        (f"{ATTACHMENT}::pull-roles-eks-node-role", COMPONENT, ()),
    ]
    assert plan.named(ATTACHMENT, "pull-roles-codebuild-integration-tests").parent == COMPONENT
    assert component_args(plan.resource(COMPONENT)) == {
        "policy_name": "ecr-share-dev-pull",
        "repository_arns": [f"arn:aws:ecr:us-east-1:{SOURCE}:repository/web-app"],
        "role_names": ["eks-node-role", "codebuild-integration-tests"],
    }
    policy = plan.named(POLICY, "pull-roles-policy")
    assert {k: v for k, v in policy.inputs.items() if k != "policy"} == {
        "name": "ecr-share-dev-pull",
        "description": "ecr-share: pull the shared ECR images this stack's services run",
    }
    for role in ("eks-node-role", "codebuild-integration-tests"):
        assert plan.named(ATTACHMENT, f"pull-roles-{role}").inputs == {
            "role": role,  # IAM attaches by name, whatever the role's path
            "policy_arn": OutputRef(f"{POLICY}::pull-roles-policy", "arn"),
        }


def test_the_attached_policy_is_the_execution_roles_pull_statements(project: ProjectPlan) -> None:
    plan = project.plans["dev"]
    execution = json.loads(plan.named("aws:iam/rolePolicy:RolePolicy", "execution-pull").inputs["policy"])
    attached = json.loads(plan.named(POLICY, "pull-roles-policy").inputs["policy"])
    # The same documents, without the log writes that belong to the execution role's log groups.
    assert attached == {
        "Version": "2012-10-17",
        "Statement": [s for s in execution["Statement"] if s["Sid"] != "WriteOwnLogs"],
    }
    assert [s["Sid"] for s in attached["Statement"]] == ["ECRAuth", "ECRPull"]


def test_other_stacks_are_unchanged(project: ProjectPlan) -> None:
    assert not project.plans["staging"].of_type(POLICY)
    assert not project.plans["prod"].of_type(ATTACHMENT)


def test_a_dev_granted_only_by_role_plans_when_every_role_is_granted() -> None:
    stacks = dev_granted_by_role(example_stacks(), [DEV_EXECUTION_ROLE, DEV_NODE_ROLE, CODEBUILD_ROLE])
    plans = plan_stacks(stacks).plans
    policy = json.loads(plans["build"].named(REPOSITORY_POLICY, "shared-web-app-pull").inputs["policy"])
    assert policy["Statement"][1]["Condition"] == {
        "ArnEquals": {
            "aws:PrincipalArn": sorted([CI_ROLE, DEV_EXECUTION_ROLE, DEV_NODE_ROLE, CODEBUILD_ROLE])
        }
    }
    assert plans["dev"].named(POLICY, "pull-roles-policy")


@pytest.mark.parametrize(
    ("roles", "match"),
    [
        (
            [DEV_EXECUTION_ROLE, DEV_NODE_ROLE],
            "dev: ecr-share:pullRoles\\[1\\]: "
            f'"{CODEBUILD_ROLE}" is not granted by the build stack, which grants only '
            f"{DEV_EXECUTION_ROLE}, {DEV_NODE_ROLE} in account 222222222222: add its ARN to "
            "ecr-share:access.roles of the build stack and deploy it first",
        ),
        (
            [DEV_NODE_ROLE, CODEBUILD_ROLE],
            'dev: ecr-share:buildStack: "build" grants only some roles of '
            "this stack's account 222222222222 .*, not its execution role "
            f"{DEV_EXECUTION_ROLE}: add its ARN",
        ),
    ],
)
def test_a_dev_role_the_build_stack_does_not_grant_is_refused_naming_it(roles: list[str], match: str) -> None:
    with pytest.raises(ProjectError, match=match):
        plan_stacks(dev_granted_by_role(example_stacks(), roles))


def test_an_account_no_longer_granted_is_told_about_role_grants() -> None:
    stacks = dev_granted_by_role(example_stacks(), [])
    message = (
        "does not grant this stack's account 222222222222 pull access (it grants 333333333333, "
        '444444444444): add "222222222222" to ecr-share:access.accounts of the build stack, or the ARNs '
        "of this stack's roles to ecr-share:access.roles, and deploy it first"
    )
    with pytest.raises(ProjectError, match=re.escape(message)):
        plan_stacks(stacks)
