"""The build stack's outputs read back at an environment's boundary: every shape, type and
consistency problem (older format, tampering, another registry) is refused with one message naming
the build stack, the output, the value and what was expected, before anything is planned."""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

import pytest

from components.config.files import load_stack_config
from components.config.stack import parse_stack_config
from components.contract.outputs import BUILD_OUTPUT_NAMES, build_exports, read_build_outputs
from components.errors import ConfigError
from components.replication.model import ReplicaRegistry, ReplicaSettings, ReplicationDestination
from components.repositories.model import AccountsAccess, KeepTagged, Lifecycle, OrganizationAccess
from tests.support.pulumi_harness import PROJECT_DIR

STACK = "organization/ecr-share/build"
SOURCE = "111111111111"
WHERE = f"ecr-share:buildStack {STACK}, output"
FIX = r"deploy the build stack with this version of ecr-share first \(pulumi up -s <build stack>\)"


def committed_outputs() -> dict[str, Any]:
    config = parse_stack_config("build", load_stack_config(PROJECT_DIR, "build"))
    return build_exports(config)  # type: ignore[arg-type]


def test_the_committed_build_stacks_outputs_read_back_intact() -> None:
    outputs = read_build_outputs(STACK, committed_outputs())
    assert outputs.registry_id == SOURCE
    assert outputs.region == "us-east-1"
    assert outputs.repository_arns["worker"] == f"arn:aws:ecr:us-east-1:{SOURCE}:repository/worker"
    assert outputs.access == AccountsAccess(("222222222222", "333333333333", "444444444444"))
    # The replicas get the repositories' settings: immutable tags, AES256, the default lifecycle.
    settings = ReplicaSettings(lifecycle=Lifecycle(14, (KeepTagged("dev-", 20),)))
    assert outputs.replicas == (
        ReplicaRegistry(ReplicationDestination("us-west-2", SOURCE), ("web-app",), ("ROOT",), settings),
        ReplicaRegistry(
            ReplicationDestination("us-east-1", "444444444444"), ("web-app", "worker"), ("ROOT",), settings
        ),
    )


def test_organization_access_reads_back() -> None:
    outputs = committed_outputs()
    outputs["access"] = {
        "mode": "organization",
        "organizationId": "o-abc123def4",
        "organizationPaths": ["o-abc123def4/r-ab12/ou-ab12-11111111/*"],
        "roles": [],
        "lambdaAccounts": [],
    }
    assert read_build_outputs(STACK, outputs).access == OrganizationAccess(
        "o-abc123def4", ("o-abc123def4/r-ab12/ou-ab12-11111111/*",)
    )


@pytest.mark.parametrize("name", BUILD_OUTPUT_NAMES)
def test_a_missing_output_names_it(name: str) -> None:
    outputs = committed_outputs()
    del outputs[name]
    with pytest.raises(ConfigError) as caught:
        read_build_outputs(STACK, outputs)
    assert str(caught.value) == (
        f'ecr-share:buildStack: "{STACK}" has no output {name}: it is not an ecr-share build stack of this '
        "version; deploy the build stack with this version of ecr-share first (pulumi up -s <build stack>)"
    )


def test_no_outputs_at_all() -> None:
    with pytest.raises(ConfigError, match=rf'^ecr-share:buildStack: "{STACK}" has no outputs: {FIX}$'):
        read_build_outputs(STACK, None)


def change(path: tuple[Any, ...], value: Any) -> Callable[[dict[str, Any]], None]:
    def apply(outputs: dict[str, Any]) -> None:
        target = outputs
        for step in path[:-1]:
            target = target[step]
        target[path[-1]] = value

    return apply


def drop(path: tuple[Any, ...]) -> Callable[[dict[str, Any]], None]:
    def apply(outputs: dict[str, Any]) -> None:
        target = outputs
        for step in path[:-1]:
            target = target[step]
        del target[path[-1]]

    return apply


