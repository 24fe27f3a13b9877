"""The key policy of a key ecr-share creates, and the creation-template role's policies.

Who needs what from a key that encrypts ECR repositories (docs/kms.md, with the AWS sources):
- whoever creates or deletes a repository: kms:CreateGrant, kms:DescribeKey, kms:RetireGrant, which
  ECR calls on their behalf (so through ecr.<region>.amazonaws.com, kms:ViaService);
- ECR itself encrypts and decrypts through the grants it creates on the key, so pushes and pulls
  need no key-policy statement, and a puller in another account needs no KMS permission at all;
- a creation template that encrypts replicas with the key: the custom role ECR assumes for it
  (the same three actions).
"""

from __future__ import annotations

from collections.abc import Iterable

from components.aws.names import account_root_arn
from components.aws.policy import PolicyDocument, Statement, document, sorted_unique
from components.aws.rules import (
    ECR_KMS_ACTIONS,
    ECR_SERVICE,
    KMS_ADMIN_ACTIONS,
    TEMPLATE_ROLE_ECR_ACTIONS,
    ecr_service_endpoint,
    partition_for,
)

SID_ADMINISTRATION = "KeyAdministration"
SID_ECR_USE = "RepositoriesThroughEcr"
SID_TEMPLATE_ROLE = "CreationTemplateRole"
SID_TEMPLATE_ECR = "CreateReplicas"
SID_TEMPLATE_KMS = "EncryptReplicas"


def key_policy(account_id: str, region: str, template_role_arn: str | None = None) -> PolicyDocument:
    """Administration for the account's IAM policies; use only through ECR in this Region, from this
    account; and, for a replica Region, the creation-template role. Nothing for any other account."""
    root = account_root_arn(account_id, partition_for(region))
    statements: list[Statement] = [
        {
            "Sid": SID_ADMINISTRATION,
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": list(KMS_ADMIN_ACTIONS),
            "Resource": "*",
        },
        {
            "Sid": SID_ECR_USE,
            "Effect": "Allow",
            "Principal": {"AWS": root},
            "Action": list(ECR_KMS_ACTIONS),
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:CallerAccount": account_id,
                    "kms:ViaService": ecr_service_endpoint(region),
                }
            },
        },
    ]
    if template_role_arn is not None:
        # Named directly, so the role needs no identity policy for this key (KMS key policies: a
        # principal of the key's account named in the key policy needs nothing else).
        statements.append(
            {
                "Sid": SID_TEMPLATE_ROLE,
                "Effect": "Allow",
                "Principal": {"AWS": template_role_arn},
                "Action": list(ECR_KMS_ACTIONS),
                "Resource": "*",
            }
        )
    return document(*statements)


def template_role_trust_policy() -> PolicyDocument:
    """ECR assumes the role for the templates: the trust policy of repository-creation-templates-create-
    iam.html, as documented. It names no aws:SourceAccount condition; whether ECR sends one when it
    assumes the role is unconfirmed, and with the condition it might not assume it."""
    return document(
        {
            "Sid": "EcrAssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": ECR_SERVICE},
            "Action": ["sts:AssumeRole"],
        }
    )


def template_role_policy(repository_arns: Iterable[str], key_arns: Iterable[str] = ()) -> PolicyDocument:
    """What ECR does as the role: create the replicated repositories and replicate into them and, for a
    key the user manages (its key policy must let this account's IAM policies allow it), the grants.
    A key ecr-share creates names the role in its own policy instead."""
    statements: list[Statement] = [
        {
            "Sid": SID_TEMPLATE_ECR,
            "Effect": "Allow",
            "Action": list(TEMPLATE_ROLE_ECR_ACTIONS),
            "Resource": sorted_unique(repository_arns),
        }
    ]
    keys = sorted_unique(key_arns)
    if keys:
        statements.append(
            {"Sid": SID_TEMPLATE_KMS, "Effect": "Allow", "Action": list(ECR_KMS_ACTIONS), "Resource": keys}
        )
    return document(*statements)
