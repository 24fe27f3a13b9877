"""AWS limits, formats and action sets: the one place each rule lives, with its source.

Each rule names its source: the AWS API model (botocore ``service-2.json``) or the AWS documentation
page it comes from ("aws-facts §n" points into the research notes the project was built from).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, cast


class _PatternOnUse:
    """A regular expression compiled when first used, then answering as the compiled one: its
    methods and attributes are the compiled pattern's, cached on first access."""

    def __init__(self, source: str, flags: int) -> None:
        self.pattern = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        value = getattr(re.compile(self.pattern, self._flags), name)
        setattr(self, name, value)  # later lookups find it without __getattr__
        return value

    def __repr__(self) -> str:
        return repr(re.compile(self.pattern, self._flags))

    # Equal to, and hashed as, the compiled pattern (a dataclass holding one compares the same).
    def __eq__(self, other: object) -> bool:
        compiled = re.compile(self.pattern, self._flags)
        return compiled == (
            re.compile(other.pattern, other._flags) if isinstance(other, _PatternOnUse) else other
        )

    def __hash__(self) -> int:
        return hash(re.compile(self.pattern, self._flags))


def lazy_pattern(source: str, flags: int = 0) -> re.Pattern[str]:
    """``re.compile(source, flags)``, compiled on first use instead of when its module is imported:
    the one way the modules a stack's program loads define a module-level pattern. Compiling costs
    about 0.4 to 0.6 M instructions a pattern, and a program uses few of them: the committed prod
    stack 15 of the 56 its modules define (the partitions' Region patterns included). Use its
    methods (``fullmatch``, ``match``, ``search``, ``sub``...), ``pattern``, ``==`` and ``hash`` as
    the compiled pattern's; it is no ``re.Pattern`` instance, so not for ``isinstance`` or the
    ``re`` module's functions."""
    return cast("re.Pattern[str]", _PatternOnUse(source, flags))


# Pull actions, exactly the seed's step 1 set. BatchCheckLayerAvailability is kept because
# the ECS task execution managed policy and the seed both include it (aws-facts §2.5).
PULL_ACTIONS: tuple[str, ...] = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
# GetAuthorizationToken has no resource type, so Resource must be "*", and only an identity
# policy can grant it (ECR user guide, repository-policies.md; aws-facts §2.4).
AUTH_ACTION = "ecr:GetAuthorizationToken"
# The awslogs driver creates streams and writes events; the group itself is ours to create.
LOG_WRITE_ACTIONS: tuple[str, ...] = ("logs:CreateLogStream", "logs:PutLogEvents")

ECS_TASKS_SERVICE = "ecs-tasks.amazonaws.com"
# A container-image Lambda function's image is pulled by the Lambda service principal, with these two
# actions only, and only from a repository in the function's own Region (AWS Lambda developer guide,
# configuration-images.html "Amazon ECR permissions" and "Amazon ECR cross-account permissions";
# lambda-images.html: "The Amazon ECR repository must be in the same AWS Region as the Lambda
# function"). The identities that create or update a function from another account's image need the
# same two actions on the repository (same page: the CrossAccountPermission statement).
LAMBDA_SERVICE = "lambda.amazonaws.com"
LAMBDA_PULL_ACTIONS: tuple[str, ...] = ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer")
POLICY_VERSION = "2012-10-17"

# ECR model RepositoryPolicyText / RegistryPolicyText: at most 10,240 characters.
REPOSITORY_POLICY_MAX_CHARS = 10_240
# IAM quotas (reference_iam-quotas.html; aws-facts §0), whitespace not counted: a role's inline
# policies together, and each customer managed policy.
ROLE_INLINE_POLICY_MAX_CHARS = 10_240
MANAGED_POLICY_MAX_CHARS = 6_144
# Managed policies attached to one role: 10 by default, raised to at most 20 only on request
# (IAM quotas page; re:Post knowledge-center/iam-increase-policy-size). Plans keep to the default.
ROLE_MANAGED_POLICIES_MAX = 10

