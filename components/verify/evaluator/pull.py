"""Can a principal pull from a repository? The seed's troubleshooting list, as one evaluation.

A pull is ``ecr:GetAuthorizationToken`` (an account-level call: its Resource is ``*`` and only an
identity policy can grant it, ECR user guide "Private repository policies") plus the image's
manifest (``ecr:BatchGetImage``) and layers (``ecr:GetDownloadUrlForLayer``) from the repository,
each evaluated with the repository policy and the registry policy (``access.actions``, PULL).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from components.aws.rules import AUTH_ACTION, LAMBDA_PULL_ACTIONS, LAMBDA_SERVICE, partition_for
from components.verify.access.actions import PULL_IMAGE_ACTIONS
from components.verify.evaluator.documents import PolicyDocument
from components.verify.evaluator.evaluator import (
    Decision,
    Evaluation,
    Evaluator,
    Principal,
    Request,
    ServicePrincipal,
    combine,
)


@dataclass(frozen=True)
class PullCheck:
    decision: Decision
    authorization: Evaluation
    actions: tuple[tuple[str, Evaluation], ...]

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW

    @property
    def reasons(self) -> tuple[str, ...]:
        """Reasons of every part that is not allowed, without repeats."""
        parts = [self.authorization, *(evaluation for _, evaluation in self.actions)]
        return tuple(dict.fromkeys(r for part in parts if not part.allowed for r in part.reasons))


def arn_account(arn: str) -> str:
    """The account field of an ARN (arn:partition:service:region:account:resource)."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or not parts[4]:
        raise ValueError(f"{arn!r} is not an ARN with an account")
    return parts[4]


def authorization_request(principal: Principal) -> Request:
    return Request(principal, AUTH_ACTION, "*", principal.account_id)


def can_pull(
    principal: Principal,
    repository_arn: str,
    repository_policy: PolicyDocument | None,
    *,
    actions: Iterable[str] = PULL_IMAGE_ACTIONS,
    registry_policy: PolicyDocument | None = None,
    evaluator: Evaluator | None = None,
) -> PullCheck:
    """``evaluator``: one shared by many checks over the same documents (see ``Evaluator``)."""
    session = evaluator or Evaluator()
    authorization = session.evaluate(authorization_request(principal))
    owner = arn_account(repository_arn)
    more = () if registry_policy is None else (registry_policy,)
    per_action = tuple(
        (
            action,
            session.evaluate(
                Request(
                    principal, action, repository_arn, owner, repository_policy, more_resource_policies=more
                )
            ),
        )
        for action in actions
    )
    decision = combine([authorization.decision, *(e.decision for _, e in per_action)])
    return PullCheck(decision, authorization, per_action)


@dataclass(frozen=True)
class LambdaPullCheck:
    """A container-image Lambda function's two pulls (Lambda developer guide, configuration-images.html,
    "Amazon ECR cross-account permissions"): the identity that creates or updates the function must
    be allowed the image (``deployer``), and so must the Lambda service, which gets it again on the
    function's behalf later (``service``)."""

    decision: Decision
    deployer: tuple[tuple[str, Evaluation], ...]
    service: tuple[tuple[str, Evaluation], ...]

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW

    @property
    def reasons(self) -> tuple[str, ...]:
        parts = [e for _, e in (*self.deployer, *self.service)]
        return tuple(dict.fromkeys(r for part in parts if not part.allowed for r in part.reasons))


LAMBDA = ServicePrincipal(LAMBDA_SERVICE)
"""One object for every Lambda request: the evaluator's answers are kept per principal object."""


def lambda_function_arn(region: str, account: str) -> str:
    """Any function of an account in a Region: the aws:SourceArn the Lambda service pulls with."""
    return f"arn:{partition_for(region)}:lambda:{region}:{account}:function:any-function"


def lambda_context(function_arn: str) -> dict[str, str]:
    """What the Lambda service's request carries when it gets a function's image."""
    return {"aws:SourceArn": function_arn, "aws:SourceAccount": arn_account(function_arn)}


def can_lambda_pull(
    function_arn: str,
    deployer: Principal,
    repository_arn: str,
    repository_policy: PolicyDocument | None,
    *,
    registry_policy: PolicyDocument | None = None,
    evaluator: Evaluator | None = None,
) -> LambdaPullCheck:
    """Whether a function (its ARN: the request's aws:SourceArn; its account: aws:SourceAccount)
    created by ``deployer`` can run an image of the repository."""
    evaluate = (evaluator or Evaluator()).evaluate
    owner = arn_account(repository_arn)
    more = () if registry_policy is None else (registry_policy,)
    service = LAMBDA
    context = lambda_context(function_arn)
    deploys = tuple(
        (
            action,
            evaluate(
                Request(
                    deployer, action, repository_arn, owner, repository_policy, more_resource_policies=more
                )
            ),
        )
        for action in LAMBDA_PULL_ACTIONS
    )
    retrievals = tuple(
        (
            action,
            evaluate(
                Request(
                    service,
                    action,
                    repository_arn,
                    owner,
                    repository_policy,
                    context,
                    more_resource_policies=more,
                )
            ),
        )
        for action in LAMBDA_PULL_ACTIONS
    )
    decision = combine(e.decision for _, e in (*deploys, *retrievals))
    return LambdaPullCheck(decision, deploys, retrievals)
