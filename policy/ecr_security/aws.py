"""The AWS facts the pack's rules rest on, each with its source.

The pack runs beside any program. The rules it shares with the program (whole-registry wildcards,
overlapping writers, a Deny that stops replication, a voided role narrowing) it imports from the
package's pure modules (``components.aws.globs``, ``components.aws.overgrants``), so both decide them
with one function each; the facts below are the pack's own.
"""

from __future__ import annotations

import re

# The seed's pull set (step 1): what an image pull calls on a repository (aws-facts §2.5).
PULL_ACTIONS: tuple[str, ...] = (
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
)
# Writing images: the "AllowCrossAccountPush" example of the ECR user guide
# (repository-policy-examples.html) minus BatchCheckLayerAvailability, which pulls call too.
PUSH_ACTIONS: tuple[str, ...] = (
    "ecr:CompleteLayerUpload",
    "ecr:InitiateLayerUpload",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
)
# Deleting images, repositories and their settings (ECR API reference, "Actions").
DELETE_ACTIONS: tuple[str, ...] = (
    "ecr:BatchDeleteImage",
    "ecr:DeleteLifecyclePolicy",
    "ecr:DeletePullThroughCacheRule",
    "ecr:DeleteRegistryPolicy",
    "ecr:DeleteRepository",
    "ecr:DeleteRepositoryCreationTemplate",
    "ecr:DeleteRepositoryPolicy",
)
# Changing who may do what, or a repository's or registry's protective settings (same reference).
POLICY_CHANGING_ACTIONS: tuple[str, ...] = (
    "ecr:CreateRepositoryCreationTemplate",
    "ecr:PutImageScanningConfiguration",
    "ecr:PutImageTagMutability",
    "ecr:PutLifecyclePolicy",
    "ecr:PutRegistryPolicy",
    "ecr:PutRegistryScanningConfiguration",
    "ecr:PutReplicationConfiguration",
    "ecr:SetRepositoryPolicy",
    "ecr:UpdateRepositoryCreationTemplate",
)
# Not in any of these sets on purpose: ecr:CreateRepository and ecr:ReplicateImage, which a
# destination registry policy must grant the source account for replication (the seed, "Cross-Region
# Access"; ECR registry-permissions-create-replication.html).
WRITE_ACTIONS: tuple[str, ...] = PUSH_ACTIONS + DELETE_ACTIONS + POLICY_CHANGING_ACTIONS

# AWS managed policies that allow the pull actions on "*" (AWS managed policy reference,
# docs.aws.amazon.com/aws-managed-policy/latest/reference/<name>.html): the ECR and ECS ones, and the
# account-wide ones that allow every read (or every action).
BROAD_ECR_READ_MANAGED_POLICIES: tuple[str, ...] = (
    "AmazonECSTaskExecutionRolePolicy",
    "AmazonEC2ContainerRegistryReadOnly",
    "AmazonEC2ContainerRegistryPullOnly",
    "AmazonEC2ContainerRegistryPowerUser",
    "AmazonEC2ContainerRegistryFullAccess",
    "AmazonEC2ContainerServiceforEC2Role",
    "AWSAppRunnerServicePolicyForECRAccess",
    "AdministratorAccess",
    "PowerUserAccess",
    "ReadOnlyAccess",
)
# arn:<partition>:iam::aws:policy/<optional path/><name>: an AWS managed policy (IAM ARN reference).
AWS_MANAGED_POLICY_ARN = re.compile(r"arn:aws[a-z-]*:iam::aws:policy/(?:[\w+=,.@-]+/)*([\w+=,.@-]+)")

ACCOUNT_ID = re.compile(r"[0-9]{12}")  # ASCII digits: \d also takes other scripts' digits
ORGANIZATION_ID = re.compile(r"o-[a-z0-9]{10,32}")
IMAGE_DIGEST = re.compile(r"sha256:[0-9a-f]{64}")
# A repository ARN, or a prefix of repository names ending in a wildcard, in one Region and account:
# arn:<partition>:ecr:<region>:<account>:repository/<name or prefix*> (ECR "Resource types"). The name
# must start with a literal character: "repository/*" names every repository.
REPOSITORY_ARN = re.compile(r"arn:aws[a-z-]*:ecr:[a-z0-9-]+:[0-9]{12}:repository/[a-z0-9][!-~]*")
# An ARN's account field: arn:partition:service:region:account:resource.
ARN_ACCOUNT = re.compile(r"arn:[^:]*:[^:]*:[^:]*:([0-9]{12}):.+")

# Image tag mutability values (ECR model ImageTagMutability; aws-facts §5).
IMMUTABLE = "IMMUTABLE"
IMMUTABLE_WITH_EXCLUSION = "IMMUTABLE_WITH_EXCLUSION"
# Encryption types (ECR model EncryptionType; aws-facts §1.7). Repositories default to AES256 when
# none is set; the pack asks for the choice to be written down.
ENCRYPTION_TYPES = ("AES256", "KMS", "KMS_DSSE")
KMS_ENCRYPTION_TYPES = ("KMS", "KMS_DSSE")
# Registry scanning rules that scan each pushed image (ECR model ScanFrequency).
SCANNING_ON_PUSH_FREQUENCIES = ("SCAN_ON_PUSH", "CONTINUOUS_SCAN")
