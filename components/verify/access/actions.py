"""The action classes of the access analysis, each a set of operations of botocore's service model.

Every ECR and KMS operation of the pinned botocore's ``service-2.json`` lands in exactly one class
(``tests/verify/access/test_actions.py`` fails when botocore adds one that is not): the classes the
analysis evaluates, or the read-only one it does not (metadata: names, tags, settings, findings).

An operation's IAM action is ``<service prefix>:<operation name>`` ("When you use an action in a
policy, you usually allow or deny access to the API operation or CLI command with the same name",
Service Authorization Reference, list_amazonelasticcontainerregistry.html and list_awskeymanagement
service.html), except where ``IAM_ACTION_EXCEPTIONS`` says otherwise. ECR also has permission-only
actions, with no API operation: ``ecr:ReplicateImage`` and ``ecr:BatchImportUpstreamImage`` (same
reference, "[permission only]"), which a registry policy grants (ECR user guide,
registry-permissions.html).

Which request can reach another account's resource is read off the model too: an ECR operation whose
input names a repository (``repositoryName``, or ``resourceArn`` for tags) or another registry
(``registryId``), a KMS operation whose input names a key (``KeyId``, ``TargetKeyId``,
``SourceKeyId``, ``DestinationKeyId``). The others act on the caller's own registry or account only,
so only that account can use them there: the analysis does not evaluate them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from functools import cache
from typing import Any

import botocore
import botocore.loaders


class ActionClass(Enum):
    """A class of access; the value is the stable check ID reports and JSON use."""

    PULL = "ECR-PULL"
    PUSH = "ECR-PUSH"
    REPLICATE_IN = "ECR-REPLICATE-IN"
    DELETE = "ECR-DELETE"
    ADMIN = "ECR-ADMIN"
    READ = "ECR-READ"
    KEY_USE = "KMS-USE"
    KEY_ADMIN = "KMS-ADMIN"
    KEY_READ = "KMS-READ"
    ASSUME = "IAM-ASSUME"
    SECRET_READ = "SECRETSMANAGER-READ"
    PARAMETER_READ = "SSM-READ"

    @property
    def check_id(self) -> str:
        return self.value


# A pull that gets one of the image's manifest and layers but not the other (reported on its own).
PARTIAL_PULL_CHECK = "ECR-PULL-PARTIAL"


@dataclass(frozen=True)
class ClassSpec:
    klass: ActionClass
    service: str
    """The botocore service name (``ecr``, ``kms``, ``sts``); also the IAM service prefix."""
    operations: tuple[str, ...]
    """Operations of the service model."""
    source: str
    """Why these operations are this class: the AWS page (or model documentation) it follows."""
    permission_only: tuple[str, ...] = ()
    """IAM actions of the class that are no operation (ECR's permission-only actions)."""
    evaluated: bool = True
    """Read-only classes are listed, so every operation has a class, but not evaluated."""
    what: str = ""
    """For people: what an allowed access of this class lets a principal do."""


CLASSES: tuple[ClassSpec, ...] = (
    ClassSpec(
        ActionClass.PULL,
        "ecr",
        ("GetAuthorizationToken", "BatchGetImage", "GetDownloadUrlForLayer"),
        "AWS managed policy AmazonEC2ContainerRegistryPullOnly; ECR model docs: BatchGetImage gets the "
        "manifest, GetDownloadUrlForLayer each layer not cached, GetAuthorizationToken the registry login "
        "(aws-facts 2.5). BatchCheckLayerAvailability is a push-side call",
        what="pull images",
    ),
    ClassSpec(
        ActionClass.PUSH,
        "ecr",
        (
            "BatchCheckLayerAvailability",
            "InitiateLayerUpload",
            "UploadLayerPart",
            "CompleteLayerUpload",
            "PutImage",
        ),
        "ECR user guide repository-policy-examples.html, AllowCrossAccountPush",
        what="push images",
    ),
    ClassSpec(
        ActionClass.REPLICATE_IN,
        "ecr",
        ("CreateRepository",),
        "ECR user guide registry-permissions.html: ReplicateImage (replicate into this registry), "
        "BatchImportUpstreamImage (import into it), CreateRepository (create the repository they land "
        "in); the first two are permission-only (Service Authorization Reference)",
        permission_only=("ReplicateImage", "BatchImportUpstreamImage"),
        what="create repositories and replicate or import images into them",
    ),
    ClassSpec(
        ActionClass.DELETE,
        "ecr",
        ("DeleteRepository", "BatchDeleteImage", "UpdateImageStorageClass"),
        "ECR model docs: DeleteRepository, BatchDeleteImage; UpdateImageStorageClass moves images to the "
        "archive, where they cannot be pulled until restored",
        what="delete or archive images or repositories",
    ),
    ClassSpec(
        ActionClass.ADMIN,
        "ecr",
        (
            "SetRepositoryPolicy",
            "DeleteRepositoryPolicy",
            "PutLifecyclePolicy",
            "DeleteLifecyclePolicy",
            "PutImageTagMutability",
            "PutImageScanningConfiguration",
            "StartImageScan",
            "TagResource",
            "UntagResource",
            "PutRegistryPolicy",
            "DeleteRegistryPolicy",
            "PutReplicationConfiguration",
            "StartReplicationBackfill",
            "StopReplicationBackfill",
            "PutRegistryScanningConfiguration",
            "CreateRepositoryCreationTemplate",
            "UpdateRepositoryCreationTemplate",
            "DeleteRepositoryCreationTemplate",
            "CreatePullThroughCacheRule",
            "UpdatePullThroughCacheRule",
            "DeletePullThroughCacheRule",
            "PutAccountSetting",
            "PutSigningConfiguration",
            "DeleteSigningConfiguration",
            "RegisterPullTimeUpdateExclusion",
            "DeregisterPullTimeUpdateExclusion",
        ),
        "ECR model docs: each changes a policy, a repository or registry setting, tags, creation "
        "templates, pull-through cache rules or account settings",
        what="change policies and settings",
    ),
    ClassSpec(
        ActionClass.READ,
        "ecr",
        (
            "BatchGetRepositoryScanningConfiguration",
            "DescribeImageReplicationStatus",
            "DescribeImageScanFindings",
            "DescribeImageSigningStatus",
            "DescribeImages",
            "DescribePullThroughCacheRules",
            "DescribeRegistry",
            "DescribeReplicationBackfillResults",
            "DescribeRepositories",
            "DescribeRepositoryCreationTemplates",
            "GetAccountSetting",
            "GetLifecyclePolicy",
            "GetLifecyclePolicyPreview",
            "GetRegistryPolicy",
            "GetRegistryScanningConfiguration",
            "GetRepositoryPolicy",
            "GetSigningConfiguration",
            "ListImageReferrers",
            "ListImages",
            "ListPullTimeUpdateExclusions",
            "ListReplicationBackfills",
            "ListTagsForResource",
            "StartLifecyclePolicyPreview",
            "ValidatePullThroughCacheRule",
        ),
        "ECR model docs: each reads metadata (a lifecycle preview changes nothing)",
        evaluated=False,
        what="read metadata",
    ),
    ClassSpec(
        ActionClass.KEY_USE,
        "kms",
        (
            "Decrypt",
            "Encrypt",
            "ReEncrypt",
            "GenerateDataKey",
            "GenerateDataKeyWithoutPlaintext",
            "GenerateDataKeyPair",
            "GenerateDataKeyPairWithoutPlaintext",
            "GenerateMac",
            "VerifyMac",
            "Sign",
            "Verify",
            "DeriveSharedSecret",
            "Encapsulate",
            "Decapsulate",
            "CreateGrant",
            "RetireGrant",
        ),
        "KMS developer guide kms-cryptography.html#cryptographic-operations and grants.html: the "
        "cryptographic operations, and the grants that give them to others (ECR pulls through its grants)",
        what="use the key (decrypt, encrypt, create grants)",
    ),
    ClassSpec(
        ActionClass.KEY_ADMIN,
        "kms",
        (
            "PutKeyPolicy",
            "ScheduleKeyDeletion",
            "CancelKeyDeletion",
            "DisableKey",
            "EnableKey",
            "DisableKeyRotation",
            "EnableKeyRotation",
            "RotateKeyOnDemand",
            "RevokeGrant",
            "CreateAlias",
            "UpdateAlias",
            "DeleteAlias",
            "TagResource",
            "UntagResource",
            "UpdateKeyDescription",
            "UpdatePrimaryRegion",
            "ReplicateKey",
            "GetParametersForImport",
            "ImportKeyMaterial",
            "DeleteImportedKeyMaterial",
            "CreateKey",
            "CreateCustomKeyStore",
            "ConnectCustomKeyStore",
            "DisconnectCustomKeyStore",
            "UpdateCustomKeyStore",
            "DeleteCustomKeyStore",
        ),
        "KMS developer guide key-policy-default.html (key administrators) and the KMS model docs",
        what="administer the key (its policy, state, deletion, aliases, key material)",
    ),
    ClassSpec(
        ActionClass.KEY_READ,
        "kms",
        (
            "DescribeKey",
            "GetKeyPolicy",
            "GetKeyRotationStatus",
            "GetKeyLastUsage",
            "GetPublicKey",
            "ListAliases",
            "ListGrants",
            "ListKeyPolicies",
            "ListKeyRotations",
            "ListKeys",
            "ListResourceTags",
            "ListRetirableGrants",
            "DescribeCustomKeyStores",
            "GenerateRandom",
        ),
        "KMS model docs: each reads metadata (GenerateRandom uses no key)",
        evaluated=False,
        what="read key metadata",
    ),
    ClassSpec(
        ActionClass.ASSUME,
        "sts",
        ("AssumeRole",),
        "IAM user guide id_roles_use.html: a role's trust policy says who may assume it (federated "
        "assumption, AssumeRoleWithSAML/WebIdentity, needs a Federated principal: not evaluated)",
        what="assume the role",
    ),
    ClassSpec(
        ActionClass.SECRET_READ,
        "secretsmanager",
        ("GetSecretValue",),
        "Secrets Manager user guide reference_iam-permissions.html and the GetSecretValue and "
        "BatchGetSecretValue API references: reading a secret's value is GetSecretValue (the batch call "
        "needs it on each secret too); ECS developer guide secrets-envvar-secrets-manager.html",
        what="read the secret's value",
    ),
    ClassSpec(
        ActionClass.PARAMETER_READ,
        "ssm",
        ("GetParameter", "GetParameters", "GetParametersByPath", "GetParameterHistory"),
        "Systems Manager model docs: each returns a parameter's value (decrypted WithDecryption); ECS "
        "developer guide secrets-envvar-ssm-paramstore.html: the execution role needs ssm:GetParameters",
        what="read the parameter's value",
    ),
)
# Services whose every operation must have a class (the ones whose resources the plans create
# policies for); sts only contributes AssumeRole, the one way a role's trust policy is used; of
# secretsmanager and ssm, the analysis asks who can read the values of the secrets and parameters the
# task definitions name (the plans create neither, nor their policies).
COMPLETE_SERVICES = ("ecr", "kms")
# Operations whose IAM action is not ``prefix:Operation`` (KMS developer guide, key-policy-default.html:
# "kms:ReEncrypt* ... ReEncryptFrom and ReEncryptTo").
IAM_ACTION_EXCEPTIONS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("kms", "ReEncrypt"): ("kms:ReEncryptFrom", "kms:ReEncryptTo"),
}
_REACHING_INPUTS = {
    "ecr": frozenset({"repositoryName", "resourceArn", "registryId"}),
    "kms": frozenset({"KeyId", "TargetKeyId", "SourceKeyId", "DestinationKeyId"}),
    "sts": frozenset({"RoleArn"}),
    "secretsmanager": frozenset({"SecretId", "SecretIdList"}),
    "ssm": frozenset({"Name", "Names", "Path"}),
}


