"""Pure replication documents: template prefixes, merged replica registries, the registry policy, the
scanning filters, the build stack's ``replication`` output and registry-singleton ownership."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.aws.policy import canonical_json
from components.config.model import BuildStack, EnvironmentStack
from components.consumers.model import ServiceSpec
from components.contract.outputs import BuildOutputs, build_exports, read_build_outputs, replication_config
from components.errors import ConfigError
from components.plan.build import plan_build_stack
from components.plan.environment import plan_environment_stack
from components.plan.model import StackPlan
from components.plan.ownership import Claim, check_registry_ownership, registry_claims
from components.replication.config import resolved_replication
from components.replication.documents import (
    check_registry_policy,
    covers,
    receiver_registry_policy,
    registry_policy_resources,
    replica_registries,
    replication_registry_policy,
    replication_statements,
    scanning_filters,
    template_description,
    template_for,
)
from components.replication.model import (
    ReceiveReplication,
    RegistryScanning,
    ReplicaRegistry,
    ReplicaSettings,
    ReplicationDestination,
    ReplicationRule,
    ScanningRule,
    template_prefixes,
)
from components.repositories.model import AccountsAccess, KeepTagged, Lifecycle, RepositorySpec

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


def test_replica_registries_merge_rules_per_destination() -> None:
    rules = (
        ReplicationRule((WEST,), ("web-app",), True),
        ReplicationRule((TO_PROD, WEST), ("team-a/",)),
    )
    assert replica_registries(rules) == (
        ReplicaRegistry(WEST, ("team-a/", "web-app"), ("ROOT", "team-a")),
        ReplicaRegistry(TO_PROD, ("team-a/",), ("team-a",)),
    )


def test_a_rule_without_filters_makes_the_destination_receive_everything() -> None:
    rules = (ReplicationRule((TO_PROD,), ("team-a/",)), ReplicationRule((TO_PROD,)))
    assert replica_registries(rules) == (ReplicaRegistry(TO_PROD, (), ("ROOT", "team-a")),)
    assert replica_registries(tuple(reversed(rules))) == replica_registries(rules)


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


def test_template_description_fits_ecr_limit_and_says_whether_other_accounts_may_pull() -> None:
    description = template_description(SOURCE, "us-east-1", pull_granted=False, settings=ReplicaSettings())
    assert description == (
        "ecr-share: repositories replicated from 111111111111 (us-east-1): no cross-account pull, "
        "immutable tags, AES256"
    )
    granted = template_description(SOURCE, "us-east-1", pull_granted=True, settings=ReplicaSettings())
    assert "the pull policy of its grant" in granted
    assert len(description) <= 256


def test_template_description_says_what_the_replicas_get() -> None:
    settings = ReplicaSettings(
        "IMMUTABLE_WITH_EXCLUSION", ("latest", "dev-*"), "KMS", Lifecycle(expire_untagged_after_days=14)
    )
    assert template_description(SOURCE, "us-east-1", pull_granted=False, settings=settings, kms=True) == (
        "ecr-share: repositories replicated from 111111111111 (us-east-1): no cross-account pull, "
        "immutable tags except latest dev-*, KMS, a lifecycle policy"
    )
    long = ReplicaSettings("MUTABLE_WITH_EXCLUSION", tuple(f"{'x' * 120}{i}" for i in range(5)))
    assert len(template_description(SOURCE, "us-east-1", True, long)) == 256


@pytest.mark.parametrize(
    ("prefixes", "repository", "template"),
    [
        (("ROOT", "team-a"), "team-a/api", "team-a"),
        (("ROOT", "team-a"), "team-a-api", "ROOT"),
        (("team-a", "team-a/api"), "team-a/api/v2", "team-a/api"),
        (("team-a",), "web-app", None),
    ],
)
def test_the_template_ecr_applies_is_the_longest_namespace_else_root(
    prefixes: tuple[str, ...], repository: str, template: str | None
) -> None:
    assert template_for(prefixes, repository) == template


def build_stack(
    *rules: ReplicationRule, repositories: tuple[RepositorySpec, ...] = (RepositorySpec("web-app"),)
) -> BuildStack:
    """A build stack replicating with these rules (none: no replication), its replica registries
    decided as its config's parse decides them."""
    return BuildStack(
        stack="build",
        account_id=SOURCE,
        region="us-east-1",
        repositories=repositories,
        access=AccountsAccess((PROD,)),
        replication=resolved_replication(rules, None, SOURCE, repositories) if rules else None,
    )


