"""What an environment stack checks against its build stack's replication, before it plans anything:
that it receives exactly what is replicated to it, and that the replica it pulls from exists."""

from __future__ import annotations

import dataclasses
import re

import pytest

from components.config.model import EnvironmentStack
from components.consumers.model import ServiceSpec
from components.contract.checks import check_environment, pull_source
from components.contract.outputs import BuildOutputs
from components.errors import ConfigError
from components.replication.model import ReceiveReplication, ReplicaRegistry, ReplicationDestination
from components.repositories.model import AccountsAccess

BUILD = "organization/ecr-share/build"
SOURCE = "111111111111"
PROD = "444444444444"
REPOSITORIES = ("web-app", "worker", "batch")
EXPORT = BuildOutputs(
    stack=BUILD,
    registry_id=SOURCE,
    region="us-east-1",
    repository_arns={n: f"arn:aws:ecr:us-east-1:{SOURCE}:repository/{n}" for n in REPOSITORIES},
    repository_urls={n: f"{SOURCE}.dkr.ecr.us-east-1.amazonaws.com/{n}" for n in REPOSITORIES},
    access=AccountsAccess(("222222222222", "333333333333", PROD)),
    replicas=(
        ReplicaRegistry(
            ReplicationDestination("us-west-2", SOURCE), ("web-app",), ("ROOT",), repositories=("web-app",)
        ),
        ReplicaRegistry(
            ReplicationDestination("us-east-1", PROD),
            ("web-app", "worker"),
            ("ROOT",),
            repositories=("web-app", "worker"),
        ),
    ),
)
# The checks never read the registry policy its parse renders, and nothing here is planned.
NOT_PLANNED = "{}"
RECEIVE = ReceiveReplication(SOURCE, ("worker", "web-app"), True, True, registry_policy=NOT_PLANNED)
PROD_ENV = EnvironmentStack(
    stack="prod",
    account_id=PROD,
    region="us-east-1",
    build_stack=BUILD,
    services=(
        ServiceSpec("web-app", "web-app", 512, 1024, 8080, image_tag="v1.2.3"),
        ServiceSpec("worker", "worker", 1024, 2048, 9000, image_digest="sha256:" + "a" * 64),
    ),
    pull_from="replica",
    receive_replication=RECEIVE,
)


def staging_west(*repositories: str) -> EnvironmentStack:
    """A stack in the build account's replica Region, running one service per repository."""
    return EnvironmentStack(
        stack="staging-west",
        account_id="333333333333",
        region="us-west-2",
        build_stack=BUILD,
        services=tuple(
            ServiceSpec(r, r, 256, 512, 80 + i, image_tag="v1") for i, r in enumerate(repositories)
        ),
        pull_from="replica",
    )


def changed(environment: EnvironmentStack = PROD_ENV, **changes: object) -> EnvironmentStack:
    return dataclasses.replace(environment, **changes)  # type: ignore[arg-type]


