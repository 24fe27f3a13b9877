"""Registry-wide settings are owned only when asked for (issue 11, point 1): ``registryScanning`` with
every choice ECR offers, several replication sources and further statements in one registry policy,
each validated before anything is registered, and the program registering exactly that plan."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from components.config.files import load_stack_config
from components.config.model import EnvironmentStack
from components.config.stack import parse_stack_config
from components.errors import ConfigError
from components.plan.model import StackPlan
from components.plan.project import plan_stacks
from components.replication.resources import REGISTRY_POLICY, SCANNING_CONFIGURATION
from tests.support.committed import committed
from tests.support.pulumi_harness import PROJECT_DIR

PROD = "444444444444"
BUILD_ACCOUNT = "111111111111"
PTC: dict[str, Any] = {
    "Sid": "PullThroughCache",
    "Effect": "Allow",
    "Principal": {"AWS": ["arn:aws:iam::444444444444:role/ptc-admin", "444444444444"]},
    "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
    "Resource": "arn:aws:ecr:us-east-1:444444444444:repository/ecr-public/*",
}


def prod_receiving(**changes: Any) -> dict[str, Any]:
    config = load_stack_config(PROJECT_DIR, "prod")
    receive = config["ecr-share:receiveReplication"]
    for name, value in changes.items():
        if value is None:
            receive.pop(name, None)
        else:
            receive[name] = value
    return config


def prod_plan(**changes: Any) -> StackPlan:
    stacks = committed()
    stacks["prod"] = prod_receiving(**changes)
    return plan_stacks(stacks).plans["prod"]


def refused(config: dict[str, Any], key: str, problem: str, stack: str = "prod") -> None:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config(stack, config)
    assert caught.value.key == key, str(caught.value)
    assert re.search(problem, str(caught.value)), str(caught.value)


def registry_policy(plan: StackPlan) -> dict[str, Any]:
    (policy,) = plan.of_type(REGISTRY_POLICY)
    parsed: dict[str, Any] = json.loads(policy.inputs["policy"])
    return parsed


# --- scanning: only when asked for, with every choice --------------------------------------------


def test_without_registry_scanning_no_stack_touches_the_scanning_configuration() -> None:
    stacks = committed()
    del stacks["build"]["ecr-share:replication"]["registryScanning"]
    stacks["prod"] = prod_receiving(registryScanning=None)
    plans = plan_stacks(stacks).plans
    assert not [r for plan in plans.values() for r in plan.of_type(SCANNING_CONFIGURATION)]


def test_enhanced_scanning_with_two_rules_and_default_filters() -> None:
    scanning = {
        "scanType": "ENHANCED",
        "rules": [
            {"scanFrequency": "CONTINUOUS_SCAN", "filters": ["web-app*", "team-*/api"]},
            {"scanFrequency": "SCAN_ON_PUSH"},
        ],
    }
    (resource,) = prod_plan(registryScanning=scanning).of_type(SCANNING_CONFIGURATION)
    assert resource.inputs == {
        "scan_type": "ENHANCED",
        "rules": [
            {
                "scan_frequency": "CONTINUOUS_SCAN",
                "repository_filters": [
                    {"filter": "web-app*", "filter_type": "WILDCARD"},
                    {"filter": "team-*/api", "filter_type": "WILDCARD"},
                ],
            },
            {
                # Left out: the received repositories, the build stack's and every other source's.
                "scan_frequency": "SCAN_ON_PUSH",
                "repository_filters": [
                    {"filter": "web-app*", "filter_type": "WILDCARD"},
                    {"filter": "worker*", "filter_type": "WILDCARD"},
                ],
            },
        ],
    }


def test_default_scanning_filters_cover_the_other_sources_too() -> None:
    plan = prod_plan(
        registryScanning={"scanType": "BASIC", "rules": [{"scanFrequency": "SCAN_ON_PUSH"}]},
        otherSources=[{"account": "555555555555", "filters": ["team-b/"]}],
    )
    (resource,) = plan.of_type(SCANNING_CONFIGURATION)
    filters = [f["filter"] for f in resource.inputs["rules"][0]["repository_filters"]]
    assert filters == ["team-b/*", "web-app*", "worker*"]


SCANNING = "ecr-share:receiveReplication.registryScanning"


@pytest.mark.parametrize(
    ("scanning", "key", "problem"),
    [
        ({"rules": [{"scanFrequency": "SCAN_ON_PUSH"}]}, f"{SCANNING}.scanType", "is missing"),
        ({"scanType": "BASIC"}, f"{SCANNING}.rules", "is missing"),
        ({"scanType": "INSPECTOR", "rules": []}, f"{SCANNING}.scanType", "is not one of BASIC, ENHANCED"),
        ({"scanType": "BASIC", "rules": []}, f"{SCANNING}.rules", "is empty"),
        (
            {"scanType": "BASIC", "rules": [{"scanFrequency": "CONTINUOUS_SCAN"}]},
            f"{SCANNING}.rules[0].scanFrequency",
            "is not one of SCAN_ON_PUSH, MANUAL",
        ),
        (
            {"scanType": "ENHANCED", "rules": [{"scanFrequency": "MANUAL"}]},
            f"{SCANNING}.rules[0].scanFrequency",
            "is not one of SCAN_ON_PUSH, CONTINUOUS_SCAN",
        ),
        (
            {"scanType": "ENHANCED", "rules": [{"scanFrequency": "SCAN_ON_PUSH"}] * 3},
            f"{SCANNING}.rules",
            "3 rules.* more than ECR's 2 scanning rules",
        ),
        (
            {"scanType": "ENHANCED", "rules": [{"scanFrequency": "SCAN_ON_PUSH"}] * 2},
            f"{SCANNING}.rules[1]",
            "is a duplicate scan frequency",
        ),
        (
            {"scanType": "BASIC", "rules": [{"scanFrequency": "SCAN_ON_PUSH", "filters": ["Web-App"]}]},
            f"{SCANNING}.rules[0].filters[0]",
            "is not a registry scanning filter ECR accepts",
        ),
        (
            {"scanType": "BASIC", "rules": [{"scanFrequency": "SCAN_ON_PUSH", "filters": ["a*", "a*"]}]},
            f"{SCANNING}.rules[0].filters[1]",
            "is a duplicate filter",
        ),
        (
            {
                "scanType": "BASIC",
                "rules": [{"scanFrequency": "SCAN_ON_PUSH", "filters": [f"r{i}*" for i in range(101)]}],
            },
            f"{SCANNING}.rules[0].filters",
            "101 filters.* more than ECR's 100",
        ),
        (
            {"scanType": "BASIC", "rules": [{"scanFrequency": "SCAN_ON_PUSH", "filters": []}]},
            f"{SCANNING}.rules[0].filters",
            "is empty",
        ),
        (
            {"scanType": "BASIC", "rules": [{"filters": ["*"]}]},
            f"{SCANNING}.rules[0].scanFrequency",
            "is missing",
        ),
    ],
)
def test_scanning_refusals(scanning: Any, key: str, problem: str) -> None:
    refused(prod_receiving(registryScanning=scanning), key, problem)


def test_the_retired_scan_on_push_keys_say_what_replaced_them() -> None:
    build = load_stack_config(PROJECT_DIR, "build")
    build["ecr-share:replication"]["scanOnPush"] = True
    refused(
        build,
        "ecr-share:replication.scanOnPush",
        r"is no longer a setting: it replaced the registry's whole scanning configuration \(and so "
        r"switched off ENHANCED/Inspector scanning\) with BASIC scan on push. Use "
        r"ecr-share:replication.registryScanning to own that setting explicitly",
        stack="build",
    )
    refused(
        prod_receiving(scanOnPush=False),
        "ecr-share:receiveReplication.scanOnPush",
        r"Use ecr-share:receiveReplication.registryScanning .* or remove the key to leave scanning to "
        r"whoever owns it \(Amazon Inspector, a security team\)",
    )


# --- one registry policy for everything the account needs ------------------------------------------


def test_other_sources_and_statements_share_the_one_registry_policy() -> None:
    plan = prod_plan(
        otherSources=[
            {"account": "555555555555", "filters": ["team-b/"]},
            {"account": "666666666666", "filters": ["team-c/", "tools"]},
        ],
        registryPolicyStatements=[PTC],
    )
    statements = registry_policy(plan)["Statement"]
    assert [s["Sid"] for s in statements] == [
        "ReplicationFrom111111111111",
        "ReplicationFrom555555555555",
        "ReplicationFrom666666666666",
        "PullThroughCache",
    ]
    assert statements[1] == {
        "Sid": "ReplicationFrom555555555555",
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::555555555555:root"},
        "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
        "Resource": ["arn:aws:ecr:us-east-1:444444444444:repository/team-b/*"],
    }
    assert statements[2]["Resource"] == [
        "arn:aws:ecr:us-east-1:444444444444:repository/team-c/*",
        "arn:aws:ecr:us-east-1:444444444444:repository/tools*",
    ]
    # As written, rendered canonically: account IDs as root ARNs, lists sorted.
    assert statements[3] == {
        "Sid": "PullThroughCache",
        "Effect": "Allow",
        "Principal": {"AWS": ["arn:aws:iam::444444444444:role/ptc-admin", "arn:aws:iam::444444444444:root"]},
        "Action": ["ecr:BatchImportUpstreamImage", "ecr:CreateRepository"],
        "Resource": ["arn:aws:ecr:us-east-1:444444444444:repository/ecr-public/*"],
    }


def test_a_deny_statement_may_name_everyone() -> None:
    deny = {
        "Sid": "NoCacheOutsideTheOrg",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "ecr:BatchImportUpstreamImage",
        "Resource": "arn:aws:ecr:us-east-1:444444444444:repository/*",
        "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123def4"}},
    }
    statement = registry_policy(prod_plan(registryPolicyStatements=[deny]))["Statement"][1]
    assert statement["Principal"] == {"AWS": ["*"]}
    assert statement["Condition"] == {"StringNotEquals": {"aws:PrincipalOrgID": ["o-abc123def4"]}}


def test_other_sources_are_trusted_as_written_but_never_the_build_account() -> None:
    environment = parse_stack_config(
        "prod", prod_receiving(otherSources=[{"account": "555555555555", "filters": ["team-b/"]}])
    )
    assert isinstance(environment, EnvironmentStack)
    assert environment.receive_replication is not None
    assert environment.receive_replication.other_sources[0].account_id == "555555555555"


SOURCES = "ecr-share:receiveReplication.otherSources"
STATEMENTS = "ecr-share:receiveReplication.registryPolicyStatements"


def with_statement(**changes: Any) -> dict[str, Any]:
    statement = {**PTC, **changes}
    return {k: v for k, v in statement.items() if v is not None}


@pytest.mark.parametrize(
    ("change", "key", "problem"),
    [
        ({"otherSources": []}, SOURCES, "is empty"),
        (
            {"otherSources": [{"account": BUILD_ACCOUNT, "filters": ["a/"]}]},
            f"{SOURCES}[0].account",
            "is the build account",
        ),
        (
            {"otherSources": [{"account": PROD, "filters": ["a/"]}]},
            f"{SOURCES}[0].account",
            "is this stack's own account",
        ),
        ({"otherSources": [{"filters": ["a/"]}]}, f"{SOURCES}[0].account", "is missing"),
        (
            {
                "otherSources": [
                    {"account": "555555555555", "filters": ["a/"]},
                    {"account": "555555555555", "filters": ["b/"]},
                ]
            },
            f"{SOURCES}[1]",
            "is a duplicate source account",
        ),
        (
            {"otherSources": [{"account": "5555"}]},
            f"{SOURCES}[0].account",
            "is not a 12-digit AWS account ID",
        ),
        (
            {"otherSources": [{"account": "555555555555", "filters": []}]},
            f"{SOURCES}[0].filters",
            "is empty: leave filters out",
        ),
        ({"registryPolicyStatements": [PTC, PTC]}, f"{STATEMENTS}[1].Sid", "is already the Sid of"),
        (
            {"registryPolicyStatements": [with_statement(Sid="ReplicationFrom111111111111")]},
            f"{STATEMENTS}[0].Sid",
            "is already the Sid of ecr-share's own replication statement",
        ),
        (
            {"registryPolicyStatements": [with_statement(Sid="pull-through")]},
            f"{STATEMENTS}[0].Sid",
            "is not a statement ID",
        ),
        (
            {"registryPolicyStatements": [with_statement(Action="ecr:*")]},
            f"{STATEMENTS}[0].Action",
            "is not a registry permission",
        ),
        (
            {"registryPolicyStatements": [with_statement(Action=["ecr:BatchGetImage"])]},
            f"{STATEMENTS}[0].Action[0]",
            "grant repository access in repository policies",
        ),
        (
            {"registryPolicyStatements": [with_statement(Principal={"AWS": "*"})]},
            f"{STATEMENTS}[0].Principal.AWS",
            'an Allow names its principals: no "\\*"',
        ),
        (
            {"registryPolicyStatements": [with_statement(Principal="*")]},
            f"{STATEMENTS}[0].Principal",
            "a registry policy names AWS principals only",
        ),
        (
            {"registryPolicyStatements": [with_statement(Principal={"Service": "ecr.amazonaws.com"})]},
            f"{STATEMENTS}[0].Principal",
            "AWS principals only",
        ),
        (
            {
                "registryPolicyStatements": [
                    with_statement(Principal={"AWS": "arn:aws-cn:iam::555555555555:root"})
                ]
            },
            f"{STATEMENTS}[0].Principal.AWS",
            "in partition aws",
        ),
        (
            {"registryPolicyStatements": [with_statement(Resource="*")]},
            f"{STATEMENTS}[0].Resource",
            "is not a repository ARN of this registry",
        ),
        (
            {
                "registryPolicyStatements": [
                    with_statement(Resource="arn:aws:ecr:us-east-1:111111111111:repository/a*")
                ]
            },
            f"{STATEMENTS}[0].Resource",
            "is not a repository ARN of this registry",
        ),
        (
            {
                "registryPolicyStatements": [
                    with_statement(Resource="arn:aws:ecr:us-east-1:444444444444:repository/*")
                ]
            },
            f"{STATEMENTS}[0].Resource",
            "covers every repository of the registry",
        ),
        (
            {"registryPolicyStatements": [with_statement(Resource=None)]},
            f"{STATEMENTS}[0].Resource",
            "is missing",
        ),
        (
            {"registryPolicyStatements": [with_statement(NotAction="ecr:ReplicateImage")]},
            f"{STATEMENTS}[0].NotAction",
            "is not accepted",
        ),
        (
            {"registryPolicyStatements": [with_statement(Effect="allow")]},
            f"{STATEMENTS}[0].Effect",
            "is not one of",
        ),
        (
            {
                "registryPolicyStatements": [
                    with_statement(Condition={"StringEquals": {"aws:SourceAccount": 5}})
                ]
            },
            f"{STATEMENTS}[0].Condition.StringEquals.aws:SourceAccount",
            "is not a string or a list of strings",
        ),
        (
            {"registryPolicyStatements": [with_statement(Condition={"Bogus Op": {"aws:x": "y"}})]},
            f"{STATEMENTS}[0].Condition.Bogus Op",
            "is not an IAM condition operator",
        ),
        (
            {"registryPolicyStatements": [with_statement(Condition={})]},
            f"{STATEMENTS}[0].Condition",
            "non-empty",
        ),
        (
            {
                "registryPolicyStatements": [
                    with_statement(
                        Sid=f"S{i}",
                        Resource=f"arn:aws:ecr:us-east-1:444444444444:repository/{'p' * 200}{i}/*",
                    )
                    for i in range(40)
                ]
            },
            "ecr-share:receiveReplication",
            "make a registry policy over ECR's limit of 10240.* or fewer statements",
        ),
    ],
)
def test_registry_policy_refusals(change: dict[str, Any], key: str, problem: str) -> None:
    refused(prod_receiving(**copy.deepcopy(change)), key, problem)