CASES = [
    # An older or newer ecr-share wrote these outputs.
    (
        change(("contractVersion",), 2),
        "contractVersion",
        "2",
        "is not 3, the contract this version of ecr-share reads",
    ),
    (change(("contractVersion",), "3"), "contractVersion", '"3"', "is not 3"),
    # Types and shapes.
    (change(("registryId",), 111111111111), "registryId", "111111111111", "is not a string"),
    (change(("registryId",), "*"), "registryId", '"\\*"', "is not a 12-digit AWS account ID"),
    (change(("region",), None), "region", "null", "is not a string"),
    (change(("repositoryArns",), ["web-app"]), "repositoryArns", '\\["web-app"\\]', "is not a map"),
    (
        change(("repositoryArns",), {}),
        "repositoryArns",
        "{}",
        "is not a map from repository name to a string",
    ),
    (
        drop(("repositoryUrls", "worker")),
        "repositoryUrls",
        '\\["web-app"\\]',
        "name other repositories than repositoryArns \\(web-app, worker\\)",
    ),
    # A tampered or foreign value: a wildcard ARN, another account's repository, another registry's URL.
    (
        change(("repositoryArns", "web-app"), "*"),
        "repositoryArns.web-app",
        '"\\*"',
        "is not the ARN of repository web-app in account 111111111111, us-east-1 "
        "\\(arn:aws:ecr:us-east-1:111111111111:repository/web-app\\)",
    ),
    (
        change(("repositoryArns", "web-app"), "arn:aws:ecr:us-east-1:666666666666:repository/web-app"),
        "repositoryArns.web-app",
        '"arn:aws:ecr:us-east-1:666666666666:repository/web-app"',
        "is not the ARN of repository web-app in account 111111111111",
    ),
    (
        change(("repositoryUrls", "worker"), "evil.example.com/worker"),
        "repositoryUrls.worker",
        '"evil.example.com/worker"',
        "is not the URL of repository worker in account 111111111111, us-east-1 "
        "\\(111111111111.dkr.ecr.us-east-1.amazonaws.com/worker\\)",
    ),
    # The access grant.
    (
        change(("access",), ["222222222222"]),
        "access",
        '\\["222222222222"\\]',
        'is not {"mode": "accounts", ...}',
    ),
    (change(("access", "mode"), "everyone"), "access", ".*", 'is not {"mode": "accounts", ...}'),
    (change(("access", "accounts"), []), "access", ".*", "grants nobody"),
    (
        change(("access", "accounts"), ["222222222222", "222222222222"]),
        "access.accounts",
        ".*",
        "is not a list of distinct account IDs",
    ),
    (
        change(("access", "accounts", 0), "2222"),
        "access.accounts\\[0\\]",
        '"2222"',
        "is not a 12-digit AWS account ID",
    ),
    (
        change(("access", "extra"), True),
        "access",
        ".*",
        "does not have exactly the keys mode, accounts, roles, lambdaAccounts",
    ),
    # The replication description.
    (
        change(("replication", "sourceAccount"), "666666666666"),
        "replication",
        ".*",
        "does not describe this build registry \\(111111111111, us-east-1\\)",
    ),
    (change(("replication", "destinations"), {}), "replication.destinations", "{}", "is not a list"),
    (
        change(("replication", "destinations", 0, "account"), "1"),
        "replication.destinations\\[0\\].account",
        '"1"',
        "is not a 12-digit AWS account ID",
    ),
    (
        change(("replication", "destinations", 0, "region"), "cn-north-1"),
        "replication.destinations\\[0\\].region",
        '"cn-north-1"',
        "is not a replication destination of 111111111111 in us-east-1",
    ),
    (
        change(("replication", "destinations", 1, "filters"), ["Web App"]),
        "replication.destinations\\[1\\].filters\\[0\\]",
        '"Web App"',
        "is not a replication filter",
    ),
    (
        change(("replication", "destinations", 1, "templatePrefixes"), ["team-a"]),
        "replication.destinations\\[1\\]",
        ".*",
        "has filters and template prefixes that do not belong together",
    ),
]


@pytest.mark.parametrize(("tamper", "path", "value", "problem"), CASES)
def test_each_bad_output_is_refused_naming_it(
    tamper: Callable[[dict[str, Any]], None], path: str, value: str, problem: str
) -> None:
    outputs = copy.deepcopy(committed_outputs())
    tamper(outputs)
    with pytest.raises(ConfigError) as caught:
        read_build_outputs(STACK, outputs)
    message = str(caught.value)
    assert re.fullmatch(rf"{re.escape(WHERE)} {path}: {value} {problem}.*: {FIX}", message), message


def test_a_destination_listed_twice_is_refused() -> None:
    outputs = committed_outputs()
    outputs["replication"]["destinations"].append(copy.deepcopy(outputs["replication"]["destinations"][0]))
    with pytest.raises(ConfigError, match=r"output replication.destinations: .* lists a destination twice"):
        read_build_outputs(STACK, outputs)
