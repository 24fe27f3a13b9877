"""The seed's ECR security practices as CrossGuard policies, for any Pulumi AWS program.

Each module holds the rules for one kind of resource; ``POLICIES`` is the pack, in the order the
table of docs/policy-pack.md lists it. ``policy/__main__.py`` (the pack's entry point, which starts the analyzer
server) is the only place that builds the ``PolicyPack``.
"""

from __future__ import annotations

from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy

from ecr_security.registry import lifecycle_policy, one_repository_policy, scan_on_push
from ecr_security.repositories import encryption_configured, force_delete_off, tags_immutable
from ecr_security.resource_policies import (
    no_cross_account_write,
    no_public_principal,
    registry_policy_scoped,
    role_narrowing_kept,
)
from ecr_security.roles import no_broad_managed_policy, pull_scoped
from ecr_security.task_definitions import (
    no_environment_secrets,
    not_privileged,
    pinned_by_digest,
    read_only_root_filesystem,
)

PACK_NAME = "ecr-share-security"

POLICIES: list[ResourceValidationPolicy | StackValidationPolicy] = [
    scan_on_push,
    tags_immutable,
    encryption_configured,
    lifecycle_policy,
    force_delete_off,
    no_public_principal,
    no_cross_account_write,
    registry_policy_scoped,
    role_narrowing_kept,
    no_broad_managed_policy,
    pull_scoped,
    pinned_by_digest,
    read_only_root_filesystem,
    not_privileged,
    no_environment_secrets,
    one_repository_policy,
]
