"""AWS limits, formats and action sets: the one place each rule lives, with its source.

Each rule names its source: the AWS API model (botocore ``service-2.json``) or the AWS documentation
page it comes from ("aws-facts §n" points into the research notes the project was built from).
"""

from __future__ import annotations

import re

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

ACCOUNT_ID = re.compile(r"\d{12}")
ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}")
# aws:PrincipalOrgPaths entry: org/root/ou.../ with a trailing slash, optionally ending in * or ou-*
# (IAM condition keys doc; aws-facts §2.3, inferred from the Organizations ID patterns).
ORGANIZATION_PATH = re.compile(
    r"o-[a-z0-9]{10,32}/(\*|r-[0-9a-z]{4,32}(/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})*/(\*|ou-\*)?)"
)
# The stricter pre-2026 ECR RepositoryName pattern: a subset of the current one, so every name it
# accepts is valid in every Region and SDK version (aws-facts §1.1). Length 2-256.
REPOSITORY_NAME = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*")
REPOSITORY_NAME_LENGTH = (2, 256)
# Docker/OCI reference grammar for tags (distribution/reference); stricter than ECR's 1-300.
IMAGE_TAG = re.compile(r"[\w][\w.-]{0,127}", re.ASCII)
IMAGE_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# ECS ContainerDefinition.image: at most 255 characters before any "@digest".
IMAGE_REFERENCE_MAX_CHARS = 255
# Terraform's region validator, stricter than ECR's [0-9a-z-]{2,25}.
REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-\d")
# ECS task definition family: up to 255 letters, numbers, underscores and hyphens.
TASK_FAMILY = re.compile(r"[A-Za-z0-9_-]{1,255}")
# IAM role names: 1-64 of [\w+=,.@-].
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}", re.ASCII)

IMAGE_TAG_MUTABILITY = ("IMMUTABLE", "MUTABLE")

# Replication (ECR user guide replication.md, quotas page; aws-facts §0, §1.3). The ECR docs allow 10
# rules per configuration (the botocore model has since allowed 25: keep the documented, stricter
# limit) and 25 unique destinations across all rules (awsdocs/amazon-ecr-user-guide PR #45).
REPLICATION_MAX_RULES = 10
REPLICATION_MAX_DESTINATIONS = 25
# ECR model RepositoryFilterList / RepositoryFilterValue: 1-100 PREFIX_MATCH filters per rule,
# each 2-256 characters of this pattern. A filter is a plain string prefix of repository names.
REPLICATION_MAX_FILTERS_PER_RULE = 100
REPLICATION_FILTER = re.compile(r"(?:[a-z0-9]+(?:[._-][a-z0-9]*)*/)*[a-z0-9]*(?:[._-][a-z0-9]*)*")
REPLICATION_FILTER_LENGTH = (2, 256)
REPLICATION_FILTER_TYPE = "PREFIX_MATCH"
# The destination registry policy: exactly what replication needs, both valid under registry policy
# scope V1 and V2 (ECR registry-permissions-create-replication.html; aws-facts §4.2).
REPLICATION_ACTIONS: tuple[str, ...] = ("ecr:CreateRepository", "ecr:ReplicateImage")
# A registry policy Resource for replication; an ARN missing "ecr:" was accepted by ECR and then
# failed with DESTINATION_REGISTRY_ACCESS_DENIED (aws/containers-roadmap#2675; aws-facts §4.2).
REGISTRY_POLICY_RESOURCE = re.compile(r"arn:aws[a-z-]*:ecr:[a-z]{2}(-[a-z]+)+-\d:\d{12}:repository/\S+")
REGISTRY_POLICY_MAX_CHARS = 10_240
# Repository creation templates (ECR model CreateRepositoryCreationTemplateRequest; aws-facts §4.4).
# A template prefix is a namespace ("prod" applies to "prod/..."); ROOT catches every repository no
# other template matches.
TEMPLATE_ROOT = "ROOT"
TEMPLATE_APPLIED_FOR_REPLICATION = "REPLICATION"
TEMPLATE_DESCRIPTION_MAX_CHARS = 256
# Registry scanning (ECR model ScanningRepositoryFilterValue, RegistryScanningRuleList): WILDCARD
# filters of this pattern, at most 100 per rule.
SCANNING_FILTER = re.compile(r"[a-z0-9*](?:[._\-/a-z0-9*]?[a-z0-9*]+)*")
SCANNING_MAX_FILTERS_PER_RULE = 100
ENCRYPTION_TYPES = ("AES256", "KMS")

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


def partition_for(region: str) -> str:
    """The ARN partition of a Region (aws, aws-cn or aws-us-gov)."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def dns_suffix_for(region: str) -> str:
    return "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
