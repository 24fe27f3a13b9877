"""The role and Lambda statements of the build repositories' policy, exactly, and how
``repository_policy`` puts them together with the whole-account or organization grant per Region."""

from __future__ import annotations

from components.aws.policy import canonical_json
from components.repositories.documents import (
    lambda_pull_statements,
    repository_policy,
    repository_pull_policy,
    role_pull_statements,
)
from components.repositories.model import AccountsAccess, LambdaAccount, OrganizationAccess

OWNER = "111111111111"
PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
LAMBDA = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
EXECUTION = "arn:aws:iam::222222222222:role/ecr-share-dev-execution"
NODES = "arn:aws:iam::222222222222:role/eks/eks-nodes"
CI = "arn:aws:iam::555555555555:role/ci"


def test_roles_are_granted_through_their_account_roots_narrowed_by_principal_arn() -> None:
    assert role_pull_statements([NODES, CI, EXECUTION], "aws") == [
        {
            "Sid": "AllowRolePull",
            "Effect": "Allow",
            # Root principals, never the role ARNs: ECR refuses a role that does not exist yet.
            "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "arn:aws:iam::555555555555:root"]},
            "Action": PULL,
            "Condition": {"ArnEquals": {"aws:PrincipalArn": [EXECUTION, NODES, CI]}},
        }
    ]
    assert role_pull_statements([], "aws") == []


def test_role_grant_principals_follow_the_partition() -> None:
    (statement,) = role_pull_statements(["arn:aws-cn:iam::222222222222:role/ci"], "aws-cn")
    assert statement["Principal"] == {"AWS": ["arn:aws-cn:iam::222222222222:root"]}


def test_lambda_accounts_get_the_two_statements_aws_documents() -> None:
    """Lambda developer guide, configuration-images.html, "Amazon ECR cross-account permissions"."""
    access = AccountsAccess(
        (), lambda_accounts=(LambdaAccount("666666666666"), LambdaAccount("555555555555"))
    )
    assert lambda_pull_statements(access, "us-east-1", OWNER) == [
        {
            "Sid": "AllowLambdaPull",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": LAMBDA,
            "Condition": {
                "StringLike": {
                    "aws:sourceARN": [
                        "arn:aws:lambda:us-east-1:555555555555:function:*",
                        "arn:aws:lambda:us-east-1:666666666666:function:*",
                    ]
                }
            },
        },
        {
            "Sid": "AllowLambdaAccountPull",
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::555555555555:root", "arn:aws:iam::666666666666:root"]},
            "Action": LAMBDA,
        },
    ]


def test_deployers_narrow_the_account_statement_to_the_roles_that_create_the_functions() -> None:
    """A grant with deployers names only them (root principal, aws:PrincipalArn, as the role grant
    does); an account without keeps AWS's root statement."""
    deploy = "arn:aws:iam::555555555555:role/deploy"
    access = AccountsAccess(
        (),
        lambda_accounts=(
            LambdaAccount("666666666666"),
            LambdaAccount("555555555555", deployers=(deploy, CI)),
        ),
    )
    _, roots, deployers = lambda_pull_statements(access, "us-east-1", OWNER)
    assert roots == {
        "Sid": "AllowLambdaAccountPull",
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::666666666666:root"]},
        "Action": LAMBDA,
    }
    assert deployers == {
        "Sid": "AllowLambdaDeployerPull",
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::555555555555:root"]},
        "Action": LAMBDA,
        "Condition": {"ArnEquals": {"aws:PrincipalArn": [CI, deploy]}},
    }
    only_narrowed = AccountsAccess((), lambda_accounts=(LambdaAccount("555555555555", deployers=(CI,)),))
    assert [s["Sid"] for s in lambda_pull_statements(only_narrowed, "us-east-1", OWNER)] == [
        "AllowLambdaPull",
        "AllowLambdaDeployerPull",
    ]


