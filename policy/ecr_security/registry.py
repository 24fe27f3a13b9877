"""Stack-level rules: what a repository needs from other resources of the same stack.

A repository's policy, lifecycle policy and registry scanning are separate resources; they belong to
it when they name it (``repository``, or a scanning filter that matches its name) in the same
Region. Region is the resource's own ``region`` or its provider's; when one side does not say, the
names alone decide.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterator
from dataclasses import dataclass

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, PolicyResource, StackValidationArgs

from ecr_security.aws import SCANNING_ON_PUSH_FREQUENCIES
from ecr_security.base import Options, stack_policy
from ecr_security.values import as_list, matches_any, prop, region_of

REPOSITORY = "aws:ecr/repository:Repository"
REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
LIFECYCLE_POLICY = "aws:ecr/lifecyclePolicy:LifecyclePolicy"
REGISTRY_SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"


@dataclass(frozen=True)
class Repository:
    name: str
    region: str
    urn: str
    scan_on_push: bool


def repositories(args: StackValidationArgs) -> list[Repository]:
    found = []
    for r in args.resources:
        if r.resource_type == REPOSITORY:
            scanning = prop(r.props, "imageScanningConfiguration") or {}
            found.append(
                Repository(
                    name=str(prop(r.props, "name") or r.name),
                    region=region_of(r.props, r.provider),
                    urn=r.urn,
                    scan_on_push=isinstance(scanning, dict) and scanning.get("scanOnPush") is True,
                )
            )
    return found


def _same_region(a: str, b: str) -> bool:
    return a == b or not a or not b


def _naming(args: StackValidationArgs, kind: str, repository: Repository) -> list[PolicyResource]:
    """Resources of ``kind`` whose ``repository`` is this repository."""
    return [
        r
        for r in args.resources
        if r.resource_type == kind
        and prop(r.props, "repository") == repository.name
        and _same_region(region_of(r.props, r.provider), repository.region)
    ]


def _one_repository_policy(args: StackValidationArgs, options: Options) -> Iterator[tuple[str, str]]:
    for repository in repositories(args):
        count = len(_naming(args, REPOSITORY_POLICY, repository))
        if count > 1:
            yield (
                f"repository {repository.name} has {count} RepositoryPolicy resources: ECR keeps one policy per "
                "repository, so they overwrite each other; merge their statements into one",
                repository.urn,
            )
        elif count == 0 and not options["allowNoPolicy"]:
            yield (
                f"repository {repository.name} has no RepositoryPolicy: give it one that states who may pull "
                "(or set allowNoPolicy for repositories only their own account uses)",
                repository.urn,
            )


one_repository_policy = stack_policy(
    "ecr-one-repository-policy",
    "Every ECR repository has exactly one RepositoryPolicy in the stack: ECR stores one policy per repository, "
    "so two resources overwrite each other on every update. Merge extra policies into one; add one where it "
    "is missing.",
    _one_repository_policy,
    schema=PolicyConfigSchema(
        properties={
            "allowNoPolicy": {
                "type": "boolean",
                "default": False,
                "description": "Accept repositories with no RepositoryPolicy (only their own account can use them); "
                "two policies are still a violation.",
            }
        }
    ),
)


def _scan_covers(resource: PolicyResource, repository: Repository) -> bool:
    if not _same_region(region_of(resource.props, resource.provider), repository.region):
        return False
    for rule in as_list(prop(resource.props, "rules")):
        if isinstance(rule, dict) and rule.get("scanFrequency") in SCANNING_ON_PUSH_FREQUENCIES:
            filters = [
                str(f.get("filter")) for f in as_list(rule.get("repositoryFilters")) if isinstance(f, dict)
            ]
            if any(fnmatch.fnmatchcase(repository.name, f) for f in filters):
                return True
    return False


def _scan_on_push(args: StackValidationArgs, options: Options) -> Iterator[tuple[str, str]]:
    scanning = [r for r in args.resources if r.resource_type == REGISTRY_SCANNING]
    for repository in repositories(args):
        if repository.scan_on_push or matches_any(repository.name, options["scannedElsewhere"]):
            continue
        if not any(_scan_covers(s, repository) for s in scanning):
            yield (
                f"repository {repository.name} is not scanned on push: set imageScanningConfiguration.scanOnPush "
                "to true, or add a RegistryScanningConfiguration rule (SCAN_ON_PUSH or CONTINUOUS_SCAN) whose "
                "filter matches it",
                repository.urn,
            )


scan_on_push = stack_policy(
    "ecr-scan-on-push",
    "ECR repositories scan every pushed image, so findings are known before images reach deployment accounts: "
    "set imageScanningConfiguration.scanOnPush to true, or cover the repository with a "
    "RegistryScanningConfiguration rule in the same Region.",
    _scan_on_push,
    schema=PolicyConfigSchema(
        properties={
            "scannedElsewhere": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Repository names (ECR WILDCARD filters, e.g. * or team-a/*) that a registry scanning "
                "configuration managed outside this stack scans on push.",
            }
        }
    ),
)


def _lifecycle_policy(args: StackValidationArgs, options: Options) -> Iterator[tuple[str, str]]:
    for repository in repositories(args):
        if not _naming(args, LIFECYCLE_POLICY, repository):
            yield (
                f"repository {repository.name} has no LifecyclePolicy: add one that expires untagged and old "
                "images, so storage and the scanner's backlog stay bounded",
                repository.urn,
            )


lifecycle_policy = stack_policy(
    "ecr-lifecycle-policy",
    "ECR repositories have a LifecyclePolicy that expires images nobody runs any more: add an "
    "aws.ecr.LifecyclePolicy for each repository.",
    _lifecycle_policy,
    level=EnforcementLevel.ADVISORY,
)
