"""The plan of the committed build stack, exactly: what ``pulumi up -s build`` registers."""

from __future__ import annotations

import json
from typing import Any

from components.aws.policy import canonical_json
from components.aws.rules import REPOSITORY_POLICY_MAX_CHARS
from components.config.files import load_stack_config
from components.config.stack import parse_stack_config
from components.plan.build import plan_build_stack
from components.plan.model import StackPlan
from components.plan.project import ProjectPlan
from components.repositories.documents import account_condition_policy
from tests.support.committed import LIFECYCLE_TEXT
from tests.support.pulumi_harness import PROJECT_DIR

SOURCE = "111111111111"
PROD = "444444444444"
PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
GRANT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowCrossAccountPull",
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in ("222222222222", "333333333333", PROD)]},
            "Action": PULL,
        }
    ],
}
REGISTRY = f"{SOURCE}.dkr.ecr.us-east-1.amazonaws.com"
# Pulumi.build.yaml's ecr-share:lifecycle, exactly as ECR gets it.
# What every replica's creation template must give it, for the receivers (prod) to apply.
DEFAULT_LIFECYCLE = {"expireUntaggedAfterDays": 14, "keepTagged": [{"prefix": "dev-", "count": 20}]}


def plan_of(project: ProjectPlan) -> StackPlan:
    return project.plans["build"]


def test_every_resource_in_order_with_its_parent(project: ProjectPlan) -> None:
    assert [(r.key, r.parent, r.depends_on) for r in plan_of(project).resources] == [
        ("ecr-share:index:SharedRepositories::shared", None, ()),
        (
            "aws:ecr/repository:Repository::shared-web-app",
            "ecr-share:index:SharedRepositories::shared",
            (),
        ),
        (
            "aws:ecr/repositoryPolicy:RepositoryPolicy::shared-web-app-pull",
            "aws:ecr/repository:Repository::shared-web-app",
            ("aws:ecr/repository:Repository::shared-web-app",),
        ),
        (
            "aws:ecr/lifecyclePolicy:LifecyclePolicy::shared-web-app-lifecycle",
            "aws:ecr/repository:Repository::shared-web-app",
            ("aws:ecr/repository:Repository::shared-web-app",),
        ),
        ("aws:ecr/repository:Repository::shared-worker", "ecr-share:index:SharedRepositories::shared", ()),
        (
            "aws:ecr/repositoryPolicy:RepositoryPolicy::shared-worker-pull",
            "aws:ecr/repository:Repository::shared-worker",
            ("aws:ecr/repository:Repository::shared-worker",),
        ),
        (
            "aws:ecr/lifecyclePolicy:LifecyclePolicy::shared-worker-lifecycle",
            "aws:ecr/repository:Repository::shared-worker",
            ("aws:ecr/repository:Repository::shared-worker",),
        ),
        ("ecr-share:index:ReplicaRepositorySettings::replicas-us-west-2", None, ()),
        (
            "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate::replicas-us-west-2-ROOT",
            "ecr-share:index:ReplicaRepositorySettings::replicas-us-west-2",
            (),
        ),
        (
            "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration::replicas-us-west-2-scanning",
            "ecr-share:index:ReplicaRepositorySettings::replicas-us-west-2",
            (),
        ),
        # Replication starts only after the template of the build account's own replica Region exists.
        (
            "ecr-share:index:RegistryReplication::replication",
            None,
            ("ecr-share:index:ReplicaRepositorySettings::replicas-us-west-2",),
        ),
        (
            "aws:ecr/replicationConfiguration:ReplicationConfiguration::replication-configuration",
            "ecr-share:index:RegistryReplication::replication",
            ("ecr-share:index:ReplicaRepositorySettings::replicas-us-west-2",),
        ),
    ]


def test_repositories_scan_on_push_are_immutable_encrypted_and_protected(project: ProjectPlan) -> None:
    for name in ("web-app", "worker"):
        repository = plan_of(project).named("aws:ecr/repository:Repository", f"shared-{name}")
        assert repository.inputs == {
            "name": name,
            "image_scanning_configuration": {"scan_on_push": True},
            "image_tag_mutability": "IMMUTABLE",
            "encryption_configurations": [{"encryption_type": "AES256"}],
            "force_delete": False,
        }
        assert repository.protect


def test_repository_policy_is_exactly_the_seeds_pull_grant(project: ProjectPlan) -> None:
    for name in ("web-app", "worker"):
        policy = plan_of(project).named("aws:ecr/repositoryPolicy:RepositoryPolicy", f"shared-{name}-pull")
        assert policy.inputs["repository"] == name
        assert json.loads(policy.inputs["policy"]) == GRANT


def test_every_repository_gets_the_default_lifecycle_policy(project: ProjectPlan) -> None:
    """Pulumi.build.yaml's ecr-share:lifecycle: ECR lifecycle policy JSON, canonical, priorities 1, 2."""
    for name in ("web-app", "worker"):
        lifecycle = plan_of(project).named(
            "aws:ecr/lifecyclePolicy:LifecyclePolicy", f"shared-{name}-lifecycle"
        )
        assert lifecycle.inputs == {"repository": name, "policy": LIFECYCLE_TEXT}
    assert json.loads(LIFECYCLE_TEXT) == {
        "rules": [
            {
                "rulePriority": 1,
                "description": "Expire untagged images 14 days after their push",
                "selection": {
                    "tagStatus": "untagged",
                    "countType": "sinceImagePushed",
                    "countUnit": "days",
                    "countNumber": 14,
                },
                "action": {"type": "expire"},
            },
            {
                "rulePriority": 2,
                "description": "Keep only the newest 20 images tagged dev-*",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": ["dev-"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 20,
                },
                "action": {"type": "expire"},
            },
        ]
    }


