"""The comparison of planned and deployed settings, without AWS: what counts as drift and how each
finding reads (resource, field, deployed value, planned value)."""

from __future__ import annotations

from typing import Any

from components.verify.settings import (
    REGISTRY_POLICY_KIND,
    REPLICATION,
    REPOSITORY_SETTINGS,
    TEMPLATE,
    PlannedSetting,
    settings_drift,
)

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
