"""Pure replication documents: template prefixes, merged destination plans, the registry policy, the
scanning filters, the build stack's ``replication`` export and registry-singleton ownership."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.errors import ConfigError
from components.model import (
    AccountsAccess,
    BuildStack,
    EnvironmentStack,
    ReceiveReplication,
    Replication,
    ReplicationDestination,
    ReplicationRule,
    RepositorySpec,
    ServiceSpec,
)
from components.policies import canonical_json
from components.registry_ownership import Claim, check_registry_ownership, registry_claims
from components.replication import (
    DestinationPlan,
    check_registry_policy,
    covers,
    destination_plans,
    registry_policy_resources,
    replication_registry_policy,
    scanning_filters,
    template_description,
    template_prefixes,
)
from components.replication_outputs import ReplicationExport, replication_output

SOURCE = "111111111111"
PROD = "444444444444"
WEST = ReplicationDestination("us-west-2", SOURCE)
TO_PROD = ReplicationDestination("us-east-1", PROD)


@pytest.mark.parametrize(
    ("filters", "root", "prefixes"),
    [
        ((), False, ("ROOT",)),
        (("team-a/",), False, ("team-a",)),
        (("team-a/", "team-b/api/"), False, ("team-a", "team-b/api")),
        (("web-app",), True, ("ROOT",)),
        (("web-app", "team-a/"), True, ("ROOT", "team-a")),
    ],
)
def test_template_prefixes_line_up_with_filters(
    filters: tuple[str, ...], root: bool, prefixes: tuple[str, ...]
) -> None:
    assert template_prefixes(filters, root) == prefixes


@pytest.mark.parametrize(
    ("filters", "repository", "replicated"),
    [
        ((), "anything/at-all", True),
        (("web-app",), "web-app", True),
        (("web-app",), "web-app-v2", True),  # a string prefix, which is why it needs ROOT
        (("web-app",), "web-app/api", True),
        (("web-app",), "worker", False),
        (("team-a/",), "team-a/api", True),
        (("team-a/",), "team-a", False),
        (("team-a/",), "team-ab/api", False),
    ],
)
def test_covers_is_a_string_prefix_match(filters: tuple[str, ...], repository: str, replicated: bool) -> None:
    assert covers(filters, repository) is replicated


def test_destination_plans_merge_rules_per_destination() -> None:
    rules = (
        ReplicationRule((WEST,), ("web-app",), True),
        ReplicationRule((TO_PROD, WEST), ("team-a/",)),
    )
    assert destination_plans(rules) == (
        DestinationPlan(WEST, ("team-a/", "web-app"), ("ROOT", "team-a")),
        DestinationPlan(TO_PROD, ("team-a/",), ("team-a",)),
    )


def test_a_rule_without_filters_makes_the_destination_receive_everything() -> None:
    rules = (ReplicationRule((TO_PROD,), ("team-a/",)), ReplicationRule((TO_PROD,)))
    assert destination_plans(rules) == (DestinationPlan(TO_PROD, (), ("ROOT", "team-a")),)
    assert destination_plans(tuple(reversed(rules))) == destination_plans(rules)


def test_registry_policy_is_scoped_to_the_replicated_prefixes() -> None:
    document = replication_registry_policy(SOURCE, TO_PROD, ["worker", "web-app"])
    assert document == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReplicationFrom111111111111",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111111111111:root"},
                "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
                "Resource": [
                    "arn:aws:ecr:us-east-1:444444444444:repository/web-app*",
                    "arn:aws:ecr:us-east-1:444444444444:repository/worker*",
                ],
            }
        ],
    }
    text = check_registry_policy("k", document)
    assert text == canonical_json(document)
    assert "repository/*" not in text


def test_registry_policy_names_repository_star_only_when_everything_is_replicated() -> None:
    assert registry_policy_resources(TO_PROD, ()) == ["arn:aws:ecr:us-east-1:444444444444:repository/*"]
    assert registry_policy_resources(TO_PROD, ("team-a/",)) == [
        "arn:aws:ecr:us-east-1:444444444444:repository/team-a/*"
    ]


def test_registry_policy_uses_the_destinations_partition() -> None:
    document = replication_registry_policy(
        "123456789012", ReplicationDestination("us-gov-east-1", "210987654321"), ["team-a/"]
    )
    statement = document["Statement"][0]
    assert statement["Principal"] == {"AWS": "arn:aws-us-gov:iam::123456789012:root"}
    assert statement["Resource"] == ["arn:aws-us-gov:ecr:us-gov-east-1:210987654321:repository/team-a/*"]
    check_registry_policy("k", document)


def test_registry_policy_with_an_arn_missing_ecr_is_refused() -> None:
    """aws/containers-roadmap#2675: ECR accepted such a policy, then replication failed with
    DESTINATION_REGISTRY_ACCESS_DENIED."""
    document = replication_registry_policy(SOURCE, TO_PROD, ["web-app"])
    document["Statement"][0]["Resource"] = ["arn:aws:us-east-1:444444444444:repository/web-app*"]
    with pytest.raises(
        ConfigError,
        match=r'^k: "arn:aws:us-east-1:444444444444:repository/web-app\*" is not a repository ARN',
    ):
        check_registry_policy("k", document)


def test_oversized_registry_policy_is_refused() -> None:
    filters = [f"{'n' * 200}{i:03d}/" for i in range(60)]
    with pytest.raises(ConfigError, match=r"characters\" make a registry policy over ECR's limit of 10240"):
        check_registry_policy("k", replication_registry_policy(SOURCE, TO_PROD, filters))


def test_scanning_filters_select_what_the_replication_filters_select() -> None:
    assert scanning_filters(()) == ["*"]
    assert scanning_filters(("worker", "team-a/", "web-app")) == ["team-a/*", "web-app*", "worker*"]


def test_template_description_fits_ecr_limit() -> None:
    description = template_description(SOURCE, "us-east-1")
    assert description.startswith("ecr-share: repositories replicated from 111111111111 (us-east-1)")
    assert len(description) <= 256


def build_stack(replication: Replication | None) -> BuildStack:
    return BuildStack(
        stack="build",
        account_id=SOURCE,
        region="us-east-1",
        repositories=(RepositorySpec("web-app"),),
        access=AccountsAccess((PROD,)),
        replication=replication,
    )


def test_replication_export_round_trips() -> None:
    build = build_stack(
        Replication((ReplicationRule((WEST,), ("web-app",), True), ReplicationRule((TO_PROD,), ("team-a/",))))
    )
    output = replication_output(build)
    assert output == {
        "sourceAccount": SOURCE,
        "sourceRegion": "us-east-1",
        "destinations": [
            {"account": SOURCE, "region": "us-west-2", "filters": ["web-app"], "templatePrefixes": ["ROOT"]},
            {"account": PROD, "region": "us-east-1", "filters": ["team-a/"], "templatePrefixes": ["team-a"]},
        ],
    }
    export = ReplicationExport.from_output(json.loads(json.dumps(output)))
    assert export.plans == destination_plans(build.replication.rules if build.replication else ())
    assert export.plan_for(PROD, "us-east-1") == DestinationPlan(TO_PROD, ("team-a/",), ("team-a",))
    assert export.plan_for(PROD, "us-west-2") is None


def test_a_build_stack_without_replication_exports_no_destinations() -> None:
    assert replication_output(build_stack(None))["destinations"] == []


def receiver(stack: str, scan: bool = True, account: str = PROD) -> EnvironmentStack:
    return EnvironmentStack(
        stack=stack,
        account_id=account,
        region="us-east-1",
        build_stack="organization/ecr-share/build",
        services=(ServiceSpec("web-app", "web-app", 256, 512, 80, image_tag="v1"),),
        receive_replication=ReceiveReplication(SOURCE, ("web-app",), True, scan),
    )


def test_registry_claims() -> None:
    build = build_stack(
        Replication((ReplicationRule((WEST, TO_PROD), ("web-app",), True),), scan_on_push=True)
    )
    assert registry_claims(build) == [
        Claim(SOURCE, "us-east-1", "the replication configuration"),
        Claim(SOURCE, "us-west-2", "the creation template ROOT"),
        Claim(SOURCE, "us-west-2", "the registry scanning configuration"),
    ]
    assert registry_claims(receiver("prod")) == [
        Claim(PROD, "us-east-1", "the creation template ROOT"),
        Claim(PROD, "us-east-1", "the registry policy"),
        Claim(PROD, "us-east-1", "the registry scanning configuration"),
    ]
    assert registry_claims(build_stack(None)) == []


def test_two_stacks_claiming_one_registry_policy_are_refused() -> None:
    others: dict[str, Any] = {"prod": receiver("prod"), "build": build_stack(None)}
    with pytest.raises(
        ConfigError,
        match=r'^ecr-share:receiveReplication: "444444444444/us-east-1" manages the creation template ROOT '
        r"and the registry policy of this registry, which stack prod manages too: ECR keeps only one of "
        r"each per registry",
    ):
        check_registry_ownership("prod-dr", receiver("prod-dr", scan=False), others)
    # The same stack is never its own rival, and another account's registry is no conflict.
    check_registry_ownership("prod", receiver("prod"), others)
    check_registry_ownership("staging", receiver("staging", account="333333333333"), others)
