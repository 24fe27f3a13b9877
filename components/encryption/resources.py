"""The key and the creation-template role, as plain ``Resource`` records. The repositories and
replication components register them as their own children."""

from __future__ import annotations

from typing import Any

from components.aws import rules
from components.aws.names import role_arn
from components.aws.policy import canonical_json
from components.consumers.resources import ROLE, ROLE_POLICY
from components.encryption.documents import key_policy, template_role_policy, template_role_trust_policy
from components.plan.model import Resource

KMS_KEY = "aws:kms/key:Key"
TEMPLATE_ROLE_POLICY_NAME = "ecr-share-replica-templates"


def template_role_name(stack: str, region: str) -> str:
    """One role per stack and Region whose creation templates encrypt with KMS (IAM names are global
    to the account, so the stack and Region are in the name)."""
    return f"ecr-share-{stack}-replicas-{region}"


def kms_key_resource(
    name: str,
    parent: str,
    *,
    account_id: str,
    region: str,
    deletion_window_days: int,
    description: str,
    template_role: str | None = None,
    depends_on: tuple[str, ...] = (),
    other_region: bool = False,
) -> Resource:
    """An enabled symmetric encryption key of one Region with rotation on, a deletion window, and
    protection: deleting it would make every image it encrypts unreadable."""
    inputs: dict[str, Any] = {
        "description": description,
        "customer_master_key_spec": rules.KMS_KEY_SPEC,
        "key_usage": rules.KMS_KEY_USAGE,
        "multi_region": False,
        "is_enabled": True,
        "enable_key_rotation": True,
        "deletion_window_in_days": deletion_window_days,
        "policy": canonical_json(
            key_policy(
                account_id,
                region,
                None if template_role is None else role_arn(region, account_id, template_role),
            )
        ),
    }
    if other_region:
        inputs["region"] = region
    return Resource(KMS_KEY, name, inputs, parent=parent, depends_on=depends_on, protect=True)


def template_role_resources(
    name: str,
    parent: str,
    *,
    role_name: str,
    repository_arns: list[str],
    key_arns: list[str],
) -> tuple[Resource, Resource]:
    role = Resource(
        ROLE,
        name,
        {
            "name": role_name,
            "assume_role_policy": canonical_json(template_role_trust_policy()),
            "description": "ecr-share: lets ECR create KMS-encrypted replicas from creation templates",
        },
        parent=parent,
    )
    policy = Resource(
        ROLE_POLICY,
        f"{name}-policy",
        {
            "name": TEMPLATE_ROLE_POLICY_NAME,
            "role": role_name,
            "policy": canonical_json(template_role_policy(repository_arns, key_arns)),
        },
        parent=role.key,
        depends_on=(role.key,),
    )
    return role, policy
