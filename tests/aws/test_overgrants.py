"""The over-grants one statement can hide from another (``components.aws.overgrants``), on documents
as ecr-share writes them and as any other program could."""

from __future__ import annotations

from typing import Any

import pytest

from components.aws.overgrants import (
    SharedWrite,
    VoidedNarrowing,
    shared_writes,
    stopped_replication,
    voided_narrowing,
)

PULL = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
CI = "arn:aws:iam::555555555555:role/ci"
REGISTRY = "arn:aws:ecr:us-east-1:444444444444:repository/"
NARROWED = {
    "Sid": "AllowRolePull",
    "Effect": "Allow",
    "Principal": {"AWS": ["arn:aws:iam::555555555555:root"]},
    "Action": ["ecr:BatchCheckLayerAvailability", *PULL],
    "Condition": {"ArnEquals": {"aws:PrincipalArn": [CI]}},
}


def allow(**fields: Any) -> dict[str, Any]:
    return {"Effect": "Allow", **fields}


@pytest.mark.parametrize(
    ("whole", "voided"),
    [
        # AWS's statement for the identities that create an account's Lambda functions.
        (
            allow(
                Sid="AllowLambdaAccountPull",
                Principal={"AWS": ["arn:aws:iam::555555555555:root"]},
                Action=PULL,
            ),
            True,
        ),
        (allow(Principal={"AWS": "555555555555"}, Action="ecr:BatchGetImage"), True),
        (allow(Principal={"AWS": "555555555555"}, Action="ecr:*"), True),
        # The compact form of an account grant.
        (
            allow(
                Principal="*",
                Action=PULL,
                Condition={"StringEquals": {"aws:PrincipalAccount": ["555555555555"]}},
            ),
            True,
        ),
        # Narrowed to the deployers: the account is not granted whole.
        (
            allow(
                Principal={"AWS": ["arn:aws:iam::555555555555:root"]},
                Action=PULL,
                Condition={"ArnEquals": {"aws:PrincipalArn": ["arn:aws:iam::555555555555:role/deploy"]}},
            ),
            False,
        ),
        (allow(Principal={"AWS": "666666666666"}, Action=PULL), False),
        (allow(Principal={"AWS": "555555555555"}, Action="ecr:PutImage"), False),
        (allow(Principal={"Service": "lambda.amazonaws.com"}, Action=PULL), False),
        ({**allow(Principal={"AWS": "555555555555"}, Action=PULL), "Effect": "Deny"}, False),
    ],
)
def test_a_narrowing_is_voided_by_a_whole_account_grant(whole: dict[str, Any], voided: bool) -> None:
    found = voided_narrowing([NARROWED, whole])
    assert bool(found) is voided
    if voided:
        assert found[0].account == "555555555555"
        assert found[0].narrowing == "statement 'AllowRolePull'"


def test_the_finding_names_both_statements_and_the_actions() -> None:
    whole = allow(
        Sid="AllowLambdaAccountPull", Principal={"AWS": ["arn:aws:iam::555555555555:root"]}, Action=PULL
    )
    assert voided_narrowing([NARROWED, whole]) == [
        VoidedNarrowing(
            "555555555555", "statement 'AllowRolePull'", "statement 'AllowLambdaAccountPull'", tuple(PULL)
        )
    ]


REPLICATION = {
    "Sid": "ReplicationFrom111111111111",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
    "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
    "Resource": [f"{REGISTRY}web-app*", f"{REGISTRY}worker*"],
}


def deny(**fields: Any) -> dict[str, Any]:
    return {"Sid": "Deny", "Effect": "Deny", **fields}


@pytest.mark.parametrize(
    ("statement", "stopped"),
    [
        (deny(Principal={"AWS": "*"}, Action="ecr:ReplicateImage", Resource=f"{REGISTRY}*"), "web-app"),
        (deny(Principal={"AWS": "*"}, Action="ecr:Replicate*", Resource="*"), "web-app"),
        (
            deny(Principal={"AWS": "111111111111"}, Action="ecr:CreateRepository", Resource=f"{REGISTRY}wo*"),
            "worker",
        ),
        # Any principal of the source account may be the one ECR replicates as.
        (
            deny(
                Principal={"AWS": "arn:aws:iam::111111111111:role/x"},
                Action="ecr:ReplicateImage",
                Resource=f"{REGISTRY}w*",
            ),
            "web-app",
        ),
        # Conditions are not read: it may hold for the replication.
        (
            deny(
                Principal={"AWS": "*"},
                Action="ecr:ReplicateImage",
                Resource=f"{REGISTRY}*",
                Condition={"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
            ),
            "web-app",
        ),
        (
            deny(NotPrincipal={"AWS": "222222222222"}, Action="ecr:ReplicateImage", Resource=f"{REGISTRY}*"),
            "web-app",
        ),
        (deny(Principal={"AWS": "*"}, Action="ecr:BatchImportUpstreamImage", Resource=f"{REGISTRY}*"), None),
        (deny(Principal={"AWS": "555555555555"}, Action="ecr:ReplicateImage", Resource=f"{REGISTRY}*"), None),
        (deny(Principal={"AWS": "*"}, Action="ecr:ReplicateImage", Resource=f"{REGISTRY}team-b/*"), None),
        (allow(Principal={"AWS": "*"}, Action="ecr:ReplicateImage", Resource=f"{REGISTRY}*"), None),
    ],
)
def test_a_deny_that_stops_replication(statement: dict[str, Any], stopped: str | None) -> None:
    assert stopped_replication(statement, REPLICATION) == stopped


def writer(account: str, *globs: str, sid: str = "") -> dict[str, Any]:
    return allow(
        Sid=sid or f"From{account}",
        Principal={"AWS": f"arn:aws:iam::{account}:root"},
        Action=["ecr:CreateRepository", "ecr:ReplicateImage"],
        Resource=[f"{REGISTRY}{g}" for g in globs],
    )


def test_two_accounts_that_may_write_the_same_repositories() -> None:
    assert shared_writes([REPLICATION, writer("555555555555", "we")]) == []
    assert shared_writes([REPLICATION, writer("555555555555", "we*")]) == [
        SharedWrite("statement 'ReplicationFrom111111111111'", "statement 'From555555555555'", "web-app")
    ]
    assert shared_writes([REPLICATION, writer("555555555555", "team-b/*")]) == []
    # The same account twice is one writer.
    assert shared_writes([REPLICATION, writer("111111111111", "web-app*", sid="Again")]) == []
    # A pull-through cache's permissions write too.
    cache = allow(
        Sid="Cache",
        Principal={"AWS": "arn:aws:iam::444444444444:role/ptc"},
        Action="ecr:BatchImportUpstreamImage",
        Resource=f"{REGISTRY}?eb*",
    )
    assert [w.name for w in shared_writes([REPLICATION, cache])] == ["web-app"]
