"""For each policy: a committed resource, changed to break it, fails with the policy's message; the
unchanged one passes. The resources are what the program registers (tests/conftest.py runs)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.crossguard import Planned, changed, findings, from_run, one, summary
from tests.support.pulumi_harness import ProgramRun

BUILD_REPOSITORY = "shared-web-app"
BUILD_POLICY = "shared-web-app-pull"
REPLICA_TEMPLATE = "replicas-us-west-2-ROOT"
PROD_REGISTRY_POLICY = "replication-registry-policy"
PROD_ROLE = "execution-role"
PROD_ROLE_POLICY = "execution-pull"
ORG = "o-abc123def4"


@pytest.fixture(scope="module")
def stacks(committed_runs: dict[str, ProgramRun]) -> dict[str, list[Planned]]:
    return {stack: from_run(run, stack) for stack, run in committed_runs.items()}


def edit_document(resource: Planned, prop: str, edit: Callable[[dict[str, Any]], None]) -> str:
    """The resource's policy document (JSON text) with ``edit`` applied to its first statement."""
    document = json.loads(resource.props[prop])
    edit(document["Statement"][0])
    return json.dumps(document)


def only(found: list[Any], policy: str) -> list[str]:
    """The policy's messages (in registration order, which varies between runs: sort to compare many)."""
    return [f.message for f in found if f.policy == policy]


def test_unchanged_resources_pass_all_these_policies(stacks: dict[str, list[Planned]]) -> None:
    assert findings(stacks["build"]) == []
    assert findings(stacks["prod"]) == []


# --- repositories and creation templates ---------------------------------------------------------


def test_scan_on_push_off(stacks: dict[str, list[Planned]]) -> None:
    build = changed(stacks["build"], BUILD_REPOSITORY, imageScanningConfiguration={"scanOnPush": False})
    assert only(findings(build), "ecr-scan-on-push") == [
        "repository web-app is not scanned on push: set imageScanningConfiguration.scanOnPush to true, or add a "
        "RegistryScanningConfiguration rule (SCAN_ON_PUSH or CONTINUOUS_SCAN) whose filter matches it"
    ]


def test_scan_on_push_off_but_registry_scanning_in_another_region_does_not_cover(
    stacks: dict[str, list[Planned]],
) -> None:
    # The build stack's scanning configuration (us-west-2, filter web-app*) is for the replicas: it
    # does not scan the us-east-1 repository.
    build = changed(stacks["build"], BUILD_REPOSITORY, imageScanningConfiguration=None)
    assert summary(f for f in findings(build) if f.policy == "ecr-scan-on-push") == [
        ("ecr-scan-on-push", BUILD_REPOSITORY)
    ]
    scanning = Planned(
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        "scanning",
        {
            "scanType": "BASIC",
            "rules": [
                {
                    "scanFrequency": "SCAN_ON_PUSH",
                    "repositoryFilters": [{"filter": "web-*", "filterType": "WILDCARD"}],
                }
            ],
        },
        "build",
        {"region": "us-east-1"},
    )
    assert only(findings([*build, scanning]), "ecr-scan-on-push") == []


@pytest.mark.parametrize("name", [BUILD_REPOSITORY, REPLICA_TEMPLATE])
def test_mutable_tags(stacks: dict[str, list[Planned]], name: str) -> None:
    build = changed(stacks["build"], name, imageTagMutability="MUTABLE")
    assert only(findings(build), "ecr-tags-immutable") == [
        "imageTagMutability is MUTABLE: set it to IMMUTABLE"
    ]
    # Left out, the provider's default is MUTABLE.
    assert only(findings(changed(build, name, imageTagMutability=None)), "ecr-tags-immutable") == [
        "imageTagMutability is MUTABLE: set it to IMMUTABLE"
    ]


def test_exclusion_filters_not_in_the_config(stacks: dict[str, list[Planned]]) -> None:
    build = changed(
        stacks["build"],
        BUILD_REPOSITORY,
        imageTagMutability="IMMUTABLE_WITH_EXCLUSION",
        imageTagMutabilityExclusionFilters=[{"filter": "latest", "filterType": "WILDCARD"}],
    )
    assert only(findings(build), "ecr-tags-immutable") == [
        "imageTagMutabilityExclusionFilters latest may be pushed again: only filters in the pack's "
        "allowedExclusionFilters may (none)"
    ]


