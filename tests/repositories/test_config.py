"""Tag-immutability exclusions, lifecycle rules and KMS keys in a build stack's config: each rule ECR
(or ecr-share) imposes, refused before anything is registered, naming the key, the value and what is
expected."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest

from components.config.model import BuildStack
from components.config.stack import parse_stack_config
from components.encryption.model import KmsKeys
from components.errors import ConfigError
from components.repositories.documents import lifecycle_policy_text
from components.repositories.model import KeepTagged, Lifecycle

ACCOUNT = "111111111111"
KEY_EAST = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
KEY_WEST = f"arn:aws:kms:us-west-2:{ACCOUNT}:key/mrk-0123456789abcdef0123456789abcdef"
BUILD: dict[str, Any] = {
    "aws:region": "us-east-1",
    "aws:allowedAccountIds": [ACCOUNT],
    "ecr-share:stackKind": "build",
    "ecr-share:repositories": ["web-app"],
    "ecr-share:access": {"accounts": ["222222222222"]},
}


def build(**changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(BUILD)
    config.update({f"ecr-share:{k}": v for k, v in changes.items()})
    return config


def parsed(config: dict[str, Any]) -> BuildStack:
    result = parse_stack_config("build", config)
    assert isinstance(result, BuildStack)
    return result


def rejected(config: dict[str, Any], key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_stack_config("build", config)
    assert caught.value.key == key
    assert re.search(problem, str(caught.value)), str(caught.value)


def repository(**settings: Any) -> dict[str, Any]:
    return {"repositories": [{"name": "web-app", **settings}]}


# --- tag immutability with exclusions ------------------------------------------------------------


@pytest.mark.parametrize("mutability", ["IMMUTABLE_WITH_EXCLUSION", "MUTABLE_WITH_EXCLUSION"])
def test_exclusion_filters_go_with_the_with_exclusion_values(mutability: str) -> None:
    config = build(
        **repository(imageTagMutability=mutability, imageTagMutabilityExclusionFilters=["latest", "dev-*"])
    )
    (spec,) = parsed(config).repositories
    assert (spec.image_tag_mutability, spec.exclusion_filters) == (mutability, ("latest", "dev-*"))


R = "ecr-share:repositories[0]"
FILTERS = f"{R}.imageTagMutabilityExclusionFilters"


@pytest.mark.parametrize(
    ("settings", "key", "problem"),
    [
        (
            {"imageTagMutability": "IMMUTABLE_WITH_EXCLUSION"},
            FILTERS,
            r'null is missing: IMMUTABLE_WITH_EXCLUSION needs 1 to 5 tag filters \(for example \["latest", "dev-\*"\]\)',
        ),
        (
            {"imageTagMutabilityExclusionFilters": ["latest"]},
            FILTERS,
            "needs imageTagMutability IMMUTABLE_WITH_EXCLUSION or MUTABLE_WITH_EXCLUSION",
        ),
        (
            {"imageTagMutability": "MUTABLE_WITH_EXCLUSION", "imageTagMutabilityExclusionFilters": []},
            FILTERS,
            "is empty",
        ),
        (
            {
                "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                "imageTagMutabilityExclusionFilters": ["a", "b", "c", "d", "e", "f"],
            },
            FILTERS,
            "has 6 filters: ECR takes at most 5",
        ),
        (
            {
                "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                "imageTagMutabilityExclusionFilters": ["v1/2"],
            },
            f"{FILTERS}[0]",
            r"is not a tag filter ECR accepts: 1 to 128 of letters, digits, \., _, - and \*",
        ),
        (
            {
                "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                "imageTagMutabilityExclusionFilters": ["x" * 129],
            },
            f"{FILTERS}[0]",
            "is not a tag filter ECR accepts",
        ),
        (
            {
                "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                "imageTagMutabilityExclusionFilters": ["*a*b*"],
            },
            f"{FILTERS}[0]",
            "has 3 wildcards: ECR allows at most 2",
        ),
        (
            {
                "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
                "imageTagMutabilityExclusionFilters": ["latest", "latest"],
            },
            f"{FILTERS}[1]",
            "is a duplicate filter",
        ),
        ({"imageTagMutability": "SOMETIMES"}, f"{R}.imageTagMutability", "is not one of IMMUTABLE, MUTABLE"),
    ],
)
def test_exclusion_filters_follow_ecrs_rules(settings: dict[str, Any], key: str, problem: str) -> None:
    rejected(build(**repository(**settings)), key, problem)


# --- lifecycle policies ----------------------------------------------------------------------------


def test_the_stack_default_applies_to_every_repository_without_its_own() -> None:
    config = build(
        lifecycle={"expireUntaggedAfterDays": 14, "keepTagged": [{"prefix": "v", "count": 50}]},
        repositories=[
            "web-app",
            {"name": "worker", "lifecycle": {"keepTagged": [{"prefix": "dev-", "count": 5}]}},
        ],
    )
    web, worker = parsed(config).repositories
    assert web.lifecycle == Lifecycle(14, (KeepTagged("v", 50),))
    assert worker.lifecycle == Lifecycle(None, (KeepTagged("dev-", 5),))
    assert parsed(build()).repositories[0].lifecycle is None
    opted_out = build(lifecycle={"expireUntaggedAfterDays": 14}, **repository(lifecycle=False))
    assert parsed(opted_out).repositories[0].lifecycle is None


def test_the_policy_text_is_ecrs_lifecycle_json_with_unique_increasing_priorities() -> None:
    text = lifecycle_policy_text(Lifecycle(7, (KeepTagged("v", 50), KeepTagged("rc-", 3))))
    rules = json.loads(text)["rules"]
    assert [r["rulePriority"] for r in rules] == [1, 2, 3]
    assert [r["selection"]["tagStatus"] for r in rules] == ["untagged", "tagged", "tagged"]
    assert rules[2] == {
        "rulePriority": 3,
        "description": "Keep only the newest 3 images tagged rc-*",
        "selection": {
            "tagStatus": "tagged",
            "tagPrefixList": ["rc-"],
            "countType": "imageCountMoreThan",
            "countNumber": 3,
        },
        "action": {"type": "expire"},
    }
    assert text == json.dumps(json.loads(text), separators=(",", ":"))  # canonical: compact, stable order


L = "ecr-share:lifecycle"


@pytest.mark.parametrize(
    ("lifecycle", "key", "problem"),
    [
        ({}, L, "has no rule: set expireUntaggedAfterDays, keepTagged or both"),
        ({"expireUntaggedAfterDays": 0}, f"{L}.expireUntaggedAfterDays", "is not a count from 1 to 3650"),
        ({"expireUntaggedAfterDays": 3651}, f"{L}.expireUntaggedAfterDays", "is not a count from 1 to 3650"),
        ({"expireUntaggedAfterDays": "soon"}, f"{L}.expireUntaggedAfterDays", "is not a whole number"),
        ({"keepTagged": []}, f"{L}.keepTagged", "is empty: list a prefix to keep, or leave keepTagged out"),
        (
            {"keepTagged": [{"prefix": "-v", "count": 3}]},
            f"{L}.keepTagged[0].prefix",
            "is not the start of a Docker tag",
        ),
        (
            {"keepTagged": [{"prefix": "v", "count": 0}]},
            f"{L}.keepTagged[0].count",
            "is not a count from 1 to 10000",
        ),
        ({"keepTagged": [{"prefix": "v"}]}, f"{L}.keepTagged[0].count", "is not a whole number"),
        (
            {"keepTagged": [{"prefix": "v", "count": 3, "days": 1}]},
            f"{L}.keepTagged[0].days",
            "is not a known setting",
        ),
        (
            {"keepTagged": [{"prefix": "v", "count": 3}, {"prefix": "v1", "count": 3}]},
            f"{L}.keepTagged[1].prefix",
            r'"v1" overlaps ecr-share:lifecycle.keepTagged\[0\].prefix "v"',
        ),
        ({"expireAfterDays": 3}, f"{L}.expireAfterDays", "is not a known setting"),
    ],
)
def test_lifecycle_rules_are_checked(lifecycle: dict[str, Any], key: str, problem: str) -> None:
    rejected(build(lifecycle=lifecycle), key, problem)


def test_a_repositorys_own_lifecycle_is_checked_under_its_key() -> None:
    rejected(
        build(**repository(lifecycle={"expireUntaggedAfterDays": -1})),
        f"{R}.lifecycle.expireUntaggedAfterDays",
        "count",
    )


def test_a_policy_over_ecrs_30720_characters_is_refused() -> None:
    keep = [{"prefix": f"p{i:03d}x", "count": 1} for i in range(200)]
    rejected(
        build(lifecycle={"keepTagged": keep}),
        L,
        r"make a lifecycle policy of \d+ characters: ECR takes 100 to 30720",
    )


# --- KMS keys ------------------------------------------------------------------------------------


def test_created_keys_make_kms_every_repositorys_default() -> None:
    config = build(
        kmsKeys={"create": True, "deletionWindowDays": 7},
        repositories=[
            "web-app",
            {"name": "worker", "encryption": "AES256"},
            {"name": "jobs", "kmsKey": "alias/mine", "encryption": "KMS"},
        ],
    )
    stack = parsed(config)
    assert stack.kms_keys == KmsKeys(create=True, deletion_window_days=7)
    web, worker, jobs = stack.repositories
    assert (web.encryption_type, web.stack_key, web.kms_key) == ("KMS", True, None)
    assert (worker.encryption_type, worker.stack_key) == ("AES256", False)
    assert (jobs.stack_key, jobs.kms_key) == (False, "alias/mine")


def test_given_keys_are_used_by_arn_in_their_region() -> None:
    stack = parsed(build(kmsKeys={"arns": [KEY_EAST]}))
    assert stack.repositories[0].kms_key == KEY_EAST
    assert not stack.repositories[0].stack_key


K = "ecr-share:kmsKeys"


@pytest.mark.parametrize(
    ("keys", "key", "problem"),
    [
        ({}, K, "must set exactly one of create: true"),
        ({"create": True, "arns": [KEY_EAST]}, K, "must set exactly one of create: true"),
        ({"create": False}, f"{K}.create", "is false: leave ecr-share:kmsKeys out"),
        (
            {"create": True, "deletionWindowDays": 6},
            f"{K}.deletionWindowDays",
            r"is not a KMS deletion window \(7 to 30 days\)",
        ),
        (
            {"create": True, "deletionWindowDays": 31},
            f"{K}.deletionWindowDays",
            "is not a KMS deletion window",
        ),
        ({"arns": [KEY_EAST], "deletionWindowDays": 7}, f"{K}.deletionWindowDays", "needs create: true"),
        ({"arns": []}, f"{K}.arns", "is empty"),
        ({"arns": ["alias/ecr"]}, f"{K}.arns[0]", "is not the ARN of a KMS key .* not an alias or a key ID"),
        ({"arns": [KEY_EAST.replace(":key/", ":alias/")]}, f"{K}.arns[0]", "is not the ARN of a KMS key"),
        (
            {"arns": [KEY_EAST.replace(ACCOUNT, "999999999999")]},
            f"{K}.arns[0]",
            "is a key of account 999999999999",
        ),
        ({"arns": [KEY_EAST.replace("arn:aws:", "arn:aws-cn:")]}, f"{K}.arns[0]", "is in partition aws-cn"),
        ({"arns": [KEY_EAST, KEY_EAST]}, f"{K}.arns[1]", r"is a duplicate Region \(one key per Region\)"),
        (
            {"arns": [KEY_WEST]},
            f"{K}.arns",
            "name keys in us-west-2, but this stack keeps images in us-east-1",
        ),
        (
            {"arns": [KEY_EAST, KEY_WEST]},
            f"{K}.arns",
            "name keys in us-east-1, us-west-2, but this stack keeps images in us-east-1:",
        ),
    ],
)
def test_kms_keys_are_checked(keys: dict[str, Any], key: str, problem: str) -> None:
    rejected(build(kmsKeys=keys), key, problem)


def test_given_keys_cover_the_replica_regions_of_the_build_account() -> None:
    replication = {
        "rules": [{"destinations": [{"region": "us-west-2", "account": ACCOUNT}], "filters": ["web-app/"]}]
    }
    rejected(
        build(kmsKeys={"arns": [KEY_EAST]}, replication=replication),
        f"{K}.arns",
        "but this stack keeps images in us-east-1, us-west-2",
    )
    assert parsed(build(kmsKeys={"arns": [KEY_EAST, KEY_WEST]}, replication=replication)).kms_keys


def test_a_stack_name_too_long_for_the_template_role_is_refused() -> None:
    replication = {
        "rules": [{"destinations": [{"region": "us-west-2", "account": ACCOUNT}], "filters": ["web-app/"]}]
    }
    with pytest.raises(ConfigError, match="makes the creation-template role name") as caught:
        parse_stack_config("b" * 40, build(kmsKeys={"create": True}, replication=replication))
    assert caught.value.key == "stack name"
