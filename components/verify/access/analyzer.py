"""``verify --access-analyzer``: a second opinion on every planned resource policy from IAM Access
Analyzer's custom policy checks, compared with the offline analysis.

What is asked (IAM user guide, access-analyzer-checks-validating-policies.html; API reference,
API_CheckNoPublicAccess.html and API_CheckAccessNotGranted.html):

- ``CheckNoPublicAccess`` of each planned repository, key and trust policy, with its resource type.
  Only the types of the model's ``AccessCheckResourceType`` are accepted ("For resource types not
  supported as valid values, IAM Access Analyzer will return an error"): the pinned botocore lists
  ``AWS::KMS::Key`` and ``AWS::IAM::AssumeRolePolicyDocument`` but no ECR type, so a repository
  policy (and a registry policy, which has no resource type at all) is reported as not asked.
  Offline, a policy is public when the stranger (a role of an account nobody granted, outside every
  organization) gets any access through it.
- ``CheckAccessNotGranted`` of each planned repository, replica-template and registry policy for each
  write and administration class (ECR-PUSH without the pull's companion, ECR-REPLICATE-IN,
  ECR-DELETE, ECR-ADMIN), and of each key policy for KMS-ADMIN: "If only actions are specified, IAM
  Access Analyzer checks for access to perform at least one of the actions on any resource in the
  policy", for any principal. Offline, the same question is whether any principal of the analysis
  gets one of those actions through a statement of that policy, meant or not.

A ``FAIL`` means the policy "might allow" the access (both checks are built on Zelkova, the automated
reasoning behind Access Analyzer's findings); ``PASS`` that it does not. A check judges one policy
alone: no identity policy, SCP or other resource policy, no intent. Each check is charged
(IAM Access Analyzer pricing). A disagreement with the offline answer is reported (exit code 1): one
of the two reasoners is wrong about a planned document, and neither says which.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    PartialCredentialsError,
    ProfileNotFound,
)

from components.consumers.resources import ROLE
from components.encryption.resources import KMS_KEY
from components.replication.resources import CREATION_TEMPLATE, REGISTRY_POLICY
from components.repositories.resources import REPOSITORY_POLICY
from components.verify.access.actions import ActionClass, class_actions, service_model
from components.verify.access.findings import Analysis, FindingStatus
from components.verify.access.intent import PULL_COMPANIONS
from components.verify.access.principals import RowKind
from components.verify.access.resources import AnalyzedResource, PolicyRef, ResourceKind
from components.verify.deployments import VerifyError
from components.verify.intended import EvaluatedDocument

NO_PUBLIC_ACCESS = "CheckNoPublicAccess"
ACCESS_NOT_GRANTED = "CheckAccessNotGranted"
PUBLIC = "public"
RESOURCE_TYPES = {
    ResourceKind.REPOSITORY: "AWS::ECR::Repository",
    ResourceKind.KEY: "AWS::KMS::Key",
    ResourceKind.ROLE: "AWS::IAM::AssumeRolePolicyDocument",
}
NOT_GRANTED_CLASSES = {
    ResourceKind.REPOSITORY: (
        ActionClass.PUSH,
        ActionClass.REPLICATE_IN,
        ActionClass.DELETE,
        ActionClass.ADMIN,
    ),
    ResourceKind.KEY: (ActionClass.KEY_ADMIN,),
}
POLICY_WORDS = {
    REPOSITORY_POLICY: "repository policy",
    CREATION_TEMPLATE: "creation template repository policy",
    REGISTRY_POLICY: "registry policy",
    KMS_KEY: "key policy",
    ROLE: "trust policy",
}
# The stranger rows: their access is what "public" means offline.
STRANGERS = (RowKind.STRANGER,)


def accepted_resource_types() -> frozenset[str]:
    """The resource types CheckNoPublicAccess takes, from the pinned botocore's model."""
    shapes = service_model("accessanalyzer")["shapes"]
    return frozenset(shapes["AccessCheckResourceType"]["enum"])


@dataclass(frozen=True)
class PlannedPolicy:
    """One planned resource policy, and the resources it decides access to."""

    document: EvaluatedDocument
    kind_words: str
    """What policy it is, for people: ``repository policy``, ``key policy``, ..."""
    kind: ResourceKind
    registry_policy: bool
    ids: frozenset[int]
    """The parsed documents (ids) the analysis evaluated for it."""
    labels: frozenset[str]
    """How the analysis's findings name it, on each resource it decides."""
    resources: tuple[AnalyzedResource, ...]

    @property
    def name(self) -> str:
        """Its planned resource's logical name and stack."""
        return f"{self.document.resource.split('::', 1)[1]} (stack {self.document.stack})"

    @property
    def label(self) -> str:
        return f"{self.kind_words} {self.name}"


@dataclass(frozen=True)
class Question:
    operation: str
    check: str
    """``public``, or the check ID of a class."""
    policy: PlannedPolicy
    actions: tuple[str, ...]
    offline: bool
    """The offline analysis's answer: public, or granted to some principal."""
    resource_type: str | None = None
    skipped: str | None = None
    """Why it is not asked."""

    def params(self) -> dict[str, Any]:
        if self.operation == NO_PUBLIC_ACCESS:
            return {"policyDocument": self.policy.document.text, "resourceType": self.resource_type}
        return {
            "policyDocument": self.policy.document.text,
            "access": [{"actions": list(self.actions)}],
            "policyType": "RESOURCE_POLICY",
        }


