"""One test per defect of issue 19 that the access analysis covers, each on the exact documents the
plans registered when the issue was measured, asserting the finding and the statement it quotes."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from components.replication.model import ReplicationSource
from components.repositories.model import AccountsAccess, LambdaAccount
from components.verify.access.findings import Finding, FindingStatus
from components.verify.deployments import Deployment
from components.verify.matrix import Status
from tests.support.access_variants import (
    BUILD_REPOSITORY_POLICY,
    BUILD_TEMPLATE,
    DEV_EXECUTION_ROLE,
    PROD_REGISTRY_POLICY,
    verified,
    with_environment,
    with_input,
)
from tests.support.committed import committed_deployment
from tests.support.verify_cli import BUILD_REGISTRY, PROD_REPLICAS, WEST_REPLICAS, registry_table

PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
LAMBDA = ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def accounts(*ids: str) -> list[str]:
    return [f"arn:aws:iam::{a}:root" for a in ids]


def lambda_statements(account: str, region: str) -> list[dict[str, Any]]:
    """The two statements AWS documents for a cross-account Lambda function (as planned at e503993)."""
    return [
        {
            "Sid": "AllowLambdaPull",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": LAMBDA,
            "Condition": {"StringLike": {"aws:sourceARN": [f"arn:aws:lambda:{region}:{account}:function:*"]}},
        },
        {
            "Sid": "AllowLambdaAccountPull",
            "Effect": "Allow",
            "Principal": {"AWS": accounts(account)},
            "Action": LAMBDA,
        },
    ]


def repository_policies(
    deployment: Deployment, statements: list[dict[str, Any]], west: list[dict[str, Any]]
) -> Deployment:
    """The build repositories' and the us-west-2 template's policies."""
    for name in ("web-app", "worker"):
        deployment = with_input(
            deployment,
            "build",
            f"{BUILD_REPOSITORY_POLICY}::shared-{name}-pull",
            "policy",
            {"Version": "2012-10-17", "Statement": statements},
        )
    return with_input(
        deployment, "build", BUILD_TEMPLATE, "repository_policy", {"Version": "2012-10-17", "Statement": west}
    )


BUILD_ID = "111111111111/us-east-1"


def findings(deployment: Deployment) -> list[Finding]:
    matrix, _, _ = verified(deployment)
    assert matrix.analysis is not None
    return list(matrix.analysis.findings)


def subjects(found: list[Finding]) -> set[tuple[str, str, str]]:
    return {(f.check, f.principal.name, f.resource.label) for f in found}


def test_a_lambda_grant_beside_a_role_grant_lets_every_role_of_the_account_pull() -> None:
    """Issue 19: access.roles [dev's execution role] and lambdaAccounts [222222222222] gave every role
    of 222222222222 BatchGetImage and GetDownloadUrlForLayer on the account root, and verify said
    "no other role or account can pull"."""
    deployment = committed_deployment()
    access = AccountsAccess(
        accounts=("333333333333", "444444444444"),
        roles=(DEV_EXECUTION_ROLE,),
        lambda_accounts=(LambdaAccount("222222222222"),),
    )
    deployment = replace(deployment, build=replace(deployment.build, access=access))
    role_pull = {
        "Sid": "AllowRolePull",
        "Effect": "Allow",
        "Principal": {"AWS": accounts("222222222222")},
        "Action": PULL,
        "Condition": {"ArnEquals": {"aws:PrincipalArn": [DEV_EXECUTION_ROLE]}},
    }
    whole = {
        "Sid": "AllowCrossAccountPull",
        "Effect": "Allow",
        "Principal": {"AWS": accounts("333333333333", "444444444444")},
        "Action": PULL,
    }
    deployment = repository_policies(
        deployment,
        [whole, role_pull, *lambda_statements("222222222222", "us-east-1")],
        [whole, role_pull, *lambda_statements("222222222222", "us-west-2")],
    )
    _, report, out = verified(deployment)
    assert report.exit_code == 1
    build = registry_table(out, BUILD_REGISTRY)
    assert build["dev role (222222222222)"] == ["allowed", "-"]
    assert build["account 222222222222 (dev)"] == ["UNINTENDED", "UNINTENDED"]
    assert registry_table(out, WEST_REPLICAS)["account 222222222222 (dev)"] == ["UNINTENDED"]
    assert build["Lambda functions of 222222222222 (dev)"] == ["allowed", "allowed"]
    assert (
        "  ECR-PULL UNINTENDED: account 222222222222 (dev) -> worker (build registry 111111111111 us-east-1): "
        "ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer\n"
        "    granted by repository policy of worker (build registry 111111111111 us-east-1) statement "
        '\'AllowLambdaAccountPull\': {"Sid":"AllowLambdaAccountPull","Effect":"Allow","Principal":'
        '{"AWS":["arn:aws:iam::222222222222:root"]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}\n'
        in out
    )
    assert "no other role or account can pull" not in out
    assert out.endswith(
        "Result: 3 accesses allowed that the config does not declare (ECR-PULL 3) (exit code 1)\n"
    )


def test_a_lambda_only_account_has_a_row_and_its_roles_must_not_pull() -> None:
    """Issue 19: "A Lambda-only account gets no matrix row at all"."""
    deployment = committed_deployment()
    access = replace(deployment.build.access, lambda_accounts=(LambdaAccount("555555555555"),))
    deployment = replace(deployment, build=replace(deployment.build, access=access))
    whole = {
        "Sid": "AllowCrossAccountPull",
        "Effect": "Allow",
        "Principal": {"AWS": accounts("222222222222", "333333333333", "444444444444")},
        "Action": PULL,
    }
    deployment = repository_policies(
        deployment,
        [whole, *lambda_statements("555555555555", "us-east-1")],
        [whole, *lambda_statements("555555555555", "us-west-2")],
    )
    matrix, _, out = verified(deployment)
    build = registry_table(out, BUILD_REGISTRY)
    assert build["Lambda functions of 555555555555"] == ["allowed", "allowed"]
    # The row exists; an entry without deployers declares its whole account (docs/consumers.md).
    assert matrix.cell("account 555555555555", BUILD_ID, "web-app").status is Status.ALLOWED
    assert registry_table(out, PROD_REPLICAS)["account 555555555555"] == ["-", "-"]
    # With deployers, the same root statement lets every other role of the account pull: UNINTENDED.
    deployer = LambdaAccount("555555555555", deployers=("arn:aws:iam::555555555555:role/deploy",))
    access = replace(deployment.build.access, lambda_accounts=(deployer,))
    matrix, _, out = verified(replace(deployment, build=replace(deployment.build, access=access)))
    assert matrix.cell("account 555555555555", BUILD_ID, "web-app").status is Status.UNINTENDED
    assert "statement 'AllowLambdaAccountPull'" in out


REPLICATION_FROM_BUILD = {
    "Sid": "ReplicationFrom111111111111",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
    "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
    "Resource": [
        "arn:aws:ecr:us-east-1:444444444444:repository/web-app*",
        "arn:aws:ecr:us-east-1:444444444444:repository/worker*",
    ],
}


def prod_registry_policy(statement: dict[str, Any], source: ReplicationSource | None = None) -> Deployment:
    """prod's registry policy with one more statement, as its plan registered it at e503993 (with the
    otherSources entry behind it, when one is)."""
    deployment = committed_deployment()
    policy = {"Version": "2012-10-17", "Statement": [REPLICATION_FROM_BUILD, statement]}
    deployment = with_input(deployment, "prod", PROD_REGISTRY_POLICY, "policy", policy)
    if source is not None:
        prod = next(e for e in deployment.every_environment if e.stack == "prod")
        assert prod.receive_replication is not None
        receive = replace(prod.receive_replication, other_sources=(source,))
        deployment = with_environment(deployment, "prod", receive_replication=receive)
    return deployment


def other_source(resources: list[str]) -> dict[str, Any]:
    return {
        "Sid": "ReplicationFrom555555555555",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::555555555555:root"},
        "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
        "Resource": [f"arn:aws:ecr:us-east-1:444444444444:repository/{r}" for r in resources],
    }


WEB_APP = "web-app (replicas 444444444444 us-east-1)"
WORKER = "worker (replicas 444444444444 us-east-1)"


def test_another_source_without_filters_can_replicate_into_what_prod_runs() -> None:
    """Issue 19: otherSources [{account: 555555555555}] (filters left out, the documented default) lets
    that account create repositories and replicate into the replicas prod runs from."""
    found = findings(prod_registry_policy(other_source(["*"]), ReplicationSource("555555555555")))
    assert subjects(found) == {
        ("ECR-REPLICATE-IN", "account 555555555555", WEB_APP),
        ("ECR-REPLICATE-IN", "account 555555555555", WORKER),
    }
    first = found[0]
    assert first.status is FindingStatus.UNINTENDED
    assert first.actions == ("ecr:CreateRepository", "ecr:ReplicateImage")
    (grant,) = first.grants
    assert grant.quoted == (
        "registry policy of 444444444444 us-east-1 statement 'ReplicationFrom555555555555': "
        '{"Sid":"ReplicationFrom555555555555","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::555555555555:root"},'
        '"Action":["ecr:CreateRepository","ecr:ReplicateImage"],"Resource":["arn:aws:ecr:us-east-1:444444444444:repository/*"]}'
    )


def test_another_sources_overlapping_filter_is_found_on_the_repositories_it_overlaps() -> None:
    """Issue 19: filters ["we"] or ["web-app"] overlap the received repositories."""
    for prefix in ("we", "web-app"):
        found = findings(
            prod_registry_policy(other_source([f"{prefix}*"]), ReplicationSource("555555555555", (prefix,)))
        )
        assert subjects(found) == {("ECR-REPLICATE-IN", "account 555555555555", WEB_APP)}, prefix


def test_a_registry_policy_statement_on_w_star_reaches_the_received_repositories() -> None:
    """Issue 19: a registryPolicyStatements Allow on repository/w* lets another account replicate into
    prod's received repositories (web-app and worker both start with w)."""
    statement = {
        "Sid": "TeamW",
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::555555555555:root"]},
        "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
        "Resource": ["arn:aws:ecr:us-east-1:444444444444:repository/w*"],
    }
    _, report, out = verified(prod_registry_policy(statement))
    assert report.exit_code == 1
    assert (
        "  ECR-REPLICATE-IN UNINTENDED: account 555555555555 -> web-app (replicas 444444444444 us-east-1): "
        "ecr:CreateRepository, ecr:ReplicateImage\n"
        "    granted by registry policy of 444444444444 us-east-1 statement 'TeamW': " in out
    )
    # The build account's own replication into them is what the config declares: no finding.
    assert "account 111111111111" not in out.split("Access analysis", 1)[1]


