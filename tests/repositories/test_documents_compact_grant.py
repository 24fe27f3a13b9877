"""The compact account grant (``Principal: "*"`` restricted by ``aws:PrincipalAccount``) decides
exactly as the seed's form (each account's root in ``Principal``), for every caller the evaluator
models: roles of granted and ungranted accounts with any identity policy, the repository's own
account, and AWS service principals with or without a source account.

The repository's own account is never in the grant (``check_not_granting_owner``): only there would
the two forms differ (a named account root delegates to the account's identity policies, ``"*"``
with a condition that holds would not).

Hypothesis runs derandomized with a bounded number of examples, so CI is deterministic.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from components.aws.names import repository_arn
from components.aws.rules import AUTH_ACTION, PULL_ACTIONS
from components.repositories.documents import account_condition_policy, account_principals_policy
from components.verify.evaluator import Principal, Request, ServicePrincipal, can_pull, evaluate

OWNER = "111111111111"
REGION = "us-east-1"
REPOSITORY = repository_arn(REGION, OWNER, "web-app")
OTHER_REPOSITORY = repository_arn(REGION, OWNER, "worker")
ACTIONS = (*PULL_ACTIONS, AUTH_ACTION, "ecr:PutImage", "ecr:SetRepositoryPolicy")


def identity(effect: str, action: str, resource: str) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": effect, "Action": action, "Resource": resource}],
    }


# What the caller's own account may have given it: nothing, everything, exactly this pull, a pull
# on another repository, or ecr:* with an explicit Deny of this repository.
IDENTITIES: tuple[tuple[dict[str, Any], ...], ...] = (
    (),
    (identity("Allow", "ecr:*", "*"),),
    (identity("Allow", "ecr:BatchGetImage", REPOSITORY), identity("Allow", AUTH_ACTION, "*")),
    (identity("Allow", "ecr:*", OTHER_REPOSITORY),),
    (identity("Allow", "ecr:*", "*"), identity("Deny", "ecr:*", REPOSITORY)),
)
SERVICES = ("lambda.amazonaws.com", "ecs-tasks.amazonaws.com", "replication.ecr.amazonaws.com")

account_ids = st.integers(0, 10**12 - 1).map(lambda n: f"{n:012d}").filter(lambda a: a != OWNER)


@st.composite
def grants_and_callers(draw: st.DrawFn) -> tuple[list[str], Principal | ServicePrincipal, dict[str, str]]:
    granted = draw(st.lists(account_ids, min_size=1, max_size=40, unique=True))
    context: dict[str, str] = {}
    if draw(st.booleans()):
        source = draw(st.one_of(st.sampled_from(granted), account_ids))
        context = {
            "aws:SourceAccount": source,
            "aws:SourceArn": f"arn:aws:lambda:{REGION}:{source}:function:f",
        }
        return granted, ServicePrincipal(draw(st.sampled_from(SERVICES))), context
    account = draw(st.one_of(st.sampled_from(granted), account_ids, st.just(OWNER)))
    principal = Principal(
        account_id=account,
        arn=f"arn:aws:iam::{account}:role/{draw(st.sampled_from(['app', 'admin']))}",
        identity_policies=draw(st.sampled_from(IDENTITIES)),
    )
    return granted, principal, context


@settings(max_examples=300, derandomize=True, deadline=None)
@given(grants_and_callers(), st.sampled_from(["aws", "aws-cn"]))
def test_both_forms_give_every_caller_the_same_decision(
    case: tuple[list[str], Principal | ServicePrincipal, dict[str, str]], partition: str
) -> None:
    granted, caller, context = case
    readable = account_principals_policy(granted, partition)
    compact = account_condition_policy(granted)
    for action in ACTIONS:
        decisions = [
            evaluate(Request(caller, action, REPOSITORY, OWNER, policy, context)).decision
            for policy in (readable, compact)
        ]
        assert decisions[0] is decisions[1], (action, caller, decisions)
    if isinstance(caller, Principal):
        pulls = [can_pull(caller, REPOSITORY, policy).decision for policy in (readable, compact)]
        assert pulls[0] is pulls[1], (caller, pulls)


def test_a_service_principal_is_refused_by_the_guard_whatever_its_account() -> None:
    granted = ["222222222222"]
    lambda_for_granted = Request(
        ServicePrincipal("lambda.amazonaws.com"),
        "ecr:BatchGetImage",
        REPOSITORY,
        OWNER,
        account_condition_policy(granted),
        {"aws:SourceAccount": "222222222222"},
    )
    result = evaluate(lambda_for_granted)
    assert result.decision.value == "deny"
    assert "aws:PrincipalIsAWSService" in " ".join(result.reasons)
