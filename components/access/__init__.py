"""Who can pull: an offline evaluator of IAM identity and ECR repository policies, and the
``verify`` access report built on it."""

from components.access.documents import PolicyDocument
from components.access.evaluator import (
    Decision,
    Evaluation,
    Principal,
    Request,
    ServicePrincipal,
    combine,
    evaluate,
)
from components.access.pull import PullCheck, arn_account, can_pull

__all__ = [
    "Decision",
    "Evaluation",
    "PolicyDocument",
    "Principal",
    "PullCheck",
    "Request",
    "ServicePrincipal",
    "arn_account",
    "can_pull",
    "combine",
    "evaluate",
]