def replica_at(outputs: BuildOutputs, account_id: str, region: str) -> ReplicaRegistry | None:
    wanted = ReplicationDestination(region, account_id)
    return next((r for r in outputs.replicas if r.destination == wanted), None)


def test_replication_output_round_trips_through_the_boundary_checks() -> None:
    build = build_stack(
        ReplicationRule((WEST,), ("web-app",), True), ReplicationRule((TO_PROD,), ("team-a/",))
    )
    assert build.replication is not None
    assert replication_config(build.replication.rules) == {
        "rules": [
            {
                "destinations": [{"region": "us-west-2", "account": SOURCE}],
                "filters": ["web-app"],
                "rootTemplate": True,
            },
            {"destinations": [{"region": "us-east-1", "account": PROD}], "filters": ["team-a/"]},
        ],
    }
    outputs = read_build_outputs("organization/ecr-share/build", json.loads(json.dumps(build_exports(build))))
    assert outputs.replicas == replica_registries(
        build.replication.rules if build.replication else (), build.repositories
    )
    assert replica_at(outputs, PROD, "us-east-1") == ReplicaRegistry(TO_PROD, ("team-a/",), ("team-a",))
    assert replica_at(outputs, PROD, "us-west-2") is None


def test_replica_settings_round_trip_through_the_boundary_checks() -> None:
    lifecycle = Lifecycle(14, (KeepTagged("dev-", 20),))
    repositories = (
        RepositorySpec(
            "web-app",
            image_tag_mutability="IMMUTABLE_WITH_EXCLUSION",
            exclusion_filters=("latest",),
            encryption_type="KMS",
            stack_key=True,
            lifecycle=lifecycle,
        ),
    )
    build = build_stack(ReplicationRule((TO_PROD,), ("web-app",), True), repositories=repositories)
    # The replicas' settings are derived from the repositories, as the build stack derives them.
    written = build_exports(build)["repositories"][0]
    assert written == {
        "name": "web-app",
        "scanOnPush": True,
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": ["latest"],
        "encryption": "KMS",
        "lifecycle": {"expireUntaggedAfterDays": 14, "keepTagged": [{"prefix": "dev-", "count": 20}]},
    }
    outputs = read_build_outputs("organization/ecr-share/build", json.loads(json.dumps(build_exports(build))))
    registry = replica_at(outputs, PROD, "us-east-1")
    assert registry is not None
    assert registry.settings == ReplicaSettings("IMMUTABLE_WITH_EXCLUSION", ("latest",), "KMS", lifecycle)


@pytest.mark.parametrize(
    ("edit", "problem"),
    [
        ({"imageTagMutability": "SOMETIMES"}, "is not one of IMMUTABLE"),
        ({"imageTagMutabilityExclusionFilters": ["a**b*"]}, "wildcards"),
        # Contract 3 said "is missing" for the empty list; the repositories' own parser says this.
        ({"imageTagMutabilityExclusionFilters": []}, "is empty: give at least one entry"),
        ({"encryption": "ROT13"}, "is not one of AES256, KMS"),
        ({"lifecycle": {"expireUntaggedAfterDays": 0}}, "is not a count from 1"),
        ({"lifecycle": "always"}, "is not an object"),
        ({"extra": 1}, "is not a known setting"),
    ],
)
def test_tampered_replica_settings_are_refused(edit: dict[str, Any], problem: str) -> None:
    repositories = (
        RepositorySpec(
            "web-app", image_tag_mutability="IMMUTABLE_WITH_EXCLUSION", exclusion_filters=("latest",)
        ),
    )
    build = build_stack(ReplicationRule((TO_PROD,), ("web-app",), True), repositories=repositories)
    exports = json.loads(json.dumps(build_exports(build)))
    exports["repositories"][0].update(edit)
    with pytest.raises(ConfigError, match=problem) as error:
        read_build_outputs("organization/ecr-share/build", exports)
    assert "output repositories[0]" in str(error.value)


