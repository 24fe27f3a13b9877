"""An offline evaluator of IAM identity policies and ECR resource policies: who may call what,
following the IAM User Guide's evaluation rules; whatever it cannot decide is unknown, never allowed."""

from components.verify.evaluator.documents import PolicyDocument
from components.verify.evaluator.evaluator import (
    Deciding,
    Decision,
    Evaluation,
    Evaluator,
    Principal,
    Request,
    ServicePrincipal,
    combine,
    evaluate,
)
from components.verify.evaluator.pull import (
    LambdaPullCheck,
    PullCheck,
    arn_account,
    can_lambda_pull,
    can_pull,
)

__all__ = [
    "Deciding",
    "Decision",
    "Evaluation",
    "Evaluator",
    "LambdaPullCheck",
    "PolicyDocument",
    "Principal",
    "PullCheck",
    "Request",
    "ServicePrincipal",
    "arn_account",
    "can_lambda_pull",
    "can_pull",
    "combine",
    "evaluate",
]