def refused(environment: EnvironmentStack, export: BuildOutputs, key: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_environment(environment, export)
    assert caught.value.key == key, str(caught.value)
    assert re.search(problem, str(caught.value)), str(caught.value)


def test_prod_receives_and_pulls_its_own_replica() -> None:
    resolved = check_environment(PROD_ENV, EXPORT)
    replica = resolved.replica
    assert replica is not None
    destination = replica.destination
    assert destination == ReplicationDestination("us-east-1", PROD)
    assert resolved.warnings == ()
    assert resolved.repository_arns == {
        "web-app": "arn:aws:ecr:us-east-1:444444444444:repository/web-app",
        "worker": "arn:aws:ecr:us-east-1:444444444444:repository/worker",
    }
    # The URL and the ARN come from one decision: the same registry for each repository.
    assert {n: s.url for n, s in resolved.sources.items()} == {
        "web-app": "444444444444.dkr.ecr.us-east-1.amazonaws.com/web-app",
        "worker": "444444444444.dkr.ecr.us-east-1.amazonaws.com/worker",
    }
    assert resolved.images["web-app"].uri == "444444444444.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3"
    assert resolved.received == replica


def test_pull_from_build_returns_no_replica() -> None:
    resolved = check_environment(changed(pull_from="build"), EXPORT)
    assert resolved.replica is None
    assert resolved.warnings == ()
    assert (
        resolved.images["worker"].uri == f"{SOURCE}.dkr.ecr.us-east-1.amazonaws.com/worker@sha256:{'a' * 64}"
    )


def test_a_stack_in_a_replica_region_of_the_build_account_pulls_that_replica() -> None:
    resolved = check_environment(staging_west("web-app"), EXPORT)
    assert resolved.replica is not None
    assert resolved.replica.destination == ReplicationDestination("us-west-2", SOURCE)
    assert resolved.warnings == ()
    assert resolved.received is None


def test_a_destination_that_does_not_receive_is_warned() -> None:
    warnings = check_environment(changed(receive_replication=None, pull_from="build"), EXPORT).warnings
    assert len(warnings) == 1
    assert "replicates to account 444444444444 in us-east-1, but this stack does not set" in warnings[0]
    assert "ecr-share:receiveReplication" in warnings[0]


def test_non_destinations_get_no_warning() -> None:
    dev = changed(account_id="222222222222", receive_replication=None, pull_from="build")
    resolved = check_environment(dev, EXPORT)
    assert (resolved.replica, resolved.warnings) == (None, ())


def test_receiving_from_another_source_account_is_refused() -> None:
    refused(
        changed(receive_replication=dataclasses.replace(RECEIVE, source_account="999999999999")),
        EXPORT,
        "ecr-share:receiveReplication.sourceAccount",
        r'"999999999999" is not the account of the build stack organization/ecr-share/build \(111111111111\)',
    )


def test_receiving_what_is_not_replicated_here_is_refused() -> None:
    refused(
        changed(region="eu-west-1"),
        EXPORT,
        "ecr-share:receiveReplication",
        "does not replicate to account 444444444444 in eu-west-1: add this destination",
    )


def test_receiving_other_filters_than_replicated_is_refused() -> None:
    refused(
        changed(receive_replication=dataclasses.replace(RECEIVE, filters=("web-app",))),
        EXPORT,
        "ecr-share:receiveReplication.filters",
        r"differ from what the build stack replicates here \(web-app, worker\)",
    )


def test_receiving_other_templates_than_the_build_rules_need_is_refused() -> None:
    export = dataclasses.replace(
        EXPORT, replicas=(ReplicaRegistry(ReplicationDestination("us-east-1", PROD), (), ("ROOT", "team-a")),)
    )
    refused(
        changed(
            receive_replication=ReceiveReplication(SOURCE, registry_policy=NOT_PLANNED), pull_from="build"
        ),
        export,
        "ecr-share:receiveReplication.rootTemplate",
        "gives templates ROOT, but the build stack's rules for this destination need ROOT, team-a",
    )


def test_pulling_replicas_where_there_are_none_is_refused() -> None:
    refused(
        changed(receive_replication=None, region="eu-west-1"),
        EXPORT,
        "ecr-share:pullFrom",
        r'"replica" finds no replica in eu-west-1: .* Add a destination to its replication.rules, or pull from "build"',
    )


def test_pulling_a_repository_that_is_not_replicated_is_refused() -> None:
    refused(
        staging_west("web-app", "worker"),
        EXPORT,
        "ecr-share:services[1].repository",
        r'"worker" is not replicated to 111111111111 in us-west-2 \(the build stack replicates there: web-app\)',
    )


def test_pull_sources_take_the_replica_where_it_exists_and_the_build_repository_elsewhere() -> None:
    west = staging_west("web-app", "batch")
    replica = EXPORT.replicas[0]  # replicates web-app only
    assert {n: pull_source(n, EXPORT, replica).arn for n in west.repositories} == {
        "web-app": f"arn:aws:ecr:us-west-2:{SOURCE}:repository/web-app",
        "batch": f"arn:aws:ecr:us-east-1:{SOURCE}:repository/batch",
    }
    assert {n: pull_source(n, EXPORT, None).arn for n in west.repositories} == {
        n: EXPORT.repository_arns[n] for n in ("batch", "web-app")
    }
    assert pull_source("batch", EXPORT, replica).url == EXPORT.repository_urls["batch"]