def spec(klass: ActionClass) -> ClassSpec:
    return next(s for s in CLASSES if s.klass is klass)


@cache
def service_model(service: str) -> Mapping[str, Any]:
    """The pinned botocore's ``service-2.json`` of a service (``botocore.loaders``)."""
    return botocore.loaders.Loader().load_service_model(service, "service-2")  # type: ignore[no-any-return]


def botocore_version() -> str:
    return str(botocore.__version__)


def operations(service: str) -> tuple[str, ...]:
    return tuple(sorted(service_model(service)["operations"]))


def unclassified(service: str) -> list[str]:
    """Operations of the model that no class holds (a new botocore: classify them)."""
    classified = {op for s in CLASSES if s.service == service for op in s.operations}
    return [op for op in operations(service) if op not in classified]


def misclassified(service: str) -> list[str]:
    """Class operations the model does not have, or that two classes hold."""
    seen: dict[str, int] = {}
    for s in CLASSES:
        if s.service == service:
            for op in s.operations:
                seen[op] = seen.get(op, 0) + 1
    known = set(operations(service))
    return sorted(op for op, n in seen.items() if n > 1 or op not in known)


def iam_actions_of(service: str, operation: str) -> tuple[str, ...]:
    return IAM_ACTION_EXCEPTIONS.get((service, operation), (f"{service}:{operation}",))


