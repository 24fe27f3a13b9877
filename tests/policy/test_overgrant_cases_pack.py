"""The policy pack refuses each over-grant of issue 19 in the document a program would register for it
(the program refuses the config itself: tests/config/test_stack_overgrants.py). The pack judges with
the program's own functions (components.aws.globs, components.aws.overgrants)."""

from __future__ import annotations

import json

import pytest

from components.aws.policy import canonical_json
from components.replication.documents import receiver_registry_policy, replication_statements
from components.replication.model import ReplicationDestination
from components.repositories.documents import repository_policy
from components.repositories.model import AccountsAccess, LambdaAccount
from tests.support.crossguard import Planned, findings
from tests.support.overgrant_cases import BUILD_ACCOUNT, CASES, DEV_EXECUTION, PROD, REGISTRY, Case

REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
PROVIDER = {"region": "us-east-1"}


def registered(case: Case) -> Planned:
    """The document the case's config asks for, rendered without the config's checks."""
    if case.stack == "build":
        access = AccountsAccess(
            ("333333333333", PROD), roles=(DEV_EXECUTION,), lambda_accounts=(LambdaAccount("222222222222"),)
        )
        policy = canonical_json(repository_policy(access, "us-east-1", BUILD_ACCOUNT))
        return Planned(
            REPOSITORY_POLICY,
            "shared-web-app-pull",
            {"repository": "web-app", "policy": policy},
            "build",
            PROVIDER,
        )
    others = [(o["account"], o.get("filters", ())) for o in case.changes.get("otherSources", ())]
    document = receiver_registry_policy(
        replication_statements(
            [(BUILD_ACCOUNT, ("web-app", "worker")), *others], ReplicationDestination("us-east-1", PROD)
        ),
        [json.dumps(s) for s in case.changes.get("registryPolicyStatements", ())],
    )
    return Planned(
        REGISTRY_POLICY, "replication-registry-policy", {"policy": canonical_json(document)}, "prod", PROVIDER
    )


EXPECTED = {
    "a Lambda grant voids the role narrowing of its account": [
        "statement 'AllowRolePull' lets only some principals of account 222222222222 act (aws:PrincipalArn), "
        "but statement 'AllowLambdaAccountPull' allows ecr:BatchGetImage, ecr:GetDownloadUrlForLayer to the "
        "whole account: every role of it may; narrow that statement with the same aws:PrincipalArn "
        "condition, or drop it"
    ],
    "another source without filters": [
        f"statement 'ReplicationFrom555555555555' has Resource {REGISTRY}*: name repository prefixes, e.g. "
        "arn:aws:ecr:<region>:<account>:repository/web-app*, never repository/* or *",
        "statement 'ReplicationFrom111111111111' and statement 'ReplicationFrom555555555555' let different "
        "accounts create or write the same repositories (for example web-app): one could replace the "
        "other's images; give each its own prefixes",
    ],
    "a Deny stops the build account's replication": [
        "statement 'NoReplication' denies the replication into web-app that statement "
        "'ReplicationFrom111111111111' allows: it silently stops that replication; leave the replicated "
        "prefixes out of the Deny"
    ],
}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_pack_refuses_each_over_grant(case: Case) -> None:
    found = [
        f
        for f in findings([registered(case)])
        if f.policy in ("ecr-registry-policy-scoped", "ecr-role-narrowing-kept")
    ]
    assert found, case.name
    if case.name in EXPECTED:
        assert [f.message for f in found] == EXPECTED[case.name]


def test_the_pack_accepts_what_the_program_accepts() -> None:
    """Another source and a statement on prefixes of their own, and a Deny of what nobody replicates."""
    statements = [
        {
            "Sid": "Cache",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{PROD}:role/ptc"},
            "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
            "Resource": f"{REGISTRY}ecr-public/*",
        },
        {
            "Sid": "NoCacheElsewhere",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": "ecr:BatchImportUpstreamImage",
            "Resource": f"{REGISTRY}*",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
        },
    ]
    document = receiver_registry_policy(
        replication_statements(
            [(BUILD_ACCOUNT, ("web-app", "worker")), ("555555555555", ("team-b/",))],
            ReplicationDestination("us-east-1", PROD),
        ),
        [json.dumps(s) for s in statements],
    )
    planned = Planned(REGISTRY_POLICY, "registry", {"policy": canonical_json(document)}, "prod", PROVIDER)
    assert findings([planned]) == []