# ASCII digits only: \d also matches other scripts' digits (fullwidth, Arabic-Indic...), which AWS refuses.
ACCOUNT_ID = lazy_pattern(r"[0-9]{12}")
ORGANIZATION_ID = lazy_pattern(r"o-[a-z0-9]{10,32}")
# aws:PrincipalOrgPaths entry: org/root/ou.../ with a trailing slash, optionally ending in * or ou-*
# (IAM condition keys doc; aws-facts §2.3, inferred from the Organizations ID patterns).
ORGANIZATION_PATH = lazy_pattern(
    r"o-[a-z0-9]{10,32}/(\*|r-[0-9a-z]{4,32}(/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})*/(\*|ou-\*)?)"
)
# The stricter pre-2026 ECR RepositoryName pattern: a subset of the current one, so every name it
# accepts is valid in every Region and SDK version (aws-facts §1.1). Length 2-256.
REPOSITORY_NAME = lazy_pattern(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")
REPOSITORY_NAME_LENGTH = (2, 256)
# Every name ECR itself accepts (the model's RepositoryName since 2026-02-25: "__" and runs of "-" too;
# aws-facts §1.1). ecr-share names its own repositories by REPOSITORY_NAME, but a registry may hold
# others: what another account could create, or a wildcard could match, is judged against this one
# (``aws.globs``).
ECR_REPOSITORY_NAME = lazy_pattern(
    r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*"
)
# Docker/OCI reference grammar for tags (distribution/reference); stricter than ECR's 1-300.
IMAGE_TAG = lazy_pattern(r"[\w][\w.-]{0,127}", re.ASCII)
IMAGE_DIGEST = lazy_pattern(r"sha256:[0-9a-f]{64}")
# An AWS Signer signing profile ARN, as ECR managed signing names it (botocore ecr 2015-09-21,
# shape SigningProfileArn: pattern and max 200).
SIGNING_PROFILE_ARN = lazy_pattern(
    r"arn:aws(-[a-z]+)*:signer:[a-z0-9-]+:[0-9]{12}:/signing-profiles/[a-zA-Z0-9_]{2,}"
)
SIGNING_PROFILE_ARN_MAX_CHARS = 200
# ECS ContainerDefinition.image: at most 255 characters before any "@digest".
IMAGE_REFERENCE_MAX_CHARS = 255
# Region names come from the partitions below; ECR's model allows any [0-9a-z-]{2,25}.
# ECS task definition family: up to 255 letters, numbers, underscores and hyphens.
TASK_FAMILY = lazy_pattern(r"[A-Za-z0-9_-]{1,255}")
# IAM role names: 1-64 of [\w+=,.@-].
ROLE_NAME = lazy_pattern(r"[\w+=,.@-]{1,64}", re.ASCII)
# An IAM role ARN, split into partition, account, path and name: arn:<partition>:iam::<account>:role
# <path><name> (IAM identifiers page, "IAM ARNs"). The path is "/" or "/" + printable ASCII + "/", at
# most 512 characters (IAM model pathType).
ROLE_ARN = lazy_pattern(r"arn:([^:]*):iam::([^:]*):role(/(?:.*/)?)([^/]*)")
ROLE_PATH = lazy_pattern(r"/(?:[!-~]+/)?")
ROLE_PATH_MAX_CHARS = 512
# Service-linked roles live on this path; IAM does not let anyone change their permissions (IAM user
# guide, using-service-linked-roles.html), so a policy cannot be attached to one.
SERVICE_LINKED_ROLE_PATH = "/aws-service-role/"
# IAM customer managed policies: names 1-128 of [\w+=,.@-] (IAM model policyNameType), documents at most
# 6,144 characters, whitespace not counted (IAM quotas; aws-facts §0).
POLICY_NAME = lazy_pattern(r"[\w+=,.@-]{1,128}", re.ASCII)
MANAGED_POLICY_MAX_CHARS = 6_144

# ECR model ImageTagMutability. The two *_WITH_EXCLUSION values need 1 to 5 exclusion filters
# (ImageTagMutabilityExclusionFilters); the other two take none (aws-facts §5).
IMAGE_TAG_MUTABILITY = ("IMMUTABLE", "MUTABLE", "IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
WITH_EXCLUSION = ("IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION")
# ECR model ImageTagMutabilityExclusionFilterValue: WILDCARD filters of this pattern, 1 to 5 of them;
# pulumi-aws 7.51.1 docs (ecr/_inputs.py): "can contain a maximum of 2 wildcards (*)".
EXCLUSION_FILTER = lazy_pattern(r"[0-9a-zA-Z._*-]{1,128}")
EXCLUSION_FILTERS_MAX = 5
EXCLUSION_FILTER_MAX_WILDCARDS = 2
EXCLUSION_FILTER_TYPE = "WILDCARD"

# Lifecycle policies (ECR model LifecyclePolicyText; ECR user guide lifecycle_policy_parameters.html):
# 100 to 30,720 characters; each rule has a unique rulePriority >= 1 (lowest applied first);
# "tagged" rules need a tagPrefixList, "untagged" rules must have none; countNumber is a positive
# integer; sinceImagePushed counts in days. Tag prefixes follow the Docker tag grammar.
LIFECYCLE_POLICY_LENGTH = (100, 30_720)
LIFECYCLE_TAG_PREFIX = lazy_pattern(r"[\w][\w.-]{0,127}", re.ASCII)
# countNumber is an integer of at least 1 (ECR model LifecyclePolicy rule, lifecycle docs). The upper
# bounds are ecr-share's, not AWS's: they catch a typo (1000000 days) before it becomes a policy.
LIFECYCLE_MAX_DAYS = 3_650
LIFECYCLE_MAX_IMAGES = 10_000
# A lifecycle policy given as text (a component arg), by the same page: tagStatus is one of these;
# "tagged" needs a tagPrefixList or a tagPatternList, "untagged" neither; a "any" rule has the highest
# rulePriority; each tagPatternList string has at most 4 wildcards; an age (a countType since...) is
# counted in countUnit "days", a count (imageCountMoreThan) takes no countUnit. The countType, action
# type and storage class values themselves are left to ECR: it added sinceImagePulled,
# sinceImageTransitioned and the "transition" action with the archive storage class, and it evaluates
# the text before associating it with a repository (lifecycle_policy_examples.html).
LIFECYCLE_TAG_STATUSES = ("tagged", "untagged", "any")
LIFECYCLE_TAG_LISTS = ("tagPrefixList", "tagPatternList")
LIFECYCLE_TAG_PATTERN_MAX_WILDCARDS = 4
LIFECYCLE_COUNT_UNIT = "days"

# ARNs the components take as args, by the formats of the Service Authorization Reference ("Resource
# types defined by" ECR, IAM and CloudWatch Logs): partition, Region, account, then the resource.
# The Region part is checked as a Region name on its own, the name part by its own rule above.
REPOSITORY_ARN = lazy_pattern(
    r"arn:(?P<partition>aws[a-z-]*):ecr:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):repository/(?P<name>[!-~]+)"
)
# What the awslogs driver's stream actions are authorized on: a log group's streams, ":*" after the
# group's name (1 to 512 of [.-_/#A-Za-z0-9], CloudWatch Logs CreateLogGroup).
LOG_GROUP_STREAMS_ARN = lazy_pattern(
    r"arn:(?P<partition>aws[a-z-]*):logs:(?P<region>[a-z0-9-]+):(?P<account>[0-9]{12}):"
    r"log-group:[._/#A-Za-z0-9-]{1,512}:\*"
)

# Replication (ECR user guide replication.md, quotas page; aws-facts §0, §1.3). The ECR docs allow 10
# rules per configuration (the botocore model has since allowed 25: keep the documented, stricter
# limit) and 25 unique destinations across all rules (awsdocs/amazon-ecr-user-guide PR #45).
REPLICATION_MAX_RULES = 10
REPLICATION_MAX_DESTINATIONS = 25
# ECR model RepositoryFilterList / RepositoryFilterValue: 1-100 PREFIX_MATCH filters per rule,
# each 2-256 characters of this pattern. A filter is a plain string prefix of repository names.
REPLICATION_MAX_FILTERS_PER_RULE = 100
REPLICATION_FILTER = lazy_pattern(r"(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*")
REPLICATION_FILTER_LENGTH = (2, 256)
REPLICATION_FILTER_TYPE = "PREFIX_MATCH"
# The destination registry policy: exactly what replication needs, both valid under registry policy
# scope V1 and V2 (ECR registry-permissions-create-replication.html; aws-facts §4.2).
REPLICATION_ACTIONS: tuple[str, ...] = ("ecr:CreateRepository", "ecr:ReplicateImage")
# A registry policy Resource for replication; an ARN missing "ecr:" was accepted by ECR and then
# failed with DESTINATION_REGISTRY_ACCESS_DENIED (aws/containers-roadmap#2675; aws-facts §4.2).
REGISTRY_POLICY_RESOURCE = lazy_pattern(r"arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[!-~]+")
REGISTRY_POLICY_MAX_CHARS = 10_240
# Repository creation templates (ECR model CreateRepositoryCreationTemplateRequest; aws-facts §4.4).
# A template prefix is a namespace ("prod" applies to "prod/..."); ROOT catches every repository no
# other template matches.
TEMPLATE_ROOT = "ROOT"
TEMPLATE_APPLIED_FOR_REPLICATION = "REPLICATION"
TEMPLATE_DESCRIPTION_MAX_CHARS = 256
# Registry scanning (botocore 1.44.8 ecr/2015-09-21 service-2.json, PutRegistryScanningConfiguration:
# ScanType, RegistryScanningRuleList max 2, ScanFrequency, ScanningRepositoryFilterList max 100,
# ScanningRepositoryFilterValue 1-255 characters of this pattern, ScanningRepositoryFilterType
# WILDCARD). RegistryScanningRule.scanFrequency doc: "When the ENHANCED scan type is specified, the
# supported scan frequencies are CONTINUOUS_SCAN and SCAN_ON_PUSH. When the BASIC scan type is
# specified, the SCAN_ON_PUSH scan frequency is supported. If scan on push is not specified, then the
# MANUAL scan frequency is set by default." MANUAL as an explicit BASIC rule is inferred from the enum.
SCAN_TYPES = ("BASIC", "ENHANCED")
SCAN_FREQUENCIES: dict[str, tuple[str, ...]] = {
    "BASIC": ("SCAN_ON_PUSH", "MANUAL"),
    "ENHANCED": ("SCAN_ON_PUSH", "CONTINUOUS_SCAN"),
}
SCANNING_MAX_RULES = 2
SCANNING_FILTER = lazy_pattern(r"[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*")
SCANNING_FILTER_LENGTH = (1, 255)
SCANNING_MAX_FILTERS_PER_RULE = 100
SCANNING_FILTER_TYPE = "WILDCARD"
# Registry policy statements beyond replication's: the registry permissions ECR enforces under
# registry policy scope V1, so valid under V1 and V2 ("Amazon ECR only enforces the following
# permissions at the private registry level: ecr:ReplicateImage, ecr:BatchImportUpstreamImage,
# ecr:CreateRepository", ECR registry-permissions.html; aws-facts §4.2, §4.3). Replication and
# pull-through cache need nothing else there; repository access belongs in repository policies.
REGISTRY_POLICY_ACTIONS: tuple[str, ...] = (
    "ecr:BatchImportUpstreamImage",
    "ecr:CreateRepository",
    "ecr:ReplicateImage",
)
# IAM policy elements, Sid: "supports ASCII uppercase letters (A-Z), lowercase letters (a-z), and
# numbers (0-9)" (IAM reference_policies_elements_sid.html).
STATEMENT_SID = lazy_pattern(r"[A-Za-z0-9]{1,128}")
# An IAM principal a registry policy may name: an account's root, a role or a user, by ARN (IAM
# reference_policies_elements_principal.html; role and user names per the IAM model's patterns).
IAM_PRINCIPAL_ARN = lazy_pattern(
    r"arn:(aws[a-z-]*):iam::([0-9]{12}):(root|(?:role|user)/(?:[\x21-\x7e]*/)?[\w+=,.@-]{1,64})",
    re.ASCII,
)
# A condition operator (StringEquals, ForAnyValue:StringLike, ...IfExists) and a condition key
# (aws:SourceArn, ecr:ResourceTag/team): IAM reference_policies_elements_condition_operators.html.
CONDITION_OPERATOR = lazy_pattern(r"(?:(?:ForAnyValue|ForAllValues):)?[A-Za-z]{2,40}")
CONDITION_KEY = lazy_pattern(r"[A-Za-z0-9]{2,20}:[\x21-\x7e]{1,200}")
ENCRYPTION_TYPES = ("AES256", "KMS")
# ECR EncryptionConfiguration.kmsKey: "the alias, key ID, or full ARN of the KMS key", in the
# repository's Region. Formats from the KMS developer guide, "Key identifiers (KeyId)": a key ID is a
# UUID, or "mrk-" and 32 hex digits for a multi-Region key; an alias name is "alias/" then letters,
# digits, "/", "_" or "-" (KMS CreateAlias AliasName, at most 256 characters in all).
KMS_KEY_ID = r"(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
KMS_ALIAS_NAME = r"alias/[A-Za-z0-9/_-]{1,250}"
KMS_KEY = lazy_pattern(rf"{KMS_KEY_ID}|{KMS_ALIAS_NAME}")
KMS_ARN = lazy_pattern(
    rf"arn:(aws[a-z-]*):kms:([a-z0-9-]+):([0-9]{{12}}):(?:key/{KMS_KEY_ID}|{KMS_ALIAS_NAME})"
)
# ECR model KmsKeyForRepositoryCreationTemplate: a creation template needs a full key ARN (no alias,
# no bare key ID): arn:aws[a-z0-9-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[a-z0-9-]+ (aws-facts §4.4).
KMS_KEY_ARN = lazy_pattern(rf"arn:(aws[a-z0-9-]*):kms:([a-z0-9-]+):([0-9]{{12}}):key/{KMS_KEY_ID}")
# KMS ScheduleKeyDeletion PendingWindowInDays: 7 to 30 (pulumi-aws kms.Key deletion_window_in_days).
KMS_DELETION_WINDOW_DAYS = (7, 30)
# The key ECR encrypts with: a symmetric encryption key of one Region (ECR keeps images in S3, whose
# SSE-KMS takes only symmetric encryption keys: S3 user guide UsingKMSEncryption.html). These are
# pulumi-aws kms.Key's defaults (customer_master_key_spec, key_usage, multi_region), written out so
# the plan says what is deployed and verify --live can compare it with DescribeKey's KeySpec,
# KeyUsage and MultiRegion; KeySpec, KeyUsage and MultiRegion cannot change once a key exists.
KMS_KEY_SPEC = "SYMMETRIC_DEFAULT"
KMS_KEY_USAGE = "ENCRYPT_DECRYPT"
# What ECR does with a customer managed key when it creates or deletes a repository: DescribeKey,
# then CreateGrant (twice) so ECR can encrypt and decrypt the repository's layers; RetireGrant when the
# repository is deleted. "kms:RetireGrant must be added to the IAM policy of the user or role creating
# the repository" (ECR user guide encryption-at-rest.html; aws-facts §3). Pushes and pulls use the
# grants, not the key policy.
ECR_KMS_ACTIONS: tuple[str, ...] = ("kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant")
# Managing a key, not using it (KMS developer guide key-policy-default.html, "Allows key
# administrators to administer the KMS key"), without kms:Create* (it would include CreateGrant,
# which lets an administrator grant itself decryption), kms:Revoke* ("the grants that Amazon ECR
# creates on your behalf should not be revoked") and kms:Delete* (key material, aliases).
KMS_ADMIN_ACTIONS: tuple[str, ...] = (
    "kms:CancelKeyDeletion",
    "kms:Describe*",
    "kms:Disable*",
    "kms:Enable*",
    "kms:Get*",
    "kms:List*",
    "kms:Put*",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:Update*",
)
# A creation template that encrypts with KMS needs a custom role that ECR assumes (ECR user guide,
# repository-creation-templates-create-iam.html: trust ecr.amazonaws.com); its documented policy
# (repository-creation-templates-custom.html) is ecr:CreateRepository, ecr:ReplicateImage,
# ecr:TagResource and the three grant actions on "*". ecr-share sets no resource tags, so it grants no
# TagResource, and scopes the rest to the templates' repositories and keys.
ECR_SERVICE = "ecr.amazonaws.com"
TEMPLATE_ROLE_ECR_ACTIONS: tuple[str, ...] = ("ecr:CreateRepository", "ecr:ReplicateImage")


def ecr_service_endpoint(region: str) -> str:
    """The kms:ViaService value for ECR in a Region (ECR user guide encryption-at-rest.html)."""
    return f"ecr.{region}.{dns_suffix_for(region)}"


# Fargate task sizes (ECS RegisterTaskDefinition memory doc; aws-facts §1.6): cpu -> memory MiB.
FARGATE_MEMORY_BY_CPU: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: (1024, 2048, 3072, 4096),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

# ECS services on Fargate (ECS API model, botocore ecs/2014-11-13 service-2.json; ECS developer guide,
# service-quotas.html). CreateCluster clusterName and CreateService serviceName: up to 255 letters,
# digits, underscores and hyphens (a service is named like its task family: TASK_FAMILY, same rule).
ECS_CLUSTER_NAME = lazy_pattern(r"[A-Za-z0-9_-]{1,255}")
# Cluster.clusterArn: arn:<partition>:ecs:<region>:<account>:cluster/<name>. Split into its parts so
# each can be compared with the stack's own partition, Region and account.
ECS_CLUSTER_ARN = lazy_pattern(r"arn:([^:]*):ecs:([^:]*):([^:]*):cluster/(.*)")
# AwsVpcConfiguration: "There's a limit of 16 subnets" and "a limit of 5 security groups"; all from
# one VPC (not checkable offline).
AWSVPC_MAX_SUBNETS = 16
AWSVPC_MAX_SECURITY_GROUPS = 5
# EC2 resource IDs: the type prefix, a hyphen, then 8 (before 2016) or 17 characters (EC2 user guide,
# resource-ids.html). Hexadecimal is inferred from every documented ID.
SUBNET_ID = lazy_pattern(r"subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})")
SECURITY_GROUP_ID = lazy_pattern(r"sg-(?:[0-9a-f]{8}|[0-9a-f]{17})")
# ECS service quotas, "Tasks per service": 5,000, the most a desired count can ask for. 0 is a valid
# desired count (CreateService desiredCount), a service that runs nothing.
ECS_MAX_TASKS_PER_SERVICE = 5_000
ECS_LAUNCH_TYPE = "FARGATE"

# Container hardening, as AWS Security Hub's ECS controls judge a task definition (Security Hub user
# guide, ecs-controls.html: ECS.4 "ECS containers should run as non-privileged", ECS.5 "ECS containers
# should be limited to read-only access to root filesystems", ECS.8 "Secrets should not be passed as
# container environment variables"; checkov CKV_AWS_336 is ECS.5).
# ContainerDefinition.user (ECS developer guide, task_definition_parameters.html, "user"): user,
# user:group, uid, uid:gid, user:gid or uid:group. Each part as a Linux user or group name (useradd:
# at most 32 characters) or a numeric ID; the image's /etc/passwd decides whether a name exists.
CONTAINER_USER = lazy_pattern(r"([A-Za-z0-9_][A-Za-z0-9_.-]{0,31})(?::([A-Za-z0-9_][A-Za-z0-9_.-]{0,31}))?")
# The user parts that are the superuser: the name root and UID 0 (written 0, 00, ...).
ROOT_USER_NAME = "root"
# MountPoint.containerPath: an absolute path in the container. ECS gives no grammar; these characters
# cover the paths applications write to (/tmp, /var/cache/nginx, /app/.cache) and keep a path free of
# spaces, quotes and shell or JSON metacharacters. A ".." segment is refused apart (it would leave
# the path the volume is meant for).
CONTAINER_PATH = lazy_pattern(r"/[A-Za-z0-9._@+=,/-]{0,254}")
# Ours, not ECS's (a task definition's volumes have no documented count limit beyond its 64 KiB
# size): a read-only root filesystem with more writable paths than this is no longer read-only in
# any useful sense.
WRITABLE_PATHS_MAX = 10
# Environment variable names that look like secrets (ECS.8 checks AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY and ECS_ENGINE_AUTH_DATA by name; the AWS Config rule
# ecs-no-environment-secrets takes more names as a parameter). Broader on purpose: a secret belongs
# in the container's ``secrets`` (ECS developer guide, specifying-sensitive-data.html).
SECRET_LIKE_ENV_NAME = lazy_pattern(
    r"SECRET|PASSW(?:OR)?D|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|ECS_ENGINE_AUTH_DATA",
    re.IGNORECASE,
)
# A container's secrets (ECS developer guide, specifying-sensitive-data.html and its Secrets Manager
# and Parameter Store pages): valueFrom is the secret's or the parameter's ARN; the task execution role
# needs secretsmanager:GetSecretValue on the secret, ssm:GetParameters on the parameter, and
# kms:Decrypt on the customer managed key that encrypts either (none for an AWS managed key).
# A secret's full ARN (Secrets Manager user guide, reference_iam-permissions.html, "Secret ARN"):
# arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 random characters>; its name is
# 1 to 512 of letters, digits and /_+=.@- (CreateSecret Name). A partial ARN (no suffix) would need a
# wildcard in the policy, so only the full ARN is taken.
SECRETS_MANAGER_SECRET_ARN = lazy_pattern(
    r"arn:(aws[a-z0-9-]*):secretsmanager:([a-z0-9-]+):([0-9]{12}):secret:[A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6}"
)
# A parameter's ARN (Systems Manager user guide, sysman-paramstore-access.html):
# arn:<partition>:ssm:<region>:<account>:parameter/<name without its leading />; names are letters,
# digits and _.-/ (PutParameter Name, at most 2048 characters with the ARN's prefix).
SSM_PARAMETER_ARN = lazy_pattern(
    r"arn:(aws[a-z0-9-]*):ssm:([a-z0-9-]+):([0-9]{12}):parameter/[A-Za-z0-9_.\-][A-Za-z0-9_.\-/]{0,1010}"
)
SECRET_READ_ACTIONS: tuple[str, ...] = ("secretsmanager:GetSecretValue",)
PARAMETER_READ_ACTIONS: tuple[str, ...] = ("ssm:GetParameters",)
DECRYPT_ACTIONS: tuple[str, ...] = ("kms:Decrypt",)
# A secret's name is the environment variable it becomes: a shell variable name.
CONTAINER_SECRET_NAME = lazy_pattern(r"[A-Za-z_][A-Za-z0-9_]{0,254}")
# Ours: a service's secrets beyond this are better one JSON secret read by the application.
CONTAINER_SECRETS_MAX = 50
# An AWS access key ID as a value (IAM user guide, "Understanding unique ID prefixes": AKIA for a
# long-term key, ASIA for a temporary one): a secret's half that ECS.8 names, whatever the variable.
AWS_ACCESS_KEY_ID = lazy_pattern(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")

# CloudWatch Logs PutRetentionPolicy accepted values (days).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)


@dataclass(frozen=True)
class Partition:
    """An AWS partition: its ARN prefix (``arn:<id>:...``), Region names and DNS suffix."""

    id: str
    regions: re.Pattern[str]
    dns_suffix: str


# Every partition AWS has, with its Region pattern and DNS suffix, from AWS's own endpoint data
# (botocore 1.44.8, botocore/data/partitions.json, "regionRegex" and "dnsSuffix"; the patterns here are
# the same with ASCII classes instead of \w, so no other script's letters or digits pass). The
# patterns do not overlap. ECR registry hosts are <account>.dkr.ecr.<region>.<dns suffix>
# (ECR user guide, Registry concepts; for the ISO partitions inferred from the same rule).
PARTITIONS: tuple[Partition, ...] = tuple(
    Partition(id_, lazy_pattern(pattern, re.ASCII), suffix)
    for id_, pattern, suffix in (
        ("aws", r"(us|eu|ap|sa|ca|me|af|il|mx)-[a-z0-9]+-[0-9]+", "amazonaws.com"),
        ("aws-cn", r"cn-[a-z0-9]+-[0-9]+", "amazonaws.com.cn"),
        ("aws-us-gov", r"us-gov-[a-z0-9]+-[0-9]+", "amazonaws.com"),
        ("aws-iso", r"us-iso-[a-z0-9]+-[0-9]+", "c2s.ic.gov"),
        ("aws-iso-b", r"us-isob-[a-z0-9]+-[0-9]+", "sc2s.sgov.gov"),
        ("aws-iso-e", r"eu-isoe-[a-z0-9]+-[0-9]+", "cloud.adc-e.uk"),
        ("aws-iso-f", r"us-isof-[a-z0-9]+-[0-9]+", "csp.hci.ic.gov"),
        ("aws-eusc", r"eusc-de-[a-z0-9]+-[0-9]+", "amazonaws.eu"),
    )
)


def partition_of(region: str) -> Partition | None:
    """The partition a Region name belongs to, or None for a name no partition has."""
    return next((p for p in PARTITIONS if p.regions.fullmatch(region)), None)


def _partition(region: str) -> Partition:
    partition = partition_of(region)
    if partition is None:
        raise ValueError(f"{region!r} is not a Region of any AWS partition")
    return partition


def partition_for(region: str) -> str:
    """The ARN partition of a Region (``aws``, ``aws-cn``, ``aws-us-gov``, ``aws-iso``, ...)."""
    return _partition(region).id


def dns_suffix_for(region: str) -> str:
    return _partition(region).dns_suffix
