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
        ReplicaRegistry(
            ReplicationDestination("us-west-2", SOURCE), ("web-app",), ("ROOT",), settings, ("web-app",)
        ),
        ReplicaRegistry(
            ReplicationDestination("us-east-1", "444444444444"),
            ("web-app", "worker"),
            ("ROOT",),
            settings,
            ("web-app", "worker"),
        ),
    )


def test_organization_access_reads_back() -> None:
    outputs = committed_outputs()
    outputs["access"] = {
        "organizationId": "o-abc123def4",
        "organizationPaths": ["o-abc123def4/r-ab12/ou-ab12-11111111/*"],
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
    # An older or newer ecr-share wrote these outputs (3: the previous contract, refused likewise).
    (
        change(("contractVersion",), 3),
        "contractVersion",
        "3",
        "is not 4, the contract this version of ecr-share reads",
    ),
    (
        change(("contractVersion",), 2),
        "contractVersion",
        "2",
        "is not 4, the contract this version of ecr-share reads",
    ),
    (change(("contractVersion",), "4"), "contractVersion", '"4"', "is not 4"),
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
    (
        drop(("repositoryArns", "worker")),
        "repositoryArns",
        '\\["web-app"\\]',
        "name other repositories than repositories \\(web-app, worker\\)",
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
    # The repositories, read back by the repositories' own parser.
    (change(("repositories", 1, "name"), "Worker"), "repositories\\[1\\].name", '"Worker"', "is not"),
    (
        change(("repositories", 0, "encryption"), "ROT13"),
        "repositories\\[0\\].encryption",
        '"ROT13"',
        "is not one of AES256, KMS",
    ),
    # The access grant, read back by the grant's own parser (contract 3 had its own shape, with
    # "mode"; its messages said 'is not {"mode": "accounts", ...}' where these name the setting).
    (change(("access",), ["222222222222"]), "access", '\\["222222222222"\\]', "is not an object"),
    (
        change(("access", "mode"), "everyone"),
        "access.mode",
        '"everyone"',
        "is not a known setting \\(known: accounts, organizationId",
    ),
    (drop(("access", "accounts")), "access", "{}", "grants nobody"),
    (change(("access", "accounts"), []), "access.accounts", "\\[\\]", "is empty"),
    (
        change(("access", "accounts"), ["222222222222", "222222222222"]),
        "access.accounts\\[1\\]",
        '"222222222222"',
        "is a duplicate account",
    ),
    (
        change(("access", "accounts", 0), "2222"),
        "access.accounts\\[0\\]",
        '"2222"',
        "is not a 12-digit AWS account ID",
    ),
    (
        change(("access", "extra"), True),
        "access.extra",
        "true",
        "is not a known setting \\(known: accounts, organizationId, organizationPaths, roles, lambdaAccounts\\)",
    ),
    # The replication rules, read back by replication's own parser (contract 3 described each
    # destination, with its filters and template prefixes; now the rules, and the environment
    # derives the destinations with the build stack's function).
    (
        change(("replication", "rules", 0, "destinations", 0), {"region": "us-east-1", "account": SOURCE}),
        "replication.rules\\[0\\].destinations\\[0\\]",
        ".*",
        "is the source registry itself",
    ),
    (
        change(("replication", "rules", 0, "destinations"), {}),
        "replication.rules\\[0\\].destinations",
        "{}",
        "is not a list",
    ),
    (
        change(("replication", "rules", 0, "destinations", 0, "account"), "1"),
        "replication.rules\\[0\\].destinations\\[0\\].account",
        '"1"',
        "is not a 12-digit AWS account ID",
    ),
    (
        change(("replication", "rules", 0, "destinations", 0, "region"), "cn-north-1"),
        "replication.rules\\[0\\].destinations\\[0\\].region",
        '"cn-north-1"',
        "is outside the aws partition of us-east-1: replication does not cross partitions",
    ),
    (
        change(("replication", "rules", 1, "filters"), ["Web App"]),
        "replication.rules\\[1\\].filters\\[0\\]",
        '"Web App"',
        "is not a replication filter",
    ),
    (
        drop(("replication", "rules", 1, "rootTemplate")),
        "replication.rules\\[1\\].filters\\[0\\]",
        '"web-app"',
        "is a string prefix, not a namespace",
    ),
    (change(("replication",), None), "replication", "null", "is not an object"),
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
    destinations = outputs["replication"]["rules"][0]["destinations"]
    destinations.append(copy.deepcopy(destinations[0]))
    with pytest.raises(
        ConfigError, match=r"output replication.rules\[0\].destinations\[1\]: .* is a duplicate destination"
    ):
        read_build_outputs(STACK, outputs)
