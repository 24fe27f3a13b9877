"""The comparison of planned and deployed settings, without AWS: what counts as drift and how each
finding reads (resource, field, deployed value, planned value)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.verify.deployments import load_deployments
from components.verify.settings import (
    REGISTRY_POLICY_KIND,
    REPLICA,
    REPLICATION,
    REPOSITORY_SETTINGS,
    TASK,
    TEMPLATE,
    CreatedKey,
    PlannedSetting,
    deployed_pin_findings,
    settings_drift,
)

ROOT = Path(__file__).resolve().parents[2]

KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab"


def planned(kind: str, identity: str, **fields: Any) -> PlannedSetting:
    return PlannedSetting("build", "111111111111", "us-east-1", kind, identity, fields)


def test_a_kms_key_id_matches_the_arn_ecr_stores_and_an_alias_is_not_compared() -> None:
    for key in (KEY_ARN, "1234abcd-12ab-34cd-56ef-1234567890ab", "alias/ecr-images"):
        setting = planned(REPOSITORY_SETTINGS, "web-app", **{"encryptionConfiguration.kmsKey": key})
        assert settings_drift(setting, {"encryptionConfiguration.kmsKey": KEY_ARN}) == []
    other = planned(REPOSITORY_SETTINGS, "web-app", **{"encryptionConfiguration.kmsKey": "mrk-" + "0" * 32})
    assert settings_drift(other, {"encryptionConfiguration.kmsKey": KEY_ARN}) == [
        "repository web-app in 111111111111 us-east-1 (stack build): encryptionConfiguration.kmsKey is "
        f"{KEY_ARN} (planned: mrk-{'0' * 32})"
    ]


def test_rules_compare_as_sets_with_sorted_lists() -> None:
    rule = {
        "destinations": [{"region": "us-west-2", "registryId": "111111111111"}],
        "repositoryFilters": [
            {"filter": "web-app", "filterType": "PREFIX_MATCH"},
            {"filter": "api", "filterType": "PREFIX_MATCH"},
        ],
    }
    other = {"destinations": [{"region": "eu-west-1", "registryId": "555555555555"}]}
    setting = planned(REPLICATION, "", rules=[rule, other])
    shuffled = {**rule, "repositoryFilters": list(reversed(rule["repositoryFilters"]))}
    assert settings_drift(setting, {"rules": [other, shuffled]}) == []


def test_a_policy_the_plan_does_not_deploy_and_a_missing_one() -> None:
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:ReplicateImage"}]}
    without = planned(TEMPLATE, "ROOT", repositoryPolicy=None)
    assert settings_drift(without, {"repositoryPolicy": document}) == [
        "creation template ROOT in 111111111111 us-east-1 (stack build): repositoryPolicy is set, but the plan "
        'deploys none: {"Statement":[{"Action":"ecr:ReplicateImage","Effect":"Allow"}],"Version":"2012-10-17"}'
    ]
    with_policy = planned(TEMPLATE, "ROOT", repositoryPolicy=document)
    assert settings_drift(with_policy, {"repositoryPolicy": None}) == [
        "creation template ROOT in 111111111111 us-east-1 (stack build): repositoryPolicy is missing (planned: "
        '{"Statement":[{"Action":"ecr:ReplicateImage","Effect":"Allow"}],"Version":"2012-10-17"})'
    ]


def test_a_missing_singleton_is_drift_and_a_missing_repository_is_reported_elsewhere() -> None:
    assert settings_drift(planned(REGISTRY_POLICY_KIND, "", policy={}), None) == [
        "registry policy of 111111111111 us-east-1 (stack build) does not exist (the plan deploys it)"
    ]
    # drift.state_drift already says "repository web-app does not exist in account ...".
    assert settings_drift(planned(REPOSITORY_SETTINGS, "web-app", imageTagMutability="IMMUTABLE"), None) == []


def test_lifecycle_rules_compare_by_meaning_and_a_policy_the_plan_does_not_deploy() -> None:
    rule = {
        "rulePriority": 2,
        "selection": {
            "tagStatus": "tagged",
            "tagPrefixList": ["v", "release-"],
            "countType": "imageCountMoreThan",
            "countNumber": 5,
        },
        "action": {"type": "expire"},
    }
    setting = planned(REPOSITORY_SETTINGS, "web-app", lifecyclePolicy={"rules": [rule]})
    reordered = {**rule, "selection": {**rule["selection"], "tagPrefixList": ["release-", "v"]}}
    assert settings_drift(setting, {"lifecyclePolicy": {"rules": [reordered]}}) == []
    without = planned(REPOSITORY_SETTINGS, "web-app", lifecyclePolicy=None)
    assert settings_drift(without, {"lifecyclePolicy": {"rules": [rule]}}) == [
        "repository web-app in 111111111111 us-east-1 (stack build): lifecyclePolicy is set, but the plan deploys "
        'none: {"rules":[{"action":{"type":"expire"},"rulePriority":2,"selection":{"countNumber":5,"countType":'
        '"imageCountMoreThan","tagPrefixList":["v","release-"],"tagStatus":"tagged"}}]}'
    ]


def test_a_created_key_matches_any_key_of_its_account_and_region() -> None:
    created = CreatedKey("111111111111", "us-east-1", "shared-key")
    setting = planned(TEMPLATE, "ROOT", **{"encryptionConfiguration.kmsKey": created})
    assert settings_drift(setting, {"encryptionConfiguration.kmsKey": KEY_ARN}) == []
    elsewhere = KEY_ARN.replace("us-east-1", "us-west-2")
    assert settings_drift(setting, {"encryptionConfiguration.kmsKey": elsewhere}) == [
        f"creation template ROOT in 111111111111 us-east-1 (stack build): encryptionConfiguration.kmsKey is {elsewhere} "
        "(planned: the key shared-key this stack creates in 111111111111 us-east-1)"
    ]


def test_only_what_the_plan_sets_is_compared_in_what_aws_answers() -> None:
    """ECS answers a port mapping with its hostPort too (awsvpc: the container port)."""
    ports = [{"containerPort": 8080, "protocol": "tcp"}]
    setting = planned(TASK, "web-app", **{"containerDefinitions[app].portMappings": ports})
    answered = [{"containerPort": 8080, "hostPort": 8080, "protocol": "tcp"}]
    assert settings_drift(setting, {"containerDefinitions[app].portMappings": answered}) == []
    moved = [{"containerPort": 9090, "hostPort": 9090, "protocol": "tcp"}]
    assert settings_drift(setting, {"containerDefinitions[app].portMappings": moved}) == [
        "task definition web-app in 111111111111 us-east-1 (stack build): containerDefinitions[app].portMappings is "
        '[{"containerPort":9090,"hostPort":9090,"protocol":"tcp"}] (planned: [{"containerPort":8080,"protocol":"tcp"}])'
    ]


def test_the_pin_check_runs_on_the_rules_read_back() -> None:
    """dev and staging run web-app:v1.2.3 from the build registry, prod from its replica: each
    deployed policy is checked for the images pulled from it; a replica that does not exist yet gets
    its template's."""
    (deployment,) = load_deployments(ROOT)
    keep_one = {
        "rules": [
            {
                "rulePriority": 1,
                "selection": {
                    "tagStatus": "tagged",
                    "tagPrefixList": ["v1"],
                    "countType": "imageCountMoreThan",
                    "countNumber": 1,
                },
                "action": {"type": "expire"},
            }
        ]
    }
    deployed: dict[tuple[str, str, str, str], Any] = {
        (REPOSITORY_SETTINGS, "111111111111", "us-east-1", "web-app"): {"lifecyclePolicy": keep_one},
        (REPLICA, "444444444444", "us-east-1", "web-app"): None,
        (TEMPLATE, "444444444444", "us-east-1", "ROOT"): {"lifecyclePolicy": keep_one},
    }
    rule = 'rule 1 ({"countNumber": 1, "countType": "imageCountMoreThan", "tagPrefixList": ["v1"], "tagStatus": "tagged"})'
    assert [f.split(" can expire ")[0] for f in deployed_pin_findings(deployment, deployed)] == [
        f"lifecycle: {rule} of the deployed lifecycle policy of web-app in 111111111111 us-east-1",
        f"lifecycle: {rule} of the deployed creation template ROOT of its replica in 444444444444 us-east-1",
        f"lifecycle: {rule} of the deployed lifecycle policy of web-app in 111111111111 us-east-1",
    ]
    # Once the replica exists, its own policy is in force: none here.
    deployed[REPLICA, "444444444444", "us-east-1", "web-app"] = {"lifecyclePolicy": None}
    assert len(deployed_pin_findings(deployment, deployed)) == 2