def test_a_registry_policy_that_grants_pull_is_a_pull_of_the_replicas() -> None:
    """ECR registry-permissions.html, scope V2: the registry policy applies to every ECR request, so an
    Allow of ecr:* there is a pull (and a push) of every repository it names."""
    statement = {
        "Sid": "Everything",
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::222222222222:root"]},
        "Action": ["ecr:*"],
        "Resource": ["arn:aws:ecr:us-east-1:444444444444:repository/*"],
    }
    matrix, _, out = verified(prod_registry_policy(statement))
    assert registry_table(out, PROD_REPLICAS)["account 222222222222 (dev)"] == ["UNINTENDED", "UNINTENDED"]
    assert matrix.analysis is not None
    checks = {f.check for f in matrix.analysis.findings if f.principal.name == "account 222222222222"}
    assert checks == {"ECR-PULL", "ECR-PUSH", "ECR-REPLICATE-IN", "ECR-DELETE", "ECR-ADMIN"}


def test_one_of_the_two_image_calls_is_a_partial_pull() -> None:
    """A policy that gives the manifest but not the layers is no pull, but it reveals the image."""
    manifest_only = {
        "Sid": "Manifests",
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::555555555555:root"]},
        "Action": ["ecr:BatchGetImage"],
        "Resource": ["arn:aws:ecr:us-east-1:444444444444:repository/worker"],
    }
    found = findings(prod_registry_policy(manifest_only))
    assert subjects(found) == {("ECR-PULL-PARTIAL", "account 555555555555", WORKER)}
    assert found[0].actions == ("ecr:BatchGetImage",)
