"""Repositories and creation templates: immutable tags, encryption, force_delete off.

A creation template gives the repositories ECR creates (replicas, pull-through caches) their
settings, so the tag and encryption rules judge templates as they judge repositories.
"""

from __future__ import annotations

from collections.abc import Iterator

from pulumi_policy import PolicyConfigSchema, ResourceValidationArgs

from ecr_security.aws import ENCRYPTION_TYPES, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, KMS_ENCRYPTION_TYPES
from ecr_security.base import Options, resource_policy
from ecr_security.values import as_list, prop

REPOSITORY = "aws:ecr/repository:Repository"
CREATION_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"


def _immutable_tags(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    mutability = prop(args.props, "imageTagMutability") or "MUTABLE"  # the provider's default
    if mutability == IMMUTABLE:
        return
    if mutability != IMMUTABLE_WITH_EXCLUSION:
        yield f"imageTagMutability is {mutability}: set it to IMMUTABLE"
        return
    allowed = set(options["allowedExclusionFilters"])
    filters = [f.get("filter") for f in as_list(prop(args.props, "imageTagMutabilityExclusionFilters"))]
    unlisted = sorted(str(f) for f in filters if f not in allowed)
    if unlisted:
        allowed_text = ", ".join(sorted(allowed)) or "none"
        yield (
            f"imageTagMutabilityExclusionFilters {', '.join(unlisted)} may be pushed again: only filters in "
            f"the pack's allowedExclusionFilters may ({allowed_text})"
        )


tags_immutable = resource_policy(
    "ecr-tags-immutable",
    "ECR repositories and creation templates keep tags immutable, so a pushed tag cannot be overwritten "
    "(a supply-chain attack vector): set imageTagMutability to IMMUTABLE, or to IMMUTABLE_WITH_EXCLUSION "
    "with only the exclusion filters the pack's config allows.",
    (REPOSITORY, CREATION_TEMPLATE),
    _immutable_tags,
    schema=PolicyConfigSchema(
        properties={
            "allowedExclusionFilters": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Tag filters (ECR WILDCARD syntax, e.g. latest or dev-*) that IMMUTABLE_WITH_EXCLUSION "
                "may exempt from immutability. Any other filter is a violation.",
            }
        }
    ),
)


def _encryption(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    configurations = as_list(prop(args.props, "encryptionConfigurations"))
    if not configurations:
        yield "encryptionConfigurations is not set: set encryptionType AES256 or KMS (with kmsKey)"
        return
    for configuration in configurations:
        kind = configuration.get("encryptionType")
        if kind not in ENCRYPTION_TYPES:
            yield f"encryptionConfigurations encryptionType {kind} is not one of {', '.join(ENCRYPTION_TYPES)}"
        elif options["requireKms"] and kind not in KMS_ENCRYPTION_TYPES:
            yield f"encryptionType is {kind}: the pack's config requires KMS with a customer managed key (kmsKey)"
        elif options["requireKms"] and not configuration.get("kmsKey"):
            yield "encryptionType is KMS without kmsKey: name the customer managed key"


encryption_configured = resource_policy(
    "ecr-encryption-configured",
    "ECR repositories and creation templates say how images are encrypted at rest: set "
    "encryptionConfigurations to AES256, or KMS with a kmsKey (required when the config sets requireKms).",
    (REPOSITORY, CREATION_TEMPLATE),
    _encryption,
    schema=PolicyConfigSchema(
        properties={
            "requireKms": {
                "type": "boolean",
                "default": False,
                "description": "Require KMS encryption with a named customer managed key (kmsKey).",
            }
        }
    ),
)


def _force_delete(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    if prop(args.props, "forceDelete") is True:
        yield "forceDelete is true: a delete or replacement would destroy every image; set it to false"


force_delete_off = resource_policy(
    "ecr-force-delete-off",
    "ECR repositories keep forceDelete off, so deleting or replacing a repository that holds images "
    "fails instead of destroying them: remove forceDelete or set it to false.",
    (REPOSITORY,),
    _force_delete,
)
