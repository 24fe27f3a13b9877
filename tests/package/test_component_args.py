"""The components used from another Python program: each checks its own args (plain dicts, Python
names) before registering anything, with the config checks' rules and messages in Python names, and
the program's own args keep passing unchanged."""

from __future__ import annotations

import json
import typing
from collections.abc import Callable
from typing import Any

import pulumi
import pytest

from components import (
    ArgsError,
    FargateTaskDefinition,
    PullExecutionRole,
    RegistryReplication,
    ReplicaRepositorySettings,
    ReplicationReceiver,
    SharedRepositories,
    image_uri,
)
from components.catalog import component_class, component_classes
from components.errors import ConfigError
from components.plan.children import component_args
from components.plan.project import ProjectPlan, plan_project, plan_stacks
from components.plan.register import PlannedComponent
from components.repositories.documents import lifecycle_policy_text
from components.repositories.model import KeepTagged, Lifecycle
from tests.support.consumer_grants_variant import (
    CODEBUILD_ROLE,
    DEV_EXECUTION_ROLE,
    DEV_NODE_ROLE,
    dev_granted_by_role,
    example_stacks,
)
from tests.support.ecs_service_variant import prod_with_ecs_services
from tests.support.kms_variant import committed, with_kms_keys, with_tag_exclusions
from tests.support.overgrant_cases import CASES, Case, args_message
from tests.support.pulumi_harness import PROJECT_DIR, ProgramRun, run_program

REPOSITORIES = {
    "repositories": [{"name": "web-app"}],
    "access": {"accounts": ["222222222222"]},
    "region": "us-east-1",
    "account_id": "111111111111",
}
ROLE = {
    "role_name": "payments-execution",
    "account_id": "222222222222",
    "repository_arns": ["arn:aws:ecr:us-east-1:111111111111:repository/web-app"],
    "log_group_arns": ["arn:aws:logs:us-east-1:222222222222:log-group:/ecs/payments:*"],
}
TASK = {
    "family": "payments",
    "image": "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3",
    "cpu": 256,
    "memory": 512,
    "container_port": 8080,
    "execution_role_arn": "arn:aws:iam::222222222222:role/payments-execution",
    "region": "us-east-1",
    "log_retention_days": 30,
}
SERVICE = {
    "cluster_arn": "arn:aws:ecs:us-east-1:222222222222:cluster/production",
    "subnets": ["subnet-0123456789abcdef0"],
    "security_groups": [],
    "desired_count": 2,
    "assign_public_ip": False,
}
RECEIVER = {
    "source_account": "111111111111",
    "account_id": "444444444444",
    "region": "us-east-1",
    "filters": ["team-a/"],
    "template_prefixes": ["team-a"],
    "description": "replicas",
}


REPLICAS = {
    "template_prefixes": ["team-a"],
    "filters": ["team-a/"],
    "description": "replicas",
    "region": "us-west-2",
}
REPLICA_KEY = {
    "account_id": "111111111111",
    "region": "us-west-2",
    "role_name": "ecr-share-build-replicas-us-west-2",
    "repository_arns": ["arn:aws:ecr:us-west-2:111111111111:repository/team-a/*"],
}
RECEIVER_KEY = {
    "account_id": "444444444444",
    "region": "us-east-1",
    "role_name": "ecr-share-prod-replicas-us-east-1",
    "repository_arns": ["arn:aws:ecr:us-east-1:444444444444:repository/team-a/*"],
}
KEY_ARN = "arn:aws:kms:us-west-2:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"
CREATED_KEY = {"kms_key": {"account_id": "111111111111", "deletion_window_days": 30}}


def lifecycle(*rules: dict[str, Any]) -> str:
    """A lifecycle policy as another program writes it: JSON text."""
    return json.dumps({"rules": list(rules)})


def rule(priority: int = 1, **selection: Any) -> dict[str, Any]:
    """An ECR lifecycle rule: by default, expire untagged images 14 days after their push."""
    chosen = {
        "tagStatus": "untagged",
        "countType": "sinceImagePushed",
        "countUnit": "days",
        "countNumber": 14,
    }
    chosen.update(selection)
    return {
        "rulePriority": priority,
        "description": "Expire what this rule selects",
        "selection": {k: v for k, v in chosen.items() if v is not None},
        "action": {"type": "expire"},
    }


def repository(**settings: Any) -> dict[str, Any]:
    """SharedRepositories args with one repository of these settings."""
    return {**REPOSITORIES, "repositories": [{"name": "web-app", **settings}]}


def refusal(component: type[PlannedComponent], args: Any) -> tuple[str, ProgramRun]:
    run = ProgramRun()
    with pytest.raises(ArgsError) as refused:
        run_program("test", {}, run=run, program=lambda: component("bad", args))
    return str(refused.value), run