@pytest.mark.parametrize("name", [BUILD_REPOSITORY, REPLICA_TEMPLATE])
def test_no_encryption(stacks: dict[str, list[Planned]], name: str) -> None:
    build = changed(stacks["build"], name, encryptionConfigurations=None)
    assert only(findings(build), "ecr-encryption-configured") == [
        "encryptionConfigurations is not set: set encryptionType AES256 or KMS (with kmsKey)"
    ]


def test_force_delete_on(stacks: dict[str, list[Planned]]) -> None:
    build = changed(stacks["build"], BUILD_REPOSITORY, forceDelete=True)
    assert only(findings(build), "ecr-force-delete-off") == [
        "forceDelete is true: a delete or replacement would destroy every image; set it to false"
    ]


def test_a_repository_without_lifecycle_policy_gets_the_advisory_finding(
    stacks: dict[str, list[Planned]],
) -> None:
    without = [r for r in stacks["build"] if r.name != "shared-worker-lifecycle"]
    assert len(without) == len(stacks["build"]) - 1
    found = findings(without)
    assert summary(f for f in found if f.policy == "ecr-lifecycle-policy") == [
        ("ecr-lifecycle-policy", "shared-worker")
    ]
    assert only(found, "ecr-lifecycle-policy") == [
        "repository worker has no LifecyclePolicy: add one that expires untagged and old images, so storage "
        "and the scanner's backlog stay bounded"
    ]


def test_two_policies_or_none(stacks: dict[str, list[Planned]]) -> None:
    duplicate = Planned(
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "web-app-second-policy",
        one(stacks["build"], BUILD_POLICY).props,
        "build",
        {"region": "us-east-1"},
    )
    without_worker = [r for r in stacks["build"] if r.name != "shared-worker-pull"]
    assert sorted(only(findings([*without_worker, duplicate]), "ecr-one-repository-policy")) == [
        "repository web-app has 2 RepositoryPolicy resources: ECR keeps one policy per repository, so they "
        "overwrite each other; merge their statements into one",
        "repository worker has no RepositoryPolicy: give it one that states who may pull (or set allowNoPolicy "
        "for repositories only their own account uses)",
    ]


# --- repository policies, registry policies, creation templates ---------------------------------


def public(statement: dict[str, Any]) -> None:
    statement["Principal"] = "*"


@pytest.mark.parametrize(("name", "prop"), [(BUILD_POLICY, "policy"), (REPLICA_TEMPLATE, "repositoryPolicy")])
def test_public_principal(stacks: dict[str, list[Planned]], name: str, prop: str) -> None:
    resource = one(stacks["build"], name)
    build = changed(stacks["build"], name, **{prop: edit_document(resource, prop, public)})
    assert only(findings(build), "ecr-no-public-principal") == [
        "statement 'AllowCrossAccountPull' allows Principal \"*\" without a condition naming an organization "
        "(aws:PrincipalOrgID, aws:PrincipalOrgPaths), accounts (aws:PrincipalAccount, aws:SourceAccount) or a "
        "source (aws:SourceArn): add one, or name the accounts in Principal"
    ]


def test_public_principal_restricted_to_the_organization_passes(stacks: dict[str, list[Planned]]) -> None:
    def organization(statement: dict[str, Any]) -> None:
        statement["Principal"] = "*"
        statement["Condition"] = {"StringEquals": {"aws:PrincipalOrgID": ORG}}

    resource = one(stacks["build"], BUILD_POLICY)
    build = changed(stacks["build"], BUILD_POLICY, policy=edit_document(resource, "policy", organization))
    assert only(findings(build), "ecr-no-public-principal") == []


def test_public_principal_in_a_registry_policy(stacks: dict[str, list[Planned]]) -> None:
    resource = one(stacks["prod"], PROD_REGISTRY_POLICY)
    prod = changed(stacks["prod"], PROD_REGISTRY_POLICY, policy=edit_document(resource, "policy", public))
    assert [m.split(" without")[0] for m in only(findings(prod), "ecr-no-public-principal")] == [
        "statement 'ReplicationFrom111111111111' allows Principal \"*\""
    ]