def test_a_build_stack_without_replication_outputs_no_rules() -> None:
    exports = json.loads(json.dumps(build_exports(build_stack())))
    assert exports["replication"] == {"rules": []}
    assert read_build_outputs("organization/ecr-share/build", exports).replicas == ()


STAGING = "333333333333"
TO_STAGING = ReplicationDestination("us-east-1", STAGING)


SCAN_ON_PUSH = RegistryScanning("BASIC", (ScanningRule("SCAN_ON_PUSH"),))


def replicating_build(scan: RegistryScanning | None = SCAN_ON_PUSH) -> BuildStack:
    return BuildStack(
        stack="build",
        account_id=SOURCE,
        region="us-east-1",
        repositories=(RepositorySpec("web-app"),),
        access=AccountsAccess((PROD, STAGING)),
        replication=resolved_replication(
            (ReplicationRule((WEST, TO_PROD, TO_STAGING), ("web-app",), True),),
            scan,
            SOURCE,
            (RepositorySpec("web-app"),),
        ),
    )


# A receiver's scanning as its parse returns it: the left-out filters resolved to what it receives.
RECEIVED_SCAN_ON_PUSH = RegistryScanning("BASIC", (ScanningRule("SCAN_ON_PUSH", ("web-app*",)),))


def receiver(
    stack: str, scan: RegistryScanning | None = RECEIVED_SCAN_ON_PUSH, account: str = PROD
) -> StackPlan:
    environment = EnvironmentStack(
        stack=stack,
        account_id=account,
        region="us-east-1",
        build_stack="organization/ecr-share/build",
        services=(ServiceSpec("web-app", "web-app", 256, 512, 80, image_tag="v1"),),
        receive_replication=ReceiveReplication(
            SOURCE,
            ("web-app",),
            True,
            scan,
            registry_policy=canonical_json(
                receiver_registry_policy(
                    replication_statements(
                        [(SOURCE, ("web-app",))], ReplicationDestination("us-east-1", account)
                    )
                )
            ),
        ),
    )
    build = build_exports(replicating_build())
    return plan_environment_stack(environment, read_build_outputs("organization/ecr-share/build", build))


def test_registry_claims_are_read_off_the_plans() -> None:
    assert registry_claims(plan_build_stack(replicating_build())) == [
        Claim(SOURCE, "us-east-1", "the replication configuration"),
        Claim(SOURCE, "us-west-2", "the creation template ROOT"),
        Claim(SOURCE, "us-west-2", "the registry scanning configuration"),
    ]
    assert registry_claims(receiver("prod")) == [
        Claim(PROD, "every Region", "the IAM role ecr-share-prod-execution"),
        Claim(PROD, "us-east-1", "the creation template ROOT"),
        Claim(PROD, "us-east-1", "the log group /ecs/web-app"),
        Claim(PROD, "us-east-1", "the registry policy"),
        Claim(PROD, "us-east-1", "the registry scanning configuration"),
        Claim(PROD, "us-east-1", "the task family web-app"),
    ]
    assert registry_claims(plan_build_stack(build_stack())) == []


def test_two_stacks_claiming_one_registry_policy_are_refused() -> None:
    plans = {"build": plan_build_stack(replicating_build()), "prod": receiver("prod")}
    with pytest.raises(
        ConfigError,
        match=r'^ecr-share:receiveReplication: "444444444444/us-east-1" manages the creation template ROOT, '
        r"the log group /ecs/web-app, the registry policy and the task family web-app of this account and "
        r"Region, which stack prod manages too: there is only one of each there",
    ):
        check_registry_ownership({**plans, "prod-dr": receiver("prod-dr", scan=None)})
    # Another account's registry is no conflict.
    check_registry_ownership({**plans, "staging": receiver("staging", account=STAGING)})