def test_the_lambda_statement_names_the_registrys_own_region_only() -> None:
    access = AccountsAccess((), lambda_accounts=(LambdaAccount("555555555555"),))
    for region in ("us-east-1", "us-west-2"):
        service, _ = lambda_pull_statements(access, region, OWNER)
        assert service["Condition"] == {
            "StringLike": {"aws:sourceARN": [f"arn:aws:lambda:{region}:555555555555:function:*"]}
        }
    (service,) = lambda_pull_statements(
        AccountsAccess((), lambda_accounts=(LambdaAccount(OWNER),)), "cn-north-1", OWNER
    )
    assert service["Condition"]["StringLike"]["aws:sourceARN"] == [
        f"arn:aws-cn:lambda:cn-north-1:{OWNER}:function:*"
    ]


def test_a_region_bound_lambda_grant_appears_only_in_that_region() -> None:
    access = AccountsAccess((), lambda_accounts=(LambdaAccount("666666666666", "us-west-2"),))
    assert lambda_pull_statements(access, "us-east-1", OWNER) == []
    service, accounts = lambda_pull_statements(access, "us-west-2", OWNER)
    assert service["Condition"]["StringLike"]["aws:sourceARN"] == [
        "arn:aws:lambda:us-west-2:666666666666:function:*"
    ]
    assert accounts["Principal"] == {"AWS": ["arn:aws:iam::666666666666:root"]}


def test_no_account_statement_for_the_owner_or_an_account_granted_whole() -> None:
    """The owner's identity policies decide for it; a whole-account grant has both actions already."""
    access = AccountsAccess(
        ("222222222222",), lambda_accounts=(LambdaAccount(OWNER), LambdaAccount("222222222222"))
    )
    (service,) = lambda_pull_statements(access, "us-east-1", OWNER)
    assert service["Sid"] == "AllowLambdaPull"
    assert service["Condition"]["StringLike"]["aws:sourceARN"] == [
        f"arn:aws:lambda:us-east-1:{OWNER}:function:*",
        "arn:aws:lambda:us-east-1:222222222222:function:*",
    ]


def test_an_organization_grant_still_names_each_lambda_account() -> None:
    """The Lambda service is in no organization, and whether the account is cannot be known here."""
    access = OrganizationAccess("o-abc123def4", lambda_accounts=(LambdaAccount("555555555555"),))
    _, accounts = lambda_pull_statements(access, "us-east-1", OWNER)
    assert accounts["Principal"] == {"AWS": ["arn:aws:iam::555555555555:root"]}


def test_repository_policy_is_the_grants_in_a_fixed_order() -> None:
    access = AccountsAccess(("333333333333",), roles=(CI,), lambda_accounts=(LambdaAccount("555555555555"),))
    sids = [s["Sid"] for s in repository_policy(access, "us-east-1", OWNER)["Statement"]]
    assert sids == ["AllowCrossAccountPull", "AllowRolePull", "AllowLambdaPull", "AllowLambdaAccountPull"]
    organization = OrganizationAccess("o-abc123def4", roles=(CI,))
    assert [s["Sid"] for s in repository_policy(organization, "us-east-1", OWNER)["Statement"]] == [
        "AllowOrganizationPull",
        "AllowRolePull",
    ]


def test_without_narrow_grants_the_policy_is_the_seeds() -> None:
    for access in (AccountsAccess(("222222222222",)), OrganizationAccess("o-abc123def4")):
        assert repository_policy(access, "us-east-1", OWNER) == repository_pull_policy(access)


def test_no_whole_account_statement_when_only_roles_are_granted() -> None:
    (statement,) = repository_policy(AccountsAccess((), roles=(CI,)), "us-east-1", OWNER)["Statement"]
    assert statement["Sid"] == "AllowRolePull"


def test_rendering_is_deterministic_whatever_the_input_order() -> None:
    one = AccountsAccess(
        (), roles=(CI, NODES), lambda_accounts=(LambdaAccount("666666666666"), LambdaAccount("555555555555"))
    )
    other = AccountsAccess(
        (), roles=(NODES, CI), lambda_accounts=(LambdaAccount("555555555555"), LambdaAccount("666666666666"))
    )
    assert canonical_json(repository_policy(one, "us-east-1", OWNER)) == canonical_json(
        repository_policy(other, "us-east-1", OWNER)
    )