def reaches_other_accounts(service: str, operation: str) -> bool:
    """Whether the operation's input can name another account's resource (see the module doc)."""
    model = service_model(service)
    shape = model["operations"][operation].get("input", {}).get("shape")
    members = model["shapes"][shape]["members"] if shape else {}
    return bool(_REACHING_INPUTS[service] & set(members))


@dataclass(frozen=True)
class ClassActions:
    klass: ActionClass
    actions: tuple[str, ...]
    """The IAM actions evaluated: of the operations that can reach another account's resource, and
    the permission-only ones."""
    own_only: tuple[str, ...]
    """IAM actions of operations that act on the caller's own registry or account only."""


@cache
def class_actions(klass: ActionClass) -> ClassActions:
    s = spec(klass)
    evaluated: list[str] = []
    own: list[str] = []
    for operation in s.operations:
        actions = iam_actions_of(s.service, operation)
        (evaluated if reaches_other_accounts(s.service, operation) else own).extend(actions)
    evaluated += [f"{s.service}:{action}" for action in s.permission_only]
    return ClassActions(klass, tuple(evaluated), tuple(own))


def all_iam_actions(klass: ActionClass) -> tuple[str, ...]:
    found = class_actions(klass)
    return (*found.actions, *found.own_only)


AUTHORIZATION = "ecr:GetAuthorizationToken"
"""The pull's login: an own-account call (no registry in its request), on ``Resource "*"``."""
PULL_IMAGE_ACTIONS = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
"""What a pull asks of the repository: the manifest, then each layer."""
REPOSITORY_CLASSES = (
    ActionClass.PULL,
    ActionClass.PUSH,
    ActionClass.REPLICATE_IN,
    ActionClass.DELETE,
    ActionClass.ADMIN,
)
KEY_CLASSES = (ActionClass.KEY_USE, ActionClass.KEY_ADMIN)
ROLE_CLASSES = (ActionClass.ASSUME,)
SECRET_CLASSES = (ActionClass.SECRET_READ,)
PARAMETER_CLASSES = (ActionClass.PARAMETER_READ,)