@dataclass(frozen=True)
class Opinion:
    question: Question
    result: str | None
    """``PASS`` or ``FAIL``; ``None`` when not asked."""
    reasons: tuple[str, ...] = ()

    @property
    def agrees(self) -> bool:
        return self.result is None or (self.result == "FAIL") == self.question.offline


def planned_policies(analysis: Analysis) -> list[PlannedPolicy]:
    """Each planned resource policy the analysis evaluated, once, with the resources it decides."""
    found: dict[tuple[str, str, str], tuple[PolicyRef, list[AnalyzedResource], set[int], set[str]]] = {}
    for resource in analysis.resources:
        for ref in resource.policies:
            if ref.planned is None:
                continue
            d = ref.planned
            entry = found.setdefault((d.stack, d.resource, d.input), (ref, [], set(), set()))
            entry[1].append(resource)
            entry[2].add(id(ref.document))
            entry[3].add(ref.label)
    return [
        PlannedPolicy(
            ref.planned,
            POLICY_WORDS.get(ref.planned.resource.split("::", 1)[0], "policy"),
            resources[0].kind,
            ref.label.startswith("registry policy"),
            frozenset(ids),
            frozenset(labels),
            tuple(resources),
        )
        for ref, resources, ids, labels in found.values()
        if ref.planned is not None
    ]


def questions(analysis: Analysis) -> list[Question]:
    accepted = accepted_resource_types()
    asked: list[Question] = []
    for policy in planned_policies(analysis):
        resource_type = None if policy.registry_policy else RESOURCE_TYPES[policy.kind]
        skipped = None
        if resource_type is None:
            skipped = "a registry policy has no resource type"
        elif resource_type not in accepted:
            skipped = f"CheckNoPublicAccess takes no {resource_type}"
        asked.append(
            Question(NO_PUBLIC_ACCESS, PUBLIC, policy, (), _public(analysis, policy), resource_type, skipped)
        )
        for klass in NOT_GRANTED_CLASSES.get(policy.kind, ()):
            actions = tuple(a for a in class_actions(klass).actions if a not in PULL_COMPANIONS)
            granted = any((i, a) in analysis.granted for i in policy.ids for a in actions)
            asked.append(Question(ACCESS_NOT_GRANTED, klass.check_id, policy, actions, granted))
    return asked


def _public(analysis: Analysis, policy: PlannedPolicy) -> bool:
    """Whether the offline analysis lets (or cannot rule out) a stranger in through this policy."""
    arns = {r.arn for r in policy.resources}
    for finding in analysis.findings:
        if finding.principal.kind not in STRANGERS or finding.resource.arn not in arns:
            continue
        if finding.status is FindingStatus.UNKNOWN or any(g.policy in policy.labels for g in finding.grants):
            return True
    return False


def ask(asked: Iterable[Question], client: Any) -> list[Opinion]:
    """Each question that can be asked, through an ``accessanalyzer`` client."""
    opinions = []
    for question in asked:
        if question.skipped is not None:
            opinions.append(Opinion(question, None))
            continue
        call = (
            client.check_no_public_access
            if question.operation == NO_PUBLIC_ACCESS
            else client.check_access_not_granted
        )
        response = call(**question.params())
        reasons = tuple(_reason(r) for r in response.get("reasons", ()))
        opinions.append(Opinion(question, str(response["result"]), reasons))
    return opinions


def _reason(reason: dict[str, Any]) -> str:
    where = reason.get("statementId") or (
        f"statement {reason['statementIndex'] + 1}" if "statementIndex" in reason else ""
    )
    text = str(reason.get("description", ""))
    return f"{where}: {text}" if where else text


@contextmanager
def aws_errors(where: str) -> Iterator[None]:
    """Credential and API failures as one sentence (exit code 2)."""
    try:
        yield
    except ProfileNotFound as error:
        raise VerifyError(
            f"no AWS credentials for IAM Access Analyzer ({where}): {error}. Configure that profile, pass "
            "--profile, or use --default-credentials"
        ) from None
    except (NoCredentialsError, PartialCredentialsError):
        raise VerifyError(
            f"no AWS credentials for IAM Access Analyzer ({where}): set up credentials (aws configure, "
            "AWS_PROFILE or environment variables) or run without --access-analyzer"
        ) from None
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        raise VerifyError(f"IAM Access Analyzer refused a check ({where}): {code}: {error}") from None
    except BotoCoreError as error:
        raise VerifyError(f"IAM Access Analyzer call failed ({where}): {error}") from None


def second_opinion(analysis: Analysis, client_for: Callable[[], Any], where: str) -> tuple[Opinion, ...]:
    asked = questions(analysis)
    with aws_errors(where):
        client = client_for()
        return tuple(ask(asked, client))


def opinion_json(opinion: Opinion) -> dict[str, Any]:
    q = opinion.question
    d = q.policy.document
    return {
        "operation": q.operation,
        "check": q.check,
        "document": {"stack": d.stack, "resource": d.resource, "input": d.input},
        "resourceType": q.resource_type,
        "actions": list(q.actions),
        "result": opinion.result,
        "offline": "FAIL" if q.offline else "PASS",
        "agrees": opinion.agrees,
        "skipped": q.skipped,
        "reasons": list(opinion.reasons),
    }