REFUSED = [
    (
        SharedRepositories,
        {**REPOSITORIES, "repositories": [{"name": "web-app", "image_tag_mutability": "mutable"}]},
        'SharedRepositories "bad": repositories[0].image_tag_mutability: "mutable" is not one of IMMUTABLE, MUTABLE, '
        "IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION",
    ),
    (
        SharedRepositories,
        {**REPOSITORIES, "access": {"accounts": ["222222222222"], "organization_id": "o-abc123def4"}},
        'SharedRepositories "bad": access: {"accounts": ["222222222222"], "organization_id": "o-abc123def4"} '
        "must set at most one of accounts (a list of account IDs) or organization_id",
    ),
    (
        SharedRepositories,
        {
            **REPOSITORIES,
            "access": {"organization_id": "o-abc123def4", "organization_paths": ["o-other12345/r-ab12/"]},
        },
        'SharedRepositories "bad": access.organization_paths[0]: "o-other12345/r-ab12/" is not inside the '
        'organization "o-abc123def4"',
    ),
    (
        SharedRepositories,
        {**REPOSITORIES, "access": {"accounts": [f"{n:012d}" for n in range(1, 700)]}},
        'SharedRepositories "bad": access.accounts: "699 accounts" make a repository policy of 10791 characters '
        "even in its compact form, over ECR's limit of 10240 (at most 662 accounts fit): grant the "
        "organization instead (access.organization_id, optionally access.organization_paths)",
    ),
    (
        SharedRepositories,
        {**REPOSITORIES, "regoin": "us-east-1"},
        'SharedRepositories "bad": regoin: "us-east-1" is not an arg (repositories, access, region, account_id, '
        "kms_key)",
    ),
    (
        SharedRepositories,
        {k: v for k, v in REPOSITORIES.items() if k != "region"},
        'SharedRepositories "bad": region: null is missing',
    ),
    (
        SharedRepositories,
        {**REPOSITORIES, "region": pulumi.Output.from_input("us-east-1")},
        'SharedRepositories "bad": region: "<Output>" is an Output, known only once deployed: the component '
        "renders its policies and names before deploying, so pass the value itself",
    ),
    (
        SharedRepositories,
        [REPOSITORIES],
        'SharedRepositories "bad": args: "list" is not a dict of args',
    ),
    (
        PullExecutionRole,
        {**ROLE, "repository_arns": ["arn:aws:ecr:us-east-1:111111111111:repository/*"]},
        'PullExecutionRole "bad": repository_arns[0]: "arn:aws:ecr:us-east-1:111111111111:repository/*" is '
        "not an ECR repository ARN (arn:<partition>:ecr:<region>:<account>:repository/<name>)",
    ),
    (
        PullExecutionRole,
        {**ROLE, "log_group_arns": ["arn:aws:logs:us-east-1:222222222222:log-group:/ecs/payments"]},
        'PullExecutionRole "bad": log_group_arns[0]: "arn:aws:logs:us-east-1:222222222222:log-group:/ecs/payments" '
        "is not the ARN of a log group's streams (arn:<partition>:logs:<region>:<account>:log-group:<name>:*)",
    ),
    (
        PullExecutionRole,
        {**ROLE, "log_group_arns": ["arn:aws:logs:us-east-1:333333333333:log-group:/ecs/payments:*"]},
        'PullExecutionRole "bad": log_group_arns[0]: "arn:aws:logs:us-east-1:333333333333:log-group:/ecs/payments:*" '
        "is in account 333333333333, not 222222222222: the awslogs driver writes to log groups of the task's "
        "own account",
    ),
    (
        PullExecutionRole,
        {**ROLE, "role_name": "payments execution"},
        'PullExecutionRole "bad": role_name: "payments execution" is not an IAM role name (1 to 64 of '
        "[A-Za-z0-9_+=,.@-])",
    ),
    (
        FargateTaskDefinition,
        {**TASK, "cpu": 300},
        'FargateTaskDefinition "bad": cpu: 300 is not a Fargate CPU size (256, 512, 1024, 2048, 4096, 8192, 16384)',
    ),
    (
        FargateTaskDefinition,
        {**TASK, "image": "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:"},
        'FargateTaskDefinition "bad": image: "" is not a Docker image tag (a letter, digit or _, then up to 127 '
        "of [A-Za-z0-9_.-])",
    ),
    (
        FargateTaskDefinition,
        {**TASK, "log_retention_days": 10},
        'FargateTaskDefinition "bad": log_retention_days: 10 is not a CloudWatch Logs retention (1, 3, 5, 7, 14, '
        "30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)",
    ),
    (
        FargateTaskDefinition,
        {**TASK, "ecs_service": {**SERVICE, "cluster_arn": "production"}},
        'FargateTaskDefinition "bad": ecs_service.cluster_arn: "production" is not an ECS cluster ARN '
        "(arn:<partition>:ecs:<region>:<account>:cluster/<name>)",
    ),
    (
        FargateTaskDefinition,
        {
            **TASK,
            "ecs_service": {
                **SERVICE,
                "cluster_arn": "arn:aws:ecs:eu-west-1:222222222222:cluster/production",
            },
        },
        'FargateTaskDefinition "bad": ecs_service.cluster_arn: "arn:aws:ecs:eu-west-1:222222222222:cluster/production" '
        "is a cluster in Region eu-west-1, not this stack's Region us-east-1",
    ),
    (
        FargateTaskDefinition,
        {**TASK, "ecs_service": {**SERVICE, "subnets": ["subnet-1"]}},
        'FargateTaskDefinition "bad": ecs_service.subnets[0]: "subnet-1" is not a subnet ID ("subnet-" and 8 or 17 '
        "hex digits)",
    ),
    (
        RegistryReplication,
        {"rules": [{"destinations": [{"region": "us-west-2", "account": "111111111111"}], "filters": []}]},
        'RegistryReplication "bad": rules[0].filters: [] is empty: leave filters out to replicate every repository',
    ),
    (
        RegistryReplication,
        {"rules": [{"destinations": [{"region": "us-west-2", "account": "111111111111"}]}] * 11},
        'RegistryReplication "bad": rules: "11 rules" are more than ECR\'s 10 rules per registry and Region: '
        "merge rules that have the same filters",
    ),
    (
        ReplicaRepositorySettings,
        {"template_prefixes": ["team-a"], "filters": [], "description": "d"},
        'ReplicaRepositorySettings "bad": template_prefixes: ["team-a"] do not include ROOT, but filters is empty: '
        "every repository is replicated, so only ROOT covers them all",
    ),
    (
        ReplicationReceiver,
        {**RECEIVER, "template_prefixes": ["team-b"]},
        'ReplicationReceiver "bad": template_prefixes: ["team-b"] cover no repository the filter "team-a/" '
        "replicates: add its namespace or ROOT, or its replicas keep ECR's defaults (mutable tags, no policy) "
        "for good",
    ),
    (
        ReplicationReceiver,
        {**RECEIVER, "source_account": "444444444444"},
        'ReplicationReceiver "bad": source_account: "444444444444" is account_id itself: replication within one '
        "account needs no registry policy (ReplicaRepositorySettings gives its replicas their settings)",
    ),
    (
        ReplicationReceiver,
        {
            **RECEIVER,
            "registry_scanning": {
                "scan_type": "BASIC",
                "rules": [{"scan_frequency": "CONTINUOUS_SCAN", "filters": ["*"]}],
            },
        },
        'ReplicationReceiver "bad": registry_scanning.rules[0].scan_frequency: "CONTINUOUS_SCAN" is not one of '
        "SCAN_ON_PUSH, MANUAL",
    ),
    (
        ReplicationReceiver,
        {
            **RECEIVER,
            "registry_policy_statements": [
                '{"Sid": "Everyone", "Effect": "Allow", "Principal": "*", "Action": ["ecr:ReplicateImage"], "Resource": ["*"]}'
            ],
        },
        'ReplicationReceiver "bad": registry_policy_statements[0].Principal: "*" is not {"AWS": <account IDs or '
        "IAM ARNs>}: a registry policy names AWS principals only",
    ),
    (
        ReplicationReceiver,
        {**RECEIVER, "access": {"accounts": ["444444444444"]}},
        'ReplicationReceiver "bad": access.accounts[0]: "444444444444" is the receiving account itself: it owns '
        "the repositories and needs no grant",
    ),
    (
        SharedRepositories,
        repository(image_tag_mutability_exclusion_filters=["latest"]),
        'SharedRepositories "bad": repositories[0].image_tag_mutability_exclusion_filters: ["latest"] needs '
        "image_tag_mutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION",
    ),
    (
        SharedRepositories,
        repository(image_tag_mutability="IMMUTABLE_WITH_EXCLUSION"),
        'SharedRepositories "bad": repositories[0].image_tag_mutability_exclusion_filters: null is missing: '
        'IMMUTABLE_WITH_EXCLUSION needs 1 to 5 tag filters (for example ["latest", "dev-*"])',
    ),
    (
        SharedRepositories,
        repository(
            image_tag_mutability="MUTABLE_WITH_EXCLUSION", image_tag_mutability_exclusion_filters=["*dev*-*"]
        ),
        'SharedRepositories "bad": repositories[0].image_tag_mutability_exclusion_filters[0]: "*dev*-*" has 3 '
        "wildcards: ECR allows at most 2",
    ),
    (
        SharedRepositories,
        {**repository(stack_key=True), **CREATED_KEY},
        'SharedRepositories "bad": repositories[0].stack_key: true needs encryption: "KMS"',
    ),
    (
        SharedRepositories,
        {**repository(encryption="KMS", kms_key="alias/ecr", stack_key=True), **CREATED_KEY},
        'SharedRepositories "bad": repositories[0].stack_key: true and repositories[0].kms_key are both set: '
        "encrypt with the key this component creates (stack_key) or with the key kms_key names, not both",
    ),
    (
        SharedRepositories,
        repository(encryption="KMS", stack_key=True),
        'SharedRepositories "bad": repositories[0].stack_key: true needs the component\'s kms_key: the component '
        "creates the key stack_key encrypts with only when kms_key is set",
    ),
    (
        SharedRepositories,
        {**REPOSITORIES, "kms_key": {"account_id": "111111111111", "deletion_window_days": 5}},
        'SharedRepositories "bad": kms_key.deletion_window_days: 5 is not a KMS deletion window (7 to 30 days)',
    ),
    (
        SharedRepositories,
        {**REPOSITORIES, "kms_key": {"account_id": "333333333333"}},
        'SharedRepositories "bad": kms_key.account_id: "333333333333" is not account_id 111111111111: the key is '
        "created with the repositories, in their account",
    ),
    (
        SharedRepositories,
        {**REPOSITORIES, "kms_key": {"account_id": "111111111111", "create": True}},
        'SharedRepositories "bad": kms_key.create: true is not a known setting (known: account_id, '
        "deletion_window_days)",
    ),
    (
        SharedRepositories,
        repository(lifecycle_policy='{"rules": []}'),
        'SharedRepositories "bad": repositories[0].lifecycle_policy: "13 characters" are not a lifecycle policy '
        "ECR takes (100 to 30720 characters)",
    ),
    (
        SharedRepositories,
        repository(lifecycle_policy=lifecycle(rule())[:-1]),
        'SharedRepositories "bad": repositories[0].lifecycle_policy: "222 characters" are not JSON: Expecting \',\' '
        "delimiter at character 222",
    ),
    (
        SharedRepositories,
        repository(lifecycle_policy=json.dumps({"rule": [rule()] * 2})),
        'SharedRepositories "bad": repositories[0].lifecycle_policy: "434 characters" are not a lifecycle '
        'policy: a JSON object {"rules": [...]} with at least one rule',
    ),
    (
        SharedRepositories,
        repository(lifecycle_policy=lifecycle(rule(tagStatus="Tagged"))),
        'SharedRepositories "bad": repositories[0].lifecycle_policy: "Tagged" at rules[0].selection.tagStatus is '
        "not one of tagged, untagged, any",
    ),
    (
        SharedRepositories,
        repository(lifecycle_policy=lifecycle(rule(tagStatus="tagged"))),
        'SharedRepositories "bad": repositories[0].lifecycle_policy: null at rules[0].selection.tagPrefixList is '
        "missing: a tagged rule needs a tagPrefixList or a tagPatternList",
    ),
    (
        SharedRepositories,
        repository(lifecycle_policy=lifecycle(rule(tagPatternList=["dev-*"]))),
        'SharedRepositories "bad": repositories[0].lifecycle_policy: "<list>" at rules[0].selection.tagPatternList '
        "is set: an untagged rule takes no tag list",
    ),
    (
        SharedRepositories,
        repository(lifecycle_policy=lifecycle(rule(countType="imageCountMoreThan"))),
        'SharedRepositories "bad": repositories[0].lifecycle_policy: "days" at rules[0].selection.countUnit is '
        "set: imageCountMoreThan counts images, it takes no countUnit",
    ),
    (
        SharedRepositories,
        repository(lifecycle_policy=lifecycle(rule(countNumber=0))),
        'SharedRepositories "bad": repositories[0].lifecycle_policy: 0 at rules[0].selection.countNumber is not a '
        "count (an integer of at least 1)",
    ),
    (
        SharedRepositories,
        repository(lifecycle_policy=lifecycle(rule(1), rule(1, tagStatus="tagged", tagPrefixList=["dev-"]))),
        'SharedRepositories "bad": repositories[0].lifecycle_policy: 1 at rules[1].rulePriority is the priority '
        "of rules[0] too: each rule needs its own rulePriority",
    ),
    (
        ReplicaRepositorySettings,
        {**REPLICAS, "image_tag_mutability_exclusion_filters": ["latest"]},
        'ReplicaRepositorySettings "bad": image_tag_mutability_exclusion_filters: ["latest"] needs '
        "image_tag_mutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION",
    ),
    (
        ReplicaRepositorySettings,
        {**REPLICAS, "lifecycle_policy": lifecycle(rule(2, tagStatus="any"), rule(5))},
        'ReplicaRepositorySettings "bad": lifecycle_policy: 2 at rules[0].rulePriority is not the highest: a rule '
        "with tagStatus any must have the highest rulePriority, so that ECR evaluates it last",
    ),
    (
        ReplicaRepositorySettings,
        {**REPLICAS, "kms": {**REPLICA_KEY, "key_arn": KEY_ARN, "deletion_window_days": 7}},
        'ReplicaRepositorySettings "bad": kms.deletion_window_days: 7 is for a key created here: a key you '
        "manage (kms.key_arn) keeps its own deletion window",
    ),
    (
        ReplicaRepositorySettings,
        {**REPLICAS, "kms": {**REPLICA_KEY, "key_arn": KEY_ARN.replace("us-west-2", "eu-west-1")}},
        'ReplicaRepositorySettings "bad": kms.key_arn: "arn:aws:kms:eu-west-1:111111111111:key/1234abcd-12ab-'
        '34cd-56ef-1234567890ab" is in Region eu-west-1, but the templates are in us-west-2: a creation '
        "template's key must be in its own Region",
    ),
    (
        ReplicaRepositorySettings,
        {**REPLICAS, "kms": {**REPLICA_KEY, "key_arn": "alias/ecr"}},
        'ReplicaRepositorySettings "bad": kms.key_arn: "alias/ecr" is not the ARN of a KMS key '
        "(arn:aws:kms:<region>:<account>:key/<key ID>): creation templates take a full key ARN, not an alias "
        "or a key ID",
    ),
    (
        ReplicaRepositorySettings,
        {**REPLICAS, "kms": {**REPLICA_KEY, "region": "eu-west-1"}},
        'ReplicaRepositorySettings "bad": kms.region: "eu-west-1" is not the templates\' Region us-west-2 '
        "(region): a creation template's key must be in its own Region",
    ),
    (
        ReplicaRepositorySettings,
        {
            **REPLICAS,
            "kms": {
                **REPLICA_KEY,
                "repository_arns": ["arn:aws:ecr:us-west-2:111111111111:repository/team-b/*"],
            },
        },
        'ReplicaRepositorySettings "bad": kms.repository_arns: ["arn:aws:ecr:us-west-2:111111111111:repository/'
        'team-b/*"] do not cover the filter "team-a/" replicates: the role could not create those replicas '
        "encrypted; add arn:aws:ecr:us-west-2:111111111111:repository/team-a/*",
    ),
    (
        # A ROOT template creates every source's replicas: the role must reach the other sources' too.
        ReplicationReceiver,
        {
            **RECEIVER,
            "template_prefixes": ["ROOT", "team-a"],
            "other_sources": [{"account": "555555555555", "filters": ["team-b/"]}],
            "kms": {
                **RECEIVER_KEY,
                "key_arn": "arn:aws:kms:us-east-1:444444444444:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            },
        },
        'ReplicationReceiver "bad": kms.repository_arns: ["arn:aws:ecr:us-east-1:444444444444:repository/'
        'team-a/*"] do not cover the filter "team-b/" replicates: the role could not create those replicas '
        "encrypted; add arn:aws:ecr:us-east-1:444444444444:repository/team-b/*",
    ),
    (
        ReplicaRepositorySettings,
        {**REPLICAS, "filters": [], "template_prefixes": ["ROOT"], "kms": REPLICA_KEY},
        'ReplicaRepositorySettings "bad": kms.repository_arns: ["arn:aws:ecr:us-west-2:111111111111:repository/'
        'team-a/*"] do not cover every repository (filters is empty): the role could not create those '
        "replicas encrypted; add arn:aws:ecr:us-west-2:111111111111:repository/*",
    ),
    (
        ReplicaRepositorySettings,
        {**REPLICAS, "kms": {k: v for k, v in REPLICA_KEY.items() if k != "role_name"}},
        'ReplicaRepositorySettings "bad": kms.role_name: null is missing',
    ),
    (
        ReplicationReceiver,
        {**RECEIVER, "image_tag_mutability": "immutable"},
        'ReplicationReceiver "bad": image_tag_mutability: "immutable" is not one of IMMUTABLE, MUTABLE, '
        "IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION",
    ),
    (
        ReplicationReceiver,
        {
            **RECEIVER,
            "lifecycle_policy": lifecycle(
                rule(
                    tagStatus="tagged",
                    tagPatternList=["*a*b*c*d*e*"],
                    countType="imageCountMoreThan",
                    countUnit=None,
                )
            ),
        },
        'ReplicationReceiver "bad": lifecycle_policy: "*a*b*c*d*e*" at rules[0].selection.tagPatternList[0] is '
        "not a tag pattern (a tag with at most 4 wildcards *)",
    ),
    (
        ReplicationReceiver,
        {**RECEIVER, "kms": {**RECEIVER_KEY, "account_id": "111111111111"}},
        'ReplicationReceiver "bad": kms.account_id: "111111111111" is not account_id 444444444444: the key and '
        "the templates' role are the receiving registry's",
    ),
    (
        ReplicationReceiver,
        {**RECEIVER, "kms": {**RECEIVER_KEY, "region": "us-west-2"}},
        'ReplicationReceiver "bad": kms.region: "us-west-2" is not the templates\' Region us-east-1 (region): a '
        "creation template's key must be in its own Region",
    ),
    (
        ReplicationReceiver,
        {
            **RECEIVER,
            "kms": {
                **RECEIVER_KEY,
                "repository_arns": ["arn:aws:ecr:us-east-1:111111111111:repository/team-a/*"],
            },
        },
        'ReplicationReceiver "bad": kms.repository_arns[0]: "arn:aws:ecr:us-east-1:111111111111:repository/'
        "team-a/*\" is not in the key's registry (444444444444 in us-east-1): the role creates replicas there only",
    ),
    (
        ReplicationReceiver,
        {
            **RECEIVER,
            "kms": {
                **RECEIVER_KEY,
                "repository_arns": ["arn:aws:ecr:us-east-1:444444444444:repository/Team-A/*"],
            },
        },
        'ReplicationReceiver "bad": kms.repository_arns[0]: "arn:aws:ecr:us-east-1:444444444444:repository/'
        'Team-A/*" is not the ARN of ECR repositories (arn:<partition>:ecr:<region>:<account>:repository/<name>, '
        "or .../repository/<prefix>* for every repository whose name starts with the prefix)",
    ),
    (
        ReplicationReceiver,
        {**RECEIVER, "kms": {**RECEIVER_KEY, "role_name": "replicas role"}},
        'ReplicationReceiver "bad": kms.role_name: "replicas role" is not an IAM role name (1 to 64 of '
        "[A-Za-z0-9_+=,.@-])",
    ),
    (
        ReplicationReceiver,
        {**RECEIVER, "kms": {**RECEIVER_KEY, "deletion_window_days": 31}},
        'ReplicationReceiver "bad": kms.deletion_window_days: 31 is not a KMS deletion window (7 to 30 days)',
    ),
]


@pytest.mark.parametrize(("component", "args", "message"), REFUSED)
def test_bad_args_are_refused_in_python_names_before_anything_is_registered(
    component: type[PlannedComponent], args: Any, message: str
) -> None:
    shown, run = refusal(component, args)
    assert shown == message
    assert run.resources == []


COMPONENTS: dict[str, type[PlannedComponent]] = {
    "SharedRepositories": SharedRepositories,
    "ReplicaRepositorySettings": ReplicaRepositorySettings,
    "ReplicationReceiver": ReplicationReceiver,
}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_the_args_behind_each_over_grant_are_refused_as_the_config_is(case: Case) -> None:
    """Issue 19: the args another program would pass for the same grant get the stack file's refusal,
    word for word (in schema names), and the component registers nothing."""
    component = COMPONENTS[case.component]
    assert component._args is not None
    with pytest.raises(ConfigError) as refused:
        component._args.check_schema_args(case.args)
    assert str(refused.value) == args_message(case)
    shown, run = refusal(component, case.args)
    assert shown.startswith(f'{case.component} "bad": ')
    assert run.resources == []


def test_replica_settings_refuse_the_lambda_over_grant_of_their_grant_too() -> None:
    """The build account's replicas carry its grant (ReplicaRepositorySettings' grant): the same
    refusal, under grant.access."""
    (case,) = [c for c in CASES if c.component == "SharedRepositories"]
    grant = {"access": case.args["access"], "account_id": "111111111111", "region": "us-west-2"}
    assert ReplicaRepositorySettings._args is not None
    with pytest.raises(ConfigError) as refused:
        ReplicaRepositorySettings._args.check_schema_args({**REPLICAS, "grant": grant})
    assert str(refused.value) == args_message(case).replace("access.", "grant.access.")


@pytest.mark.parametrize(
    "component", [ReplicaRepositorySettings, ReplicationReceiver], ids=lambda c: c.__name__
)
def test_no_component_takes_a_repository_policy_as_text(component: type[PlannedComponent]) -> None:
    """The config path can grant only accounts, an organization, roles or Lambda functions, pull only:
    a replica's policy is rendered from that structured grant, never taken as text."""
    args = REPLICAS if component is ReplicaRepositorySettings else RECEIVER
    text = '{"Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*"}]}'
    shown, run = refusal(component, {**args, "repository_policy": text})
    assert component._args is not None
    known = ", ".join(component._args.args_type.__annotations__)
    assert (
        shown == f'{component.__name__} "bad": repository_policy: {json.dumps(text)} is not an arg ({known})'
    )
    assert run.resources == []


def test_component_args_take_no_raw_policy_text() -> None:
    """Every arg of every component that holds a policy is structured: the only text documents left
    are lifecycle policies (checked by lifecycle_policy_text) and registry statements (parsed and
    checked as the config's registryPolicyStatements are)."""
    text_args = {
        (component.__name__, name)
        for component in component_classes()
        if component._args is not None
        for name in _text_fields(component._args.args_type)
        if "policy" in name
    }
    assert text_args == {
        ("SharedRepositories", "repositories.lifecycle_policy"),
        ("ReplicaRepositorySettings", "lifecycle_policy"),
        ("ReplicationReceiver", "lifecycle_policy"),
        ("ReplicationReceiver", "registry_policy_statements"),
        ("AttachedPullPolicy", "policy_name"),
    }


def _text_fields(args_type: Any, prefix: str = "") -> list[str]:
    """Every field of an args TypedDict and its nested TypedDicts whose value is text (or a list of
    text), by its path."""
    found: list[str] = []
    # The annotations as the component host reads them (the component modules do not defer them).
    for name, field in args_type.__annotations__.items():
        kinds = [field, *typing.get_args(field)]
        kinds += [a for k in kinds for a in typing.get_args(k)]
        if any(typing.is_typeddict(k) for k in kinds):
            nested = next(k for k in kinds if typing.is_typeddict(k))
            found += _text_fields(nested, f"{prefix}{name}.")
        elif str in kinds:
            found.append(f"{prefix}{name}")
    return found


def test_a_refusal_is_a_run_error_and_a_config_error() -> None:
    """A RunError: the Pulumi CLI shows a Python program only its message, no traceback."""
    with pytest.raises(ArgsError) as refused:
        run_program("test", {}, program=lambda: SharedRepositories("bad", {**REPOSITORIES, "region": "mars"}))
    assert isinstance(refused.value, pulumi.RunError)
    assert isinstance(refused.value, ConfigError)
    assert (refused.value.key, refused.value.value) == ("region", "mars")


def _with_ecs_services() -> dict[str, dict[str, Any]]:
    stacks = committed()
    stacks["prod"] = prod_with_ecs_services()
    return stacks


# Every tested variant of the committed stack files (tests/*_variant.py).
VARIANTS: dict[str, Callable[[], dict[str, dict[str, Any]]]] = {
    "customer managed keys": with_kms_keys,
    "tag exclusions": with_tag_exclusions,
    "role and Lambda grants, existing roles": example_stacks,
    "dev granted by role only": lambda: dev_granted_by_role(
        example_stacks(), [DEV_EXECUTION_ROLE, DEV_NODE_ROLE, CODEBUILD_ROLE]
    ),
    "ECS services": _with_ecs_services,
}


def assert_args_pass_unchanged(project: ProjectPlan) -> int:
    """Every component of every stack: its planned args are already what the check returns."""
    checked = 0
    for plan in project.plans.values():
        for resource in plan.resources:
            if resource.is_component:
                component = component_class(resource.type)
                assert component._args is not None
                args = component_args(resource)
                assert component._args.normalized(resource.name, dict(args)) == args
                checked += 1
    return checked


def test_the_programs_own_args_pass_unchanged() -> None:
    assert assert_args_pass_unchanged(plan_project(PROJECT_DIR)) >= 10


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_the_programs_own_args_pass_unchanged_in_every_tested_variant(variant: str) -> None:
    assert assert_args_pass_unchanged(plan_stacks(VARIANTS[variant]())) >= 10


def test_the_variants_plan_every_new_arg() -> None:
    """The variants above hold the args issue 12 added, so the tests above check them."""
    planned = [
        component_args(r)
        for make in VARIANTS.values()
        for plan in plan_stacks(make()).plans.values()
        for r in plan.resources
        if r.is_component
    ]
    repositories = [entry for inputs in planned for entry in inputs.get("repositories", ())]
    assert any("kms_key" in inputs and "repositories" in inputs for inputs in planned)
    for arg in ("stack_key", "lifecycle_policy", "image_tag_mutability_exclusion_filters"):
        assert any(arg in entry for entry in repositories), arg
    replicas = [inputs for inputs in planned if "template_prefixes" in inputs]
    for arg in ("kms", "lifecycle_policy", "image_tag_mutability"):
        assert any(arg in inputs for inputs in replicas), arg
    keys = [inputs["kms"] for inputs in replicas if "kms" in inputs]
    assert any("deletion_window_days" in k for k in keys)


def test_optional_args_set_to_none_are_unset_and_defaults_are_filled_in() -> None:
    args = {
        "repositories": ({"name": "web-app", "kms_key": None},),
        "access": {"accounts": None, "organization_id": "o-abc123def4"},
        "region": "us-east-1",
        "account_id": "111111111111",
    }
    assert SharedRepositories._args is not None
    assert SharedRepositories._args.normalized("shared", args) == {
        "repositories": [
            {
                "name": "web-app",
                "scan_on_push": True,
                "image_tag_mutability": "IMMUTABLE",
                "encryption": "AES256",
            }
        ],
        "access": {"organization_id": "o-abc123def4"},
        "region": "us-east-1",
        "account_id": "111111111111",
    }


def test_a_python_program_gets_image_uris_of_its_repositories() -> None:
    def program() -> None:
        shared = SharedRepositories(
            "shared", {**REPOSITORIES, "repositories": [{"name": "web-app"}, {"name": "worker"}]}
        )
        pulumi.export("tagged", shared.image_uri("web-app", tag="v1.2.3"))
        pulumi.export("pinned", shared.image_uri("worker", digest="sha256:" + "0" * 64))

    exports = run_program("test", {"aws:allowedAccountIds": ["111111111111"]}, program=program).exports
    assert exports == {
        "tagged": "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3",
        "pinned": "111111111111.dkr.ecr.us-east-1.amazonaws.com/worker@sha256:" + "0" * 64,
    }


@pytest.mark.parametrize(
    ("repository", "choice", "message"),
    [
        (
            "api",
            {"tag": "v1"},
            'SharedRepositories "shared".image_uri: repository: "api" is not one of these repositories (web-app)',
        ),
        (
            "web-app",
            {},
            'SharedRepositories "shared".image_uri: image: {"digest": null, "tag": null} must set exactly one of tag or digest',
        ),
        (
            "web-app",
            {"tag": "v1", "digest": "sha256:" + "0" * 64},
            'SharedRepositories "shared".image_uri: image: {"digest": "sha256:'
            + "0" * 64
            + '", "tag": "v1"} must set exactly one of tag or digest',
        ),
        (
            "web-app",
            {"tag": "v 1"},
            'SharedRepositories "shared".image_uri: tag: "v 1" is not a Docker image tag (a letter, digit or _, then up to 127 of [A-Za-z0-9_.-])',
        ),
    ],
)
def test_image_uri_refuses_what_no_task_could_pull(
    repository: str, choice: dict[str, str], message: str
) -> None:
    def program() -> None:
        SharedRepositories("shared", REPOSITORIES).image_uri(repository, **choice)

    with pytest.raises(ArgsError) as refused:
        run_program("test", {}, program=program)
    assert str(refused.value) == message


def test_the_plain_image_uri_is_checked_like_the_services_keys() -> None:
    assert image_uri("111111111111", "eu-west-1", "team-a/api", tag="1.0") == (
        "111111111111.dkr.ecr.eu-west-1.amazonaws.com/team-a/api:1.0"
    )
    with pytest.raises(ArgsError, match=r'^image_uri: registry_id: "1111" is not a 12-digit AWS account ID$'):
        image_uri("1111", "eu-west-1", "team-a/api", tag="1.0")
    with pytest.raises(
        ArgsError, match=r"^image_uri: image: .* makes an image reference over ECS's 255 characters$"
    ):
        image_uri("111111111111", "eu-west-1", "a" * 200, tag="b" * 60)


ACCEPTED_LIFECYCLES = {
    "what the config writes": lifecycle_policy_text(Lifecycle(14, (KeepTagged("dev-", 20),))),
    "priorities need not be sequential, a tagStatus any rule comes last": lifecycle(
        rule(1), rule(10, tagStatus="tagged", tagPatternList=["*a*b*c*d"]), rule(20, tagStatus="any")
    ),
    # ECR's archive storage class (lifecycle_policy_examples.html): count types and an action that are
    # newer than this package's own policies; ECR, not the component, judges such values.
    "archive images not pulled for 90 days": lifecycle(
        {
            "rulePriority": 1,
            "description": "Archive images not pulled for 90 days",
            "selection": {
                "tagStatus": "any",
                "storageClass": "standard",
                "countType": "sinceImagePulled",
                "countUnit": "days",
                "countNumber": 90,
            },
            "action": {"type": "transition", "targetStorageClass": "archive"},
        }
    ),
}


@pytest.mark.parametrize("case", sorted(ACCEPTED_LIFECYCLES))
def test_a_lifecycle_policy_ecr_accepts_is_deployed_as_written(case: str) -> None:
    text = ACCEPTED_LIFECYCLES[case]
    assert SharedRepositories._args is not None
    checked = SharedRepositories._args.normalized("shared", repository(lifecycle_policy=text))
    assert checked["repositories"][0]["lifecycle_policy"] == text
    assert ReplicaRepositorySettings._args is not None
    assert (
        ReplicaRepositorySettings._args.normalized("replicas", {**REPLICAS, "lifecycle_policy": text})[
            "lifecycle_policy"
        ]
        == text
    )


def test_a_created_key_and_replica_keys_take_the_config_defaults() -> None:
    """A created key's deletion window is 30 days unless given, as with kmsKeys: {create: true}."""
    assert SharedRepositories._args is not None
    assert SharedRepositories._args.normalized(
        "shared", {**REPOSITORIES, "kms_key": {"account_id": "111111111111"}}
    )["kms_key"] == {"account_id": "111111111111", "deletion_window_days": 30}
    assert ReplicaRepositorySettings._args is not None
    checked = ReplicaRepositorySettings._args.normalized("replicas", {**REPLICAS, "kms": REPLICA_KEY})
    assert checked["kms"] == {**REPLICA_KEY, "deletion_window_days": 30}
    assert checked["image_tag_mutability"] == "IMMUTABLE"
    given = ReplicaRepositorySettings._args.normalized(
        "replicas", {**REPLICAS, "kms": {**REPLICA_KEY, "key_arn": KEY_ARN}}
    )
    assert given["kms"] == {**REPLICA_KEY, "key_arn": KEY_ARN}