def test_the_renamed_component_keeps_its_urn(project: ProjectPlan) -> None:
    shared = plan_of(project).named("ecr-share:index:SharedRepositories", "shared")
    assert [a.type for a in shared.aliases] == ["ecr-share:index:SharedRepository"]


def test_replication_configuration_is_exactly_the_configured_rules(project: ProjectPlan) -> None:
    configuration = plan_of(project).named(
        "aws:ecr/replicationConfiguration:ReplicationConfiguration", "replication-configuration"
    )
    assert configuration.inputs == {
        "replication_configuration": {
            "rules": [
                {
                    "destinations": [{"region": "us-west-2", "registry_id": SOURCE}],
                    "repository_filters": [{"filter": "web-app", "filter_type": "PREFIX_MATCH"}],
                },
                {
                    "destinations": [{"region": "us-east-1", "registry_id": PROD}],
                    "repository_filters": [
                        {"filter": "web-app", "filter_type": "PREFIX_MATCH"},
                        {"filter": "worker", "filter_type": "PREFIX_MATCH"},
                    ],
                },
            ]
        }
    }


def template_inputs(plan: StackPlan, name: str) -> dict[str, Any]:
    inputs = dict(plan.named("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", name).inputs)
    if "repository_policy" in inputs:
        inputs["repository_policy"] = json.loads(inputs["repository_policy"])
    return inputs


def test_the_build_accounts_own_replicas_carry_its_grant(project: ProjectPlan) -> None:
    """Same account, other Region: a consumer there pulls the replica under the build stack's grant."""
    assert template_inputs(plan_of(project), "replicas-us-west-2-ROOT") == {
        "prefix": "ROOT",
        "region": "us-west-2",
        "applied_fors": ["REPLICATION"],
        "image_tag_mutability": "IMMUTABLE",
        "encryption_configurations": [{"encryption_type": "AES256"}],
        "repository_policy": GRANT,
        "lifecycle_policy": LIFECYCLE_TEXT,
        "description": "ecr-share: repositories replicated from 111111111111 (us-east-1): the pull policy "
        "of its grant, immutable tags, AES256, a lifecycle policy",
    }
    scanning = plan_of(project).named(
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration", "replicas-us-west-2-scanning"
    )
    assert scanning.inputs == {
        "region": "us-west-2",
        "scan_type": "BASIC",
        "rules": [
            {
                "scan_frequency": "SCAN_ON_PUSH",
                "repository_filters": [{"filter": "web-app*", "filter_type": "WILDCARD"}],
            }
        ],
    }


def test_nothing_lands_in_another_account_or_region(project: ProjectPlan) -> None:
    plan = plan_of(project)
    assert plan.account_id == SOURCE
    assert {plan.region_of(r) for r in plan.provider_resources()} == {"us-east-1", "us-west-2"}
    assert not plan.of_type("aws:ecr/registryPolicy:RegistryPolicy")


def test_outputs_are_known_before_deploying(project: ProjectPlan) -> None:
    assert plan_of(project).exports == {
        "contractVersion": 4,
        "registryId": SOURCE,
        "region": "us-east-1",
        "repositoryArns": {
            "web-app": f"arn:aws:ecr:us-east-1:{SOURCE}:repository/web-app",
            "worker": f"arn:aws:ecr:us-east-1:{SOURCE}:repository/worker",
        },
        "repositoryUrls": {"web-app": f"{REGISTRY}/web-app", "worker": f"{REGISTRY}/worker"},
        # The normalised config: the stack's default lifecycle written into each repository.
        "repositories": [
            {
                "name": name,
                "scanOnPush": True,
                "imageTagMutability": "IMMUTABLE",
                "encryption": "AES256",
                "lifecycle": DEFAULT_LIFECYCLE,
            }
            for name in ("web-app", "worker")
        ],
        "access": {"accounts": ["222222222222", "333333333333", PROD]},
        "replication": {
            "rules": [
                {
                    "destinations": [{"region": "us-west-2", "account": SOURCE}],
                    "filters": ["web-app"],
                    "rootTemplate": True,
                },
                {
                    "destinations": [{"region": "us-east-1", "account": PROD}],
                    "filters": ["web-app", "worker"],
                    "rootTemplate": True,
                },
            ],
        },
    }


def test_a_long_account_list_takes_the_compact_form_in_repositories_and_own_replicas() -> None:
    """One function renders the grant: past what the seed's form holds, the repositories and the
    build account's own replica template carry the same compact document."""
    config = load_stack_config(PROJECT_DIR, "build")
    accounts = [f"{n:012d}" for n in range(200_000_000_000, 200_000_000_000 + 600)]
    config["ecr-share:access"] = {"accounts": accounts}
    plan = plan_build_stack(parse_stack_config("build", config))
    texts = {r.inputs["policy"] for r in plan.of_type("aws:ecr/repositoryPolicy:RepositoryPolicy")}
    texts.add(
        plan.named(
            "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate", "replicas-us-west-2-ROOT"
        ).inputs["repository_policy"]
    )
    assert texts == {canonical_json(account_condition_policy(accounts))}
    assert len(texts.pop()) <= REPOSITORY_POLICY_MAX_CHARS