def test_push_granted_to_the_consumer_accounts(stacks: dict[str, list[Planned]]) -> None:
    def push(statement: dict[str, Any]) -> None:
        statement["Action"] = [*statement["Action"], "ecr:PutImage"]

    resource = one(stacks["build"], BUILD_POLICY)
    build = changed(stacks["build"], BUILD_POLICY, policy=edit_document(resource, "policy", push))
    assert only(findings(build), "ecr-no-cross-account-write") == [
        "statement 'AllowCrossAccountPull' allows ecr:PutImage to 222222222222, 333333333333, 444444444444: "
        "another account may push, delete or change policies only through its own roles in this account; remove "
        "the actions, or list the account in the pack's trustedAccounts if it is this registry's own"
    ]


def test_every_ecr_action_granted_to_the_replication_source(stacks: dict[str, list[Planned]]) -> None:
    def everything(statement: dict[str, Any]) -> None:
        statement["Action"] = "ecr:*"

    resource = one(stacks["prod"], PROD_REGISTRY_POLICY)
    prod = changed(stacks["prod"], PROD_REGISTRY_POLICY, policy=edit_document(resource, "policy", everything))
    (message,) = only(findings(prod), "ecr-no-cross-account-write")
    assert message.startswith(
        "statement 'ReplicationFrom111111111111' allows ecr:CompleteLayerUpload, ecr:InitiateLayerUpload, "
        "ecr:PutImage and 17 more to 111111111111:"
    )


@pytest.mark.parametrize(
    "resource_arn",
    ["*", "arn:aws:ecr:us-east-1:444444444444:repository/*", "arn:aws:ecr:us-east-1:444444444444:*"],
)
def test_registry_policy_not_scoped_to_prefixes(stacks: dict[str, list[Planned]], resource_arn: str) -> None:
    def everywhere(statement: dict[str, Any]) -> None:
        statement["Resource"] = resource_arn

    resource = one(stacks["prod"], PROD_REGISTRY_POLICY)
    prod = changed(stacks["prod"], PROD_REGISTRY_POLICY, policy=edit_document(resource, "policy", everywhere))
    assert only(findings(prod), "ecr-registry-policy-scoped") == [
        f"statement 'ReplicationFrom111111111111' has Resource {resource_arn}: name repository prefixes, e.g. "
        "arn:aws:ecr:<region>:<account>:repository/web-app*, never repository/* or *"
    ]


# --- roles and task definitions -------------------------------------------------------------------

TASK_EXECUTION_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def test_task_execution_managed_policy_on_the_role(stacks: dict[str, list[Planned]]) -> None:
    prod = changed(stacks["prod"], PROD_ROLE, managedPolicyArns=[TASK_EXECUTION_POLICY])
    attachment = Planned(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "execution-read-only",
        {
            "role": "ecr-share-prod-execution",
            "policyArn": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
        },
        "prod",
    )
    assert sorted(only(findings([*prod, attachment]), "iam-no-broad-ecr-managed-policy")) == [
        "attaches arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly to ecr-share-prod-execution: it allows "
        "the ECR pull actions on every repository; use an inline policy with ecr:GetAuthorizationToken on * and the "
        "pull actions on the repository ARNs",
        f"attaches {TASK_EXECUTION_POLICY} to ecr-share-prod-execution: it allows the ECR pull actions on every "
        "repository; use an inline policy with ecr:GetAuthorizationToken on * and the pull actions on the "
        "repository ARNs",
    ]


