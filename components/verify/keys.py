"""What ``verify`` says about the KMS keys that encrypt the shared images: what it evaluated and what
it could not (docs/kms.md).

Evaluated, for a key a plan creates: its key policy, as registered, against every account of the
report but the key's own (each granted account, each environment's, any other account), each with a
role whose own policy allows ``kms:*`` on ``*``: ``kms:Decrypt`` and ``kms:CreateGrant``, directly and
through ECR. None needs to succeed: ECR decrypts through the grants it creates on the key, so a puller
needs no KMS permission (ECR user guide encryption-at-rest.html). Any that succeeds is reported.

Not evaluated: the grants ECR creates (they exist only once a repository does); which of the key's
own account's roles may create repositories with it (their IAM policies are in no plan); and the
policy of a key given by ARN, alias or key ID, or of the AWS managed key, which no plan holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from components.aws.policy import document
from components.aws.rules import ecr_service_endpoint, partition_for
from components.encryption.resources import KMS_KEY
from components.plan.model import OutputRef, Resource, StackPlan
from components.replication.documents import template_for
from components.replication.resources import CREATION_TEMPLATE
from components.repositories.resources import REPOSITORY
from components.verify.deployments import Deployment
from components.verify.evaluator.documents import PolicyDocument
from components.verify.evaluator.evaluator import Decision, Principal, Request, evaluate
from components.verify.intended import Registry, registries

KMS_ADMIN_IDENTITY: PolicyDocument = document({"Effect": "Allow", "Action": "kms:*", "Resource": "*"})
CHECKED_ACTIONS = ("kms:Decrypt", "kms:CreateGrant")


@dataclass(frozen=True)
class Outsider:
    """An account other than the key's, as the report's rows name it."""

    label: str
    account_id: str
    role_arn: str


@dataclass(frozen=True)
class KeyUse:
    """The encryption of one registry's repositories."""

    registry: Registry
    repositories: tuple[str, ...]
    key: str
    """The planned key's resource key, or what the config names (ARN, alias, key ID), or "aws/ecr"."""
    created_by: str | None
    policy: str | None


def key_notes(deployment: Deployment, outsiders: Iterable[Outsider]) -> list[str]:
    outsiders = tuple(outsiders)
    notes = []
    for use in _key_uses(deployment):
        names = ", ".join(use.repositories)
        where = use.registry.label
        if use.policy is None:
            key = "the AWS managed key aws/ecr" if use.key == "aws/ecr" else f"the key {use.key}"
            notes.append(
                f"KMS: {names} ({where}) are encrypted with {key}, whose key policy is in no plan: not evaluated"
            )
            continue
        others = [o for o in outsiders if o.account_id != use.registry.account_id]
        allowed = _allowed(use, json.loads(use.policy), others)
        who = ", ".join(o.label for o in others) or "no other account"
        verdict = "denied" if not allowed else "ALLOWED for " + "; ".join(allowed) + " (no pull needs it)"
        notes.append(
            f"KMS: {names} ({where}) are encrypted with the key {use.key} of stack {use.created_by}: its key "
            f"policy lets only account {use.registry.account_id} use it, through ECR; evaluated "
            f"{' and '.join(CHECKED_ACTIONS)}, directly and through ECR, for {who}: {verdict}. Pulls need "
            "no KMS permission (ECR decrypts through the grants it creates on the key); not evaluated: "
            "those grants, and which roles of its own account may use the key"
        )
    return notes


def _allowed(use: KeyUse, policy: PolicyDocument, others: Iterable[Outsider]) -> list[str]:
    region, account = use.registry.region, use.registry.account_id
    key_arn = f"arn:{partition_for(region)}:kms:{region}:{account}:key/planned"
    found = []
    for other in others:
        principal = Principal(other.account_id, other.role_arn, identity_policies=(KMS_ADMIN_IDENTITY,))
        for action in CHECKED_ACTIONS:
            for through in (None, ecr_service_endpoint(region)):
                context = {"kms:CallerAccount": other.account_id}
                if through is not None:
                    context["kms:ViaService"] = through
                decision = evaluate(Request(principal, action, key_arn, account, policy, context)).decision
                if decision is not Decision.DENY:
                    found.append(f"{other.label} {action} ({decision.value})")
    return sorted(set(found))


def _key_uses(deployment: Deployment) -> list[KeyUse]:
    """Per registry, each key and the repositories it encrypts there, in the report's order."""
    found = []
    for registry in registries(deployment):
        by_key: dict[tuple[str, str | None, str | None], list[str]] = {}
        for name in registry.repositories:
            planned = _encryption(deployment.plans, registry, name)
            if planned is None or planned[0].get("encryption_type") != "KMS":
                continue
            encryption, plan = planned
            by_key.setdefault(_key_of(plan, encryption.get("kms_key")), []).append(name)
        found += [
            KeyUse(registry, tuple(names), ident, created_by, policy)
            for (ident, created_by, policy), names in by_key.items()
        ]
    return found


def _encryption(
    plans: Mapping[str, StackPlan], registry: Registry, name: str
) -> tuple[Mapping[str, Any], StackPlan] | None:
    """The encryption configuration a repository gets there: its own in the build registry, else the
    one of the creation template ECR applies to its replica."""
    if not registry.replica:
        for plan in plans.values():
            if (plan.account_id, plan.region) != (registry.account_id, registry.region):
                continue
            for repository in plan.of_type(REPOSITORY):
                if repository.inputs["name"] == name:
                    return repository.inputs["encryption_configurations"][0], plan
        return None
    templates: dict[str, tuple[StackPlan, Resource]] = {
        r.inputs["prefix"]: (plan, r)
        for plan in plans.values()
        if plan.account_id == registry.account_id
        for r in plan.of_type(CREATION_TEMPLATE)
        if plan.region_of(r) == registry.region
    }
    prefix = template_for(templates, name)
    if prefix is None:
        return None
    plan, template = templates[prefix]
    return template.inputs["encryption_configurations"][0], plan


def _key_of(plan: StackPlan, kms_key: Any) -> tuple[str, str | None, str | None]:
    """(what names the key, the stack that creates it, its key policy text)."""
    if isinstance(kms_key, OutputRef) and kms_key.resource.startswith(f"{KMS_KEY}::"):
        key = plan.resource(kms_key.resource)
        return key.name, plan.stack, str(key.inputs["policy"])
    if kms_key is None:
        return "aws/ecr", None, None
    return str(kms_key), None, None
