"""The build repositories' policy: exactly the seed's grant, canonical, pull only."""

from __future__ import annotations

import pytest

from components.aws.policy import canonical_json
from components.aws.rules import REPOSITORY_POLICY_MAX_CHARS
from components.repositories.documents import (
    account_condition_policy,
    account_principals_policy,
    most_accounts_in_one_policy,
    repository_pull_policy,
)
from components.repositories.model import AccountsAccess, OrganizationAccess

SEED_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def test_account_list_policy_is_the_seeds_step_1_sorted() -> None:
    access = AccountsAccess(accounts=("444444444444", "222222222222", "333333333333"))
    assert canonical_json(repository_pull_policy(access)) == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"AllowCrossAccountPull","Effect":"Allow",'
        '"Principal":{"AWS":["arn:aws:iam::222222222222:root","arn:aws:iam::333333333333:root",'
        '"arn:aws:iam::444444444444:root"]},"Action":["ecr:BatchCheckLayerAvailability",'
        '"ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}'
    )


def test_organization_policy_never_has_an_unconditioned_star_principal() -> None:
    document = repository_pull_policy(OrganizationAccess("o-abc123def4"))
    (statement,) = document["Statement"]
    assert statement == {
        "Sid": "AllowOrganizationPull",
        "Effect": "Allow",
        "Principal": "*",
        "Action": SEED_PULL_ACTIONS,
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
    }


def test_organization_paths_narrow_with_for_any_value_string_like() -> None:
    paths = ("o-abc123def4/r-ab12/ou-ab12-22222222/*", "o-abc123def4/r-ab12/ou-ab12-11111111/")
    (statement,) = repository_pull_policy(OrganizationAccess("o-abc123def4", paths))["Statement"]
    assert statement["Condition"] == {
        "StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"},
        "ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": sorted(paths)},
    }


def test_policies_grant_pull_only() -> None:
    for access in (AccountsAccess(("222222222222",)), OrganizationAccess("o-abc123def4")):
        for statement in repository_pull_policy(access)["Statement"]:
            assert statement["Effect"] == "Allow"
            assert statement["Action"] == SEED_PULL_ACTIONS
            assert "Resource" not in statement  # the repository itself is the resource


def test_rendering_is_deterministic_whatever_the_input_order() -> None:
    one = AccountsAccess(("333333333333", "222222222222"))
    other = AccountsAccess(("222222222222", "333333333333"))
    assert canonical_json(repository_pull_policy(one)) == canonical_json(repository_pull_policy(other))


def test_partition_follows_the_region() -> None:
    document = repository_pull_policy(AccountsAccess(("222222222222",)), partition="aws-cn")
    assert document["Statement"][0]["Principal"] == {"AWS": ["arn:aws-cn:iam::222222222222:root"]}


def ids(count: int) -> tuple[str, ...]:
    return tuple(f"{n:012d}" for n in range(200_000_000_000, 200_000_000_000 + count))


def test_the_compact_form_grants_the_listed_accounts_and_no_service() -> None:
    access = AccountsAccess(("333333333333", "222222222222"))
    assert canonical_json(account_condition_policy(access.accounts)) == (
        '{"Version":"2012-10-17","Statement":[{"Sid":"AllowCrossAccountPull","Effect":"Allow",'
        '"Principal":"*","Action":["ecr:BatchCheckLayerAvailability","ecr:BatchGetImage",'
        '"ecr:GetDownloadUrlForLayer"],"Condition":{"StringEquals":{"aws:PrincipalAccount":'
        '["222222222222","333333333333"]},"BoolIfExists":{"aws:PrincipalIsAWSService":"false"}}}]}'
    )


@pytest.mark.parametrize(("partition", "readable_fits"), [("aws", 304), ("aws-cn", 278), ("aws-us-gov", 250)])
def test_the_readable_form_is_kept_while_it_fits_then_the_compact_one(
    partition: str, readable_fits: int
) -> None:
    largest_readable = repository_pull_policy(AccountsAccess(ids(readable_fits)), partition)
    assert largest_readable == account_principals_policy(ids(readable_fits), partition)
    assert len(canonical_json(largest_readable)) <= REPOSITORY_POLICY_MAX_CHARS
    one_more = repository_pull_policy(AccountsAccess(ids(readable_fits + 1)), partition)
    assert one_more == account_condition_policy(ids(readable_fits + 1))


def test_the_compact_form_holds_662_accounts_in_every_partition() -> None:
    assert most_accounts_in_one_policy() == 662
    for partition in ("aws", "aws-cn", "aws-us-gov"):
        fullest = canonical_json(repository_pull_policy(AccountsAccess(ids(662)), partition))
        assert len(fullest) <= REPOSITORY_POLICY_MAX_CHARS
        too_many = canonical_json(repository_pull_policy(AccountsAccess(ids(663)), partition))
        assert len(too_many) > REPOSITORY_POLICY_MAX_CHARS


def test_no_star_principal_without_its_condition() -> None:
    for access in (AccountsAccess(ids(500)), OrganizationAccess("o-abc123def4")):
        for statement in repository_pull_policy(access)["Statement"]:
            assert statement["Principal"] != "*" or statement["Condition"]