@pytest.mark.parametrize("resource_arn", ["*", "arn:aws:ecr:us-east-1:444444444444:repository/*"])
def test_pull_actions_on_every_repository(stacks: dict[str, list[Planned]], resource_arn: str) -> None:
    resource = one(stacks["prod"], PROD_ROLE_POLICY)
    document = json.loads(resource.props["policy"])
    pull = next(s for s in document["Statement"] if s["Sid"] == "ECRPull")
    pull["Resource"] = resource_arn
    prod = changed(stacks["prod"], PROD_ROLE_POLICY, policy=json.dumps(document))
    assert only(findings(prod), "iam-ecr-pull-scoped") == [
        "policy statement 'ECRPull' allows ecr:BatchCheckLayerAvailability, ecr:BatchGetImage, "
        f"ecr:GetDownloadUrlForLayer on {resource_arn}: scope the pull actions to repository ARNs "
        "(arn:aws:ecr:<region>:<account>:repository/<name>)"
    ]


def test_tag_pinned_image_in_a_production_stack(stacks: dict[str, list[Planned]]) -> None:
    worker = one(stacks["prod"], "worker-task")
    containers = json.loads(worker.props["containerDefinitions"])
    containers[0]["image"] = containers[0]["image"].split("@")[0] + ":v2"
    prod = changed(stacks["prod"], "worker-task", containerDefinitions=json.dumps(containers))
    config = {"ecs-image-pinned-by-digest": {"productionStacks": ["prod*"]}}
    assert sorted(only(findings(prod, config), "ecs-image-pinned-by-digest")) == [
        "container 'app' runs 444444444444.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3, not pinned by digest: "
        "use <repository>@sha256:<digest> in a production stack",
        "container 'app' runs 444444444444.dkr.ecr.us-east-1.amazonaws.com/worker:v2, not pinned by digest: "
        "use <repository>@sha256:<digest> in a production stack",
    ]


# --- task definitions: Security Hub ECS.4, ECS.5 and ECS.8 ------------------------------------------


def edited_container(stacks: dict[str, list[Planned]], **settings: Any) -> list[Planned]:
    """prod with its web-app container given ``settings`` (None removes one)."""
    web = one(stacks["prod"], "web-app-task")
    containers = json.loads(web.props["containerDefinitions"])
    for name, value in settings.items():
        if value is None:
            containers[0].pop(name)
        else:
            containers[0][name] = value
    return changed(stacks["prod"], "web-app-task", containerDefinitions=json.dumps(containers))


@pytest.mark.parametrize(("value", "shown"), [(False, "false"), (None, "not set")])
def test_a_writable_root_filesystem(stacks: dict[str, list[Planned]], value: Any, shown: str) -> None:
    prod = edited_container(stacks, readonlyRootFilesystem=value)
    assert only(findings(prod), "ecs-read-only-root-filesystem") == [
        f"container 'app' may write to its root filesystem (readonlyRootFilesystem is {shown}; AWS Security "
        "Hub ECS.5): set it to true and mount the paths the application writes to as volumes"
    ]


def test_a_privileged_container(stacks: dict[str, list[Planned]]) -> None:
    assert only(findings(edited_container(stacks, privileged=True)), "ecs-not-privileged") == [
        "container 'app' is privileged (root on the host; AWS Security Hub ECS.4): remove privileged"
    ]
    assert only(findings(edited_container(stacks, privileged=False)), "ecs-not-privileged") == []


def test_secrets_in_environment_variables(stacks: dict[str, list[Planned]]) -> None:
    environment = [
        {"name": "LOG_LEVEL", "value": "info"},
        {"name": "STRIPE_API_KEY", "value": "sk_live_1"},
        {"name": "aws_secret_access_key", "value": "x"},
        {"name": "UPSTREAM", "value": "AKIAIOSFODNN7EXAMPLE"},
    ]
    found = only(findings(edited_container(stacks, environment=environment)), "ecs-no-environment-secrets")
    assert found == [
        "container 'app' has environment variables that look like secrets (STRIPE_API_KEY, "
        "aws_secret_access_key, UPSTREAM; AWS Security Hub ECS.8): pass them as the container's secrets, "
        "from Secrets Manager or SSM Parameter Store, instead"
    ]
    assert "AKIAIOSFODNN7EXAMPLE" not in found[0] and "sk_live_1" not in found[0]
    plain = [{"name": "LOG_LEVEL", "value": "info"}]
    assert only(findings(edited_container(stacks, environment=plain)), "ecs-no-environment-secrets") == []
