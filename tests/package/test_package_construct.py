"""The construct path another language takes: the provider gets plain inputs in schema (camelCase)
names, maps them, checks them and constructs the component, under the mock engine. Each component
must register exactly what its plan says; bad inputs must come back as input property errors keyed by
the property, with the config checks' own message, and register nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
import pytest

from components.args import python_name
from components.catalog import component_class
from components.config.stack import parse_stack_config
from components.consumers.resources import (
    ATTACHED_PULL_POLICY,
    FARGATE_TASK_DEFINITION,
    FARGATE_TASK_DEFINITION_ALIASES,
    PULL_EXECUTION_ROLE,
    ROLE,
)
from components.encryption.resources import KMS_KEY
from components.errors import ConfigError
from components.plan.children import expanded
from components.plan.model import OutputRef, Resource, StackPlan, key
from components.provider import EcrShareProvider
from components.replication.resources import (
    CREATION_TEMPLATE,
    REGISTRY_REPLICATION,
    REPLICA_REPOSITORY_SETTINGS,
    REPLICATION_RECEIVER,
)
from components.repositories.resources import (
    LIFECYCLE_POLICY,
    REPOSITORY,
    SHARED_REPOSITORIES,
    SHARED_REPOSITORIES_ALIASES,
)
from tests.support.pulumi_harness import ProgramRun, run_program
from tests.support.registration import assert_registers_exactly

ACCOUNT = "111111111111"
REGION = "eu-west-1"
CONFIG = {"aws:allowedAccountIds": [ACCOUNT], "aws:region": REGION}
# A lifecycle policy as another program writes it: plain JSON text.
LIFECYCLE = json.dumps(
    {
        "rules": [
            {
                "rulePriority": 1,
                "description": "Expire untagged images after 14 days",
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
                "description": "Keep the newest 20 dev images",
                "selection": {
                    "tagStatus": "tagged",
                    "tagPatternList": ["dev-*"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 20,
                },
                "action": {"type": "expire"},
            },
        ]
    }
)
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def python_args(value: Any) -> Any:
    """Schema-named inputs as the component gets them once the provider has mapped them."""
    if isinstance(value, dict):
        return {python_name(k): python_args(v) for k, v in value.items()}
    if isinstance(value, list):
        return [python_args(v) for v in value]
    return value


@dataclass
class Construct:
    """One component constructed through the provider: its type, name and schema-named inputs."""

    type: str
    name: str
    inputs: dict[str, Any]
    outputs_from: dict[str, tuple[str, str]] = field(default_factory=dict)
    """Input -> (earlier construct's name, output): how another language passes an Output along."""


def construct_all(constructs: list[Construct]) -> Callable[[], None]:
    def program() -> None:
        provider = EcrShareProvider()
        states: dict[str, dict[str, Any]] = {}
        for c in constructs:
            inputs = {**c.inputs, **{i: states[n][o] for i, (n, o) in c.outputs_from.items()}}
            states[c.name] = dict(provider.construct(c.name, c.type, inputs).state)
            pulumi.export(c.name, states[c.name])

    return program


CASES: dict[str, list[Construct]] = {
    "a pull policy attached to existing roles": [
        Construct(
            ATTACHED_PULL_POLICY,
            "node-pull",
            {
                "policyName": "eks-nodes-pull",
                "repositoryArns": [f"arn:aws:ecr:{REGION}:222222222222:repository/web-app"],
                "roleNames": ["eks-node-role", "codebuild-role"],
            },
        )
    ],
    "shared repositories for an organization": [
        Construct(
            SHARED_REPOSITORIES,
            "shared",
            {
                "repositories": [
                    {"name": "web-app"},
                    {
                        "name": "team-a/api",
                        "imageTagMutability": "MUTABLE",
                        "encryption": "KMS",
                        "kmsKey": "alias/ecr",
                    },
                ],
                "access": {
                    "organizationId": "o-abc123def4",
                    "organizationPaths": ["o-abc123def4/r-ab12/*"],
                },
                "region": REGION,
            },
        )
    ],
    "an execution role and a task definition running with its arn": [
        Construct(
            PULL_EXECUTION_ROLE,
            "execution",
            {
                "roleName": "payments-execution",
                "accountId": ACCOUNT,
                "repositoryArns": [f"arn:aws:ecr:{REGION}:222222222222:repository/web-app"],
                "logGroupArns": [f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/payments:*"],
            },
        ),
        Construct(
            FARGATE_TASK_DEFINITION,
            "payments",
            {
                "family": "payments",
                "image": f"222222222222.dkr.ecr.{REGION}.amazonaws.com/web-app:v1.2.3",
                "cpu": 512,
                "memory": 1024,
                "containerPort": 8080,
                "region": REGION,
                "logRetentionDays": 30,
            },
            outputs_from={"executionRoleArn": ("execution", "arn")},
        ),
    ],
    "registry replication": [
        Construct(
            REGISTRY_REPLICATION,
            "replication",
            {
                "rules": [
                    {
                        "destinations": [{"region": "us-west-2", "account": ACCOUNT}],
                        "filters": ["team-a/"],
                    },
                    {"destinations": [{"region": REGION, "account": "444444444444"}]},
                ]
            },
        )
    ],
    "replica repository settings in another Region": [
        Construct(
            REPLICA_REPOSITORY_SETTINGS,
            "replicas",
            {
                "templatePrefixes": ["team-a"],
                "filters": ["team-a/"],
                "description": "replicas of team-a",
                "registryScanning": {
                    "scanType": "BASIC",
                    "rules": [{"scanFrequency": "SCAN_ON_PUSH", "filters": ["team-a/*"]}],
                },
                "grant": {
                    "access": {
                        "accounts": ["222222222222"],
                        "lambdaAccounts": [
                            {"account": "555555555555", "deployers": ["arn:aws:iam::555555555555:role/ci"]}
                        ],
                    },
                    "accountId": ACCOUNT,
                    "region": "us-west-2",
                },
                "region": "us-west-2",
            },
        )
    ],
    "a replication receiver (a nested component)": [
        Construct(
            REPLICATION_RECEIVER,
            "receiver",
            {
                "sourceAccount": "444444444444",
                "accountId": ACCOUNT,
                "region": REGION,
                "filters": ["web-app"],
                "templatePrefixes": ["ROOT"],
                "description": "replicas from 444444444444",
                "otherSources": [{"account": "555555555555", "filters": ["shared/"]}],
                "access": {"organizationId": "o-abc123def4"},
            },
        )
    ],
    "KMS-encrypted shared repositories with the key they create": [
        Construct(
            SHARED_REPOSITORIES,
            "encrypted",
            {
                "repositories": [
                    {
                        "name": "web-app",
                        "encryption": "KMS",
                        "stackKey": True,
                        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                        "imageTagMutabilityExclusionFilters": ["latest", "dev-*"],
                        "lifecyclePolicy": LIFECYCLE,
                    },
                    {"name": "worker", "encryption": "KMS", "stackKey": True},
                    {"name": "tools", "encryption": "KMS", "kmsKey": "alias/tools"},
                ],
                "access": {"accounts": ["222222222222"]},
                "region": REGION,
                "accountId": ACCOUNT,
                "kmsKey": {"accountId": ACCOUNT, "deletionWindowDays": 14},
            },
        )
    ],
    "replica settings with exclusions, a lifecycle policy and a created key": [
        Construct(
            REPLICA_REPOSITORY_SETTINGS,
            "encrypted-replicas",
            {
                "templatePrefixes": ["team-a"],
                "filters": ["team-a/"],
                "description": "KMS replicas of team-a",
                "region": "us-west-2",
                "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                "imageTagMutabilityExclusionFilters": ["latest"],
                "lifecyclePolicy": LIFECYCLE,
                "kms": {
                    "accountId": ACCOUNT,
                    "region": "us-west-2",
                    "roleName": "replicas-us-west-2",
                    "repositoryArns": [f"arn:aws:ecr:us-west-2:{ACCOUNT}:repository/team-a/*"],
                },
            },
        )
    ],
    "a replication receiver encrypting with a key it is given": [
        Construct(
            REPLICATION_RECEIVER,
            "encrypted-receiver",
            {
                "sourceAccount": "444444444444",
                "accountId": ACCOUNT,
                "region": REGION,
                "filters": ["team-a/"],
                "templatePrefixes": ["team-a"],
                "description": "KMS replicas from 444444444444",
                "imageTagMutability": "MUTABLE",
                "lifecyclePolicy": LIFECYCLE,
                "kms": {
                    "accountId": ACCOUNT,
                    "region": REGION,
                    "roleName": "replicas-eu-west-1",
                    "repositoryArns": [f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team-a/*"],
                    "keyArn": KEY_ARN,
                },
            },
        )
    ],
}


# A component's output is one of its children's: (component type, output) -> that child's output.
SOURCE_OF_OUTPUT: dict[tuple[str, str], Callable[[str], OutputRef]] = {
    (PULL_EXECUTION_ROLE, "arn"): lambda name: OutputRef(key(ROLE, f"{name}-role"), "arn"),
}


# The components renamed in 0.2.0, with the earlier type each keeps as an alias.
OWN_ALIASES = {
    SHARED_REPOSITORIES: SHARED_REPOSITORIES_ALIASES,
    FARGATE_TASK_DEFINITION: FARGATE_TASK_DEFINITION_ALIASES,
}


class _Deployed:
    """Stands for an ``Output`` in an args check, which takes anything with ``apply`` for one."""

    def apply(self) -> None:
        raise NotImplementedError


def planned(constructs: list[Construct]) -> StackPlan:
    """The plan of the same components, their args in Python names; an input passed from another
    component's output is a reference to the resource that output comes from."""
    types = {c.name: c.type for c in constructs}
    components = []
    for c in constructs:
        args = python_args(c.inputs)
        outputs = {
            python_name(arg): SOURCE_OF_OUTPUT[types[name], output](name)
            for arg, (name, output) in c.outputs_from.items()
        }
        checks = component_class(c.type)._args
        assert checks is not None
        # The component's model, as its args check makes it; an output goes in as the reference.
        model = checks.check_schema_args({**args, **dict.fromkeys(outputs, _Deployed())})
        if outputs:
            model = replace(model, **outputs)
        components.append(Resource(c.type, c.name, model=model, aliases=OWN_ALIASES.get(c.type, ())))
    return StackPlan("test", "test", ACCOUNT, REGION, expanded(components), {})


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_component_constructed_from_plain_inputs_registers_its_plan(case: str) -> None:
    constructs = CASES[case]
    run = run_program("test", CONFIG, program=construct_all(constructs))
    assert_registers_exactly(planned(constructs), run)


def test_the_provider_returns_each_components_outputs_in_schema_names() -> None:
    constructs = [
        c
        for case in (
            "shared repositories for an organization",
            "an execution role and a task definition running with its arn",
        )
        for c in CASES[case]
    ]
    exports = run_program("test", CONFIG, program=construct_all(constructs)).exports
    assert exports["shared"] == {
        "registryId": ACCOUNT,
        "repositoryArns": {
            "web-app": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/web-app",
            "team-a/api": f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team-a/api",
        },
        "repositoryUrls": {
            "web-app": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/web-app",
            "team-a/api": f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/team-a/api",
        },
    }
    assert exports["execution"] == {
        "arn": f"arn:aws:iam::{ACCOUNT}:role/payments-execution",
        "name": "payments-execution",
    }
    assert exports["payments"] == {
        "arn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/payments:1",
        "family": "payments",
        "image": f"222222222222.dkr.ecr.{REGION}.amazonaws.com/web-app:v1.2.3",
        "logGroupName": "/ecs/payments",
        "logGroupArn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/ecs/payments",
    }


def test_the_new_inputs_reach_the_resources_they_configure() -> None:
    """What each issue-12 input is for, read off the registrations, not off the plan."""
    constructs = [
        c
        for case in (
            "KMS-encrypted shared repositories with the key they create",
            "replica settings with exclusions, a lifecycle policy and a created key",
            "a replication receiver encrypting with a key it is given",
        )
        for c in CASES[case]
    ]
    run = run_program("test", CONFIG, program=construct_all(constructs))
    key = run.one(KMS_KEY, "encrypted-key")
    assert (key.inputs["deletionWindowInDays"], key.inputs["enableKeyRotation"], key.protect) == (
        14,
        True,
        True,
    )
    encryption = {r.inputs["name"]: r.inputs["encryptionConfigurations"] for r in run.of_type(REPOSITORY)}
    assert encryption == {
        "web-app": [{"encryptionType": "KMS", "kmsKey": key.outputs["arn"]}],
        "worker": [{"encryptionType": "KMS", "kmsKey": key.outputs["arn"]}],
        "tools": [{"encryptionType": "KMS", "kmsKey": "alias/tools"}],
    }
    web_app = run.one(REPOSITORY, "encrypted-web-app")
    assert web_app.inputs["imageTagMutabilityExclusionFilters"] == [
        {"filter": "latest", "filterType": "WILDCARD"},
        {"filter": "dev-*", "filterType": "WILDCARD"},
    ]
    # The text is deployed as it was written, for the one repository that has it.
    assert [(r.name, r.inputs["policy"]) for r in run.of_type(LIFECYCLE_POLICY)] == [
        ("encrypted-web-app-lifecycle", LIFECYCLE)
    ]
    replica_key = run.one(KMS_KEY, "encrypted-replicas-key")
    assert replica_key.inputs["region"] == "us-west-2"
    templates = {r.name: r.inputs for r in run.of_type(CREATION_TEMPLATE)}
    assert templates["encrypted-replicas-team-a"] == {
        "prefix": "team-a",
        "appliedFors": ["REPLICATION"],
        "description": "KMS replicas of team-a",
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": [{"filter": "latest", "filterType": "WILDCARD"}],
        "encryptionConfigurations": [{"encryptionType": "KMS", "kmsKey": replica_key.outputs["arn"]}],
        "customRoleArn": f"arn:aws:iam::{ACCOUNT}:role/replicas-us-west-2",
        "lifecyclePolicy": LIFECYCLE,
        "region": "us-west-2",
    }
    received = templates["encrypted-receiver-replicas-team-a"]
    assert received["encryptionConfigurations"] == [{"encryptionType": "KMS", "kmsKey": KEY_ARN}]
    assert (received["imageTagMutability"], received["lifecyclePolicy"]) == ("MUTABLE", LIFECYCLE)
    # A given key is used, never created.
    assert sorted(r.name for r in run.of_type(KMS_KEY)) == ["encrypted-key", "encrypted-replicas-key"]


SHARED = CASES["shared repositories for an organization"][0]
TASK = CASES["an execution role and a task definition running with its arn"][1]
ROLE_CONSTRUCT = CASES["an execution role and a task definition running with its arn"][0]
REPLICATION = CASES["registry replication"][0]
REPLICAS = CASES["replica repository settings in another Region"][0]
RECEIVER = CASES["a replication receiver (a nested component)"][0]
ENCRYPTED = CASES["KMS-encrypted shared repositories with the key they create"][0]
KMS_REPLICAS = CASES["replica settings with exclusions, a lifecycle policy and a created key"][0]
KMS_RECEIVER = CASES["a replication receiver encrypting with a key it is given"][0]
TASK_INPUTS = {**TASK.inputs, "executionRoleArn": f"arn:aws:iam::{ACCOUNT}:role/payments-execution"}
# (component, inputs, the property the error names, its reason). Each is the first mistake found.
BAD_INPUTS = [
    (
        CASES["a pull policy attached to existing roles"][0],
        {**CASES["a pull policy attached to existing roles"][0].inputs, "roleNames": ["eks node"]},
        "roleNames[0]",
        '"eks node" is not an IAM role name (1 to 64 of [A-Za-z0-9_+=,.@-])',
    ),
    (
        SHARED,
        {**SHARED.inputs, "repositories": [{"name": "web-app", "imageTagMutability": "mutable"}]},
        "repositories[0].imageTagMutability",
        '"mutable" is not one of IMMUTABLE, MUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION',
    ),
    (
        SHARED,
        {**SHARED.inputs, "access": {"accounts": ["222222222222"], "organizationId": "o-abc123def4"}},
        "access",
        '{"accounts": ["222222222222"], "organizationId": "o-abc123def4"} must set at most one of accounts '
        "(a list of account IDs) or organizationId",
    ),
    (
        SHARED,
        {**SHARED.inputs, "access": {}},
        "access",
        "{} grants nobody: set accounts (a list of account IDs) or organizationId, and/or roles (role ARNs) or "
        "lambdaAccounts",
    ),
    (
        SHARED,
        {**SHARED.inputs, "access": {"accounts": ["222222222222", "12345"]}},
        "access.accounts[1]",
        '"12345" is not a 12-digit AWS account ID',
    ),
    (
        SHARED,
        {**SHARED.inputs, "repositories": [{"name": "web-app", "kmsKey": "alias/ecr"}]},
        "repositories[0].kmsKey",
        '"alias/ecr" needs encryption: "KMS"',
    ),
    (
        SHARED,
        {**SHARED.inputs, "region": pulumi.Output.from_input(REGION)},
        "region",
        '"<Output>" is an Output, known only once deployed: the component renders its policies and names '
        "before deploying, so pass the value itself",
    ),
    (
        TASK,
        {**TASK_INPUTS, "memory": 8192},
        "memory",
        "8192 is not a Fargate memory size for cpu 512 (allowed: 1024, 2048, 3072, 4096)",
    ),
    (
        TASK,
        {**TASK_INPUTS, "image": f"222222222222.dkr.ecr.{REGION}.amazonaws.com/web-app"},
        "image",
        f'"222222222222.dkr.ecr.{REGION}.amazonaws.com/web-app" has neither a tag nor a digest '
        "(<registry>/<repository>:<tag> or @sha256:<hex>)",
    ),
    (
        TASK,
        {**TASK_INPUTS, "executionRoleArn": "payments-execution"},
        "executionRoleArn",
        '"payments-execution" is not an IAM role ARN (arn:aws:iam::<account>:role/<name>, or role/<path>/<name>)',
    ),
    (
        ROLE_CONSTRUCT,
        {**ROLE_CONSTRUCT.inputs, "accountId": "22222222222x"},
        "accountId",
        '"22222222222x" is not a 12-digit AWS account ID',
    ),
    (
        REPLICATION,
        {"rules": [{"destinations": [{"region": "us-west-2", "account": ACCOUNT}] * 2}]},
        "rules[0].destinations[1]",
        f'"{ACCOUNT}/us-west-2" is a duplicate destination',
    ),
    (
        REPLICAS,
        {**REPLICAS.inputs, "filters": ["team-a/", "team-b/"]},
        "templatePrefixes",
        '["team-a"] cover no repository the filter "team-b/" replicates: add its namespace or ROOT, or its '
        "replicas keep ECR's defaults (mutable tags, no policy) for good",
    ),
    (
        RECEIVER,
        {**RECEIVER.inputs, "filters": ["web-app", "web-app"]},
        "filters[1]",
        '"web-app" is a duplicate filter',
    ),
    (
        ENCRYPTED,
        {
            **ENCRYPTED.inputs,
            "repositories": [{"name": "web-app", "imageTagMutabilityExclusionFilters": ["latest"]}],
        },
        "repositories[0].imageTagMutabilityExclusionFilters",
        '["latest"] needs imageTagMutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION',
    ),
    (
        ENCRYPTED,
        {k: v for k, v in ENCRYPTED.inputs.items() if k != "kmsKey"},
        "repositories[0].stackKey",
        "true needs the component's kmsKey: the component creates the key stackKey encrypts with only when "
        "kmsKey is set",
    ),
    (
        ENCRYPTED,
        {**ENCRYPTED.inputs, "kmsKey": {"accountId": ACCOUNT, "deletionWindowDays": 31}},
        "kmsKey.deletionWindowDays",
        "31 is not a KMS deletion window (7 to 30 days)",
    ),
    (
        ENCRYPTED,
        {
            **ENCRYPTED.inputs,
            "repositories": [{"name": "web-app", "lifecyclePolicy": LIFECYCLE.replace('"days"', '"weeks"')}],
        },
        "repositories[0].lifecyclePolicy",
        '"weeks" at rules[0].selection.countUnit is not "days": sinceImagePushed counts an age in days',
    ),
    (
        KMS_REPLICAS,
        {**KMS_REPLICAS.inputs, "imageTagMutabilityExclusionFilters": None},
        "imageTagMutabilityExclusionFilters",
        'null is missing: IMMUTABLE_WITH_EXCLUSION needs 1 to 5 tag filters (for example ["latest", "dev-*"])',
    ),
    (
        KMS_REPLICAS,
        {
            **KMS_REPLICAS.inputs,
            "lifecyclePolicy": LIFECYCLE.replace('"rulePriority": 2', '"rulePriority": 1'),
        },
        "lifecyclePolicy",
        "1 at rules[1].rulePriority is the priority of rules[0] too: each rule needs its own rulePriority",
    ),
    (
        KMS_REPLICAS,
        {
            **KMS_REPLICAS.inputs,
            "kms": {**KMS_REPLICAS.inputs["kms"], "keyArn": KEY_ARN},
        },
        "kms.keyArn",
        f'"{KEY_ARN}" is in Region {REGION}, but the templates are in us-west-2: a creation template\'s key must be '
        "in its own Region",
    ),
    (
        KMS_RECEIVER,
        {**KMS_RECEIVER.inputs, "kms": {**KMS_RECEIVER.inputs["kms"], "deletionWindowDays": 7}},
        "kms.deletionWindowDays",
        "7 is for a key created here: a key you manage (kms.keyArn) keeps its own deletion window",
    ),
    (
        KMS_RECEIVER,
        {**KMS_RECEIVER.inputs, "kms": {**KMS_RECEIVER.inputs["kms"], "accountId": "444444444444"}},
        "kms.accountId",
        f"\"444444444444\" is not accountId {ACCOUNT}: the key and the templates' role are the receiving registry's",
    ),
    (
        KMS_RECEIVER,
        {
            **KMS_RECEIVER.inputs,
            "kms": {
                **KMS_RECEIVER.inputs["kms"],
                "repositoryArns": [f"arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team-a/api"],
            },
        },
        "kms.repositoryArns",
        f'["arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team-a/api"] do not cover the filter "team-a/" replicates: '
        f"the role could not create those replicas encrypted; add arn:aws:ecr:{REGION}:{ACCOUNT}:repository/team-a/*",
    ),
]


@pytest.mark.parametrize(("component", "inputs", "path", "reason"), BAD_INPUTS)
def test_bad_inputs_are_input_property_errors_and_register_nothing(
    component: Construct, inputs: dict[str, Any], path: str, reason: str
) -> None:
    run = ProgramRun()
    with pytest.raises(pulumi.InputPropertiesError) as refused:
        run_program(
            "test", CONFIG, run=run, program=construct_all([Construct(component.type, "bad", inputs)])
        )
    assert refused.value.errors == [{"property_path": path, "reason": reason}]
    assert refused.value.message == f'{component.type.rsplit(":", 1)[1]} "bad": {path}: {reason}'
    assert run.resources == []


def test_a_missing_required_input_is_the_hosts_property_error() -> None:
    run = ProgramRun()
    inputs = {k: v for k, v in SHARED.inputs.items() if k != "region"}
    with pytest.raises(pulumi.InputPropertyError) as refused:
        run_program(
            "test", CONFIG, run=run, program=construct_all([Construct(SHARED_REPOSITORIES, "bad", inputs)])
        )
    assert refused.value.property_path == "region"
    assert run.resources == []


BUILD = {
    "aws:region": REGION,
    "aws:allowedAccountIds": [ACCOUNT],
    "ecr-share:stackKind": "build",
    "ecr-share:repositories": ["web-app"],
    "ecr-share:access": {"accounts": ["222222222222"]},
}


def component_only(path: str) -> bool:
    """An input no build stack key has: the Region, the created key, stackKey, the lifecycle text."""
    return path.split(".")[0] in ("region", "kmsKey") or path.split(".")[-1] in (
        "stackKey",
        "lifecyclePolicy",
    )


@pytest.mark.parametrize(
    ("component", "inputs", "path", "reason"),
    [b for b in BAD_INPUTS if b[0] in (SHARED, ENCRYPTED) and not component_only(b[2])],
)
def test_shared_repositories_refuse_what_the_build_stack_config_refuses_with_its_message(
    component: Construct, inputs: dict[str, Any], path: str, reason: str
) -> None:
    """The component's inputs are the build stack's keys: the same mistake, the same message."""
    top = path.split(".")[0].split("[")[0]
    with pytest.raises(ConfigError) as refused:
        parse_stack_config("build", {**BUILD, f"ecr-share:{top}": inputs[top]})
    assert str(refused.value) == f"ecr-share:{path}: {reason}"
