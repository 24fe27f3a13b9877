"""The real ``__main__.py`` under mocks: the committed build stack replicates to us-west-2 (its own
account) and to the prod account; the committed prod stack receives the replicas and runs them."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from pulumi.errors import RunError
from pulumi_harness import BUILD_STACK, PROJECT_DIR, ProgramRun, Registered, run_program, run_stack_file

from components.stack_files import load_stack_config

SOURCE = "111111111111"
PROD = "444444444444"
PULL = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
BUILD_GRANT = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowCrossAccountPull",
            "Effect": "Allow",
            "Principal": {"AWS": [f"arn:aws:iam::{a}:root" for a in ("222222222222", "333333333333", PROD)]},
            "Action": PULL,
        }
    ],
}
REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
DESCRIPTION = (
    "ecr-share: repositories replicated from 111111111111 (us-east-1): pull policy of the build "
    "stack, immutable tags, AES256"
)


def template_inputs(template: Registered) -> dict[str, Any]:
    inputs = dict(template.inputs)
    inputs["repositoryPolicy"] = json.loads(inputs["repositoryPolicy"])
    return inputs


def test_build_replication_configuration_is_exactly_the_configured_rules(build: ProgramRun) -> None:
    configuration = build.one(REPLICATION, "replication")
    assert configuration.inputs == {
        "replicationConfiguration": {
            "rules": [
                {
                    "destinations": [{"region": "us-west-2", "registryId": SOURCE}],
                    "repositoryFilters": [{"filter": "web-app", "filterType": "PREFIX_MATCH"}],
                },
                {
                    "destinations": [{"region": "us-east-1", "registryId": PROD}],
                    "repositoryFilters": [
                        {"filter": "web-app", "filterType": "PREFIX_MATCH"},
                        {"filter": "worker", "filterType": "PREFIX_MATCH"},
                    ],
                },
            ]
        }
    }
    assert configuration.parent_urn.endswith("ecr-share:index:RegistryReplication::replication")


def test_build_creates_the_template_of_its_own_replica_region_there(build: ProgramRun) -> None:
    """Same account, other Region: pulumi-aws 7's per-resource region on the stack's own provider."""
    template = build.one(TEMPLATE)
    assert template.name == "replicas-us-west-2-ROOT"
    assert template_inputs(template) == {
        "prefix": "ROOT",
        "region": "us-west-2",
        "appliedFors": ["REPLICATION"],
        "imageTagMutability": "IMMUTABLE",
        "encryptionConfigurations": [{"encryptionType": "AES256"}],
        "repositoryPolicy": BUILD_GRANT,
        "description": DESCRIPTION,
    }
    assert template.parent_urn.endswith("ecr-share:index:ReplicaRepositorySettings::replicas-us-west-2")
    assert build.one(SCANNING).inputs == {
        "region": "us-west-2",
        "scanType": "BASIC",
        "rules": [
            {
                "scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [{"filter": "web-app*", "filterType": "WILDCARD"}],
            }
        ],
    }


def test_build_registers_no_registry_policy_and_nothing_in_the_prod_account(build: ProgramRun) -> None:
    assert not build.of_type(REGISTRY_POLICY)
    assert all(r.inputs.get("region") in (None, "us-west-2") for r in build.resources)


def test_replication_starts_only_after_the_replica_template_exists(build: ProgramRun) -> None:
    dependencies = build.one(REPLICATION).dependencies
    assert any(urn.endswith("RepositoryCreationTemplate::replicas-us-west-2-ROOT") for urn in dependencies)


def test_build_exports_where_it_replicates(build: ProgramRun) -> None:
    assert build.exports["replication"] == {
        "sourceAccount": SOURCE,
        "sourceRegion": "us-east-1",
        "destinations": [
            {"account": SOURCE, "region": "us-west-2", "filters": ["web-app"], "templatePrefixes": ["ROOT"]},
            {
                "account": PROD,
                "region": "us-east-1",
                "filters": ["web-app", "worker"],
                "templatePrefixes": ["ROOT"],
            },
        ],
    }


def test_prod_registry_policy_lets_the_build_account_replicate_only_the_replicated_prefixes(
    prod: ProgramRun,
) -> None:
    policy = prod.one(REGISTRY_POLICY, "replication-registry-policy")
    assert set(policy.inputs) == {"policy"}  # the provider's Region: prod's own
    assert json.loads(policy.inputs["policy"]) == {
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
    assert policy.parent_urn.endswith("ecr-share:index:ReplicationReceiver::replication")


def test_prod_template_makes_replicas_pullable_immutable_and_encrypted(prod: ProgramRun) -> None:
    template = prod.one(TEMPLATE, "replication-replicas-ROOT")
    assert template_inputs(template) == {
        "prefix": "ROOT",
        "appliedFors": ["REPLICATION"],
        "imageTagMutability": "IMMUTABLE",
        "encryptionConfigurations": [{"encryptionType": "AES256"}],
        "repositoryPolicy": BUILD_GRANT,
        "description": DESCRIPTION,
    }
    assert prod.one(SCANNING).inputs == {
        "scanType": "BASIC",
        "rules": [
            {
                "scanFrequency": "SCAN_ON_PUSH",
                "repositoryFilters": [
                    {"filter": "web-app*", "filterType": "WILDCARD"},
                    {"filter": "worker*", "filterType": "WILDCARD"},
                ],
            }
        ],
    }


def test_prod_registry_policy_waits_for_the_templates(prod: ProgramRun) -> None:
    dependencies = prod.one(REGISTRY_POLICY).dependencies
    assert any(urn.endswith("RepositoryCreationTemplate::replication-replicas-ROOT") for urn in dependencies)
    assert any(
        urn.endswith("RegistryScanningConfiguration::replication-replicas-scanning") for urn in dependencies
    )


def test_prod_role_pulls_exactly_its_replicas(prod: ProgramRun) -> None:
    statements = json.loads(prod.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]
    pull = next(s for s in statements if s["Sid"] == "ECRPull")
    assert pull["Resource"] == [
        "arn:aws:ecr:us-east-1:444444444444:repository/web-app",
        "arn:aws:ecr:us-east-1:444444444444:repository/worker",
    ]


def test_prod_task_definitions_run_the_replicas(prod: ProgramRun) -> None:
    images = {
        r.name: json.loads(r.inputs["containerDefinitions"])[0]["image"]
        for r in prod.of_type("aws:ecs/taskDefinition:TaskDefinition")
    }
    assert images == {
        "web-app": "444444444444.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3",
        "worker": "444444444444.dkr.ecr.us-east-1.amazonaws.com/worker@sha256:"
        "0b4e1a5c3f2d6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a",
    }
    assert prod.exports["images"] == images


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_other_environments_are_untouched(stack: str, build: ProgramRun) -> None:
    run = run_stack_file(stack, {BUILD_STACK: build.exports})
    assert not [r for r in run.resources if r.typ in (REGISTRY_POLICY, TEMPLATE, SCANNING, REPLICATION)]
    assert run.exports["images"]["web-app"] == "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3"


def test_a_stack_in_the_replica_region_pulls_the_build_accounts_replica(build: ProgramRun) -> None:
    config = load_stack_config(PROJECT_DIR, "staging")
    config["aws:region"] = "us-west-2"
    config["ecr-share:pullFrom"] = "replica"
    run = run_program("staging-west", config, {BUILD_STACK: build.exports})
    assert run.exports["images"] == {"web-app": "111111111111.dkr.ecr.us-west-2.amazonaws.com/web-app:v1.2.3"}
    statements = json.loads(run.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]
    assert next(s for s in statements if s["Sid"] == "ECRPull")["Resource"] == [
        "arn:aws:ecr:us-west-2:111111111111:repository/web-app"
    ]
    assert not run.of_type(REGISTRY_POLICY)


def test_prod_refuses_a_build_stack_that_replicates_other_filters(build: ProgramRun) -> None:
    exports = copy.deepcopy(build.exports)
    exports["replication"]["destinations"][1]["filters"] = ["web-app"]
    run = ProgramRun()
    with pytest.raises(
        RunError, match=r"receiveReplication.filters: \[\"web-app\", \"worker\"\] differ from"
    ):
        run_program("prod", load_stack_config(PROJECT_DIR, "prod"), {BUILD_STACK: exports}, run=run)
    assert not run.of_type(REGISTRY_POLICY)
    assert not run.of_type(TEMPLATE)


def test_prod_refuses_a_build_stack_that_does_not_replicate_to_it(build: ProgramRun) -> None:
    exports = copy.deepcopy(build.exports)
    del exports["replication"]["destinations"][1]
    run = ProgramRun()
    with pytest.raises(RunError, match="does not replicate to account 444444444444 in us-east-1"):
        run_program("prod", load_stack_config(PROJECT_DIR, "prod"), {BUILD_STACK: exports}, run=run)
    assert not run.of_type(REGISTRY_POLICY)
    assert not run.of_type(TEMPLATE)


def test_a_build_stack_without_the_replication_export_is_refused(build: ProgramRun) -> None:
    exports = copy.deepcopy(build.exports)
    del exports["replication"]
    with pytest.raises(
        RunError, match=r"receiveReplication: .* has no output replication: deploy the build stack"
    ):
        run_program("prod", load_stack_config(PROJECT_DIR, "prod"), {BUILD_STACK: exports})


def test_a_second_stack_for_prods_registry_is_refused_before_registering_anything() -> None:
    run = ProgramRun()
    with pytest.raises(
        RunError,
        match="the creation template ROOT, the registry policy and the registry scanning configuration "
        "of this registry, which stack prod manages too",
    ):
        run_program("prod-copy", load_stack_config(PROJECT_DIR, "prod"), run=run)
    assert run.resources == []
    assert run.stack_references == []


def test_a_second_build_stack_for_the_same_registry_is_refused() -> None:
    with pytest.raises(
        RunError,
        match="manages the replication configuration, the creation template ROOT and the registry scanning "
        "configuration of these registries, which stack build manages too",
    ):
        run_program("build-copy", load_stack_config(PROJECT_DIR, "build"))


def test_invalid_replication_config_registers_nothing() -> None:
    config = load_stack_config(PROJECT_DIR, "build")
    config["ecr-share:replication"]["rules"][0]["rootTemplate"] = False
    run = ProgramRun()
    with pytest.raises(RunError, match=r'replication.rules\[0\].filters\[0\]: "web-app" is a string prefix'):
        run_program("build", config, run=run)
    assert run.resources == []


def test_a_build_stack_replicating_only_across_accounts_creates_no_template() -> None:
    config = load_stack_config(PROJECT_DIR, "build")
    del config["ecr-share:replication"]["rules"][0]
    run = run_program("build", config)
    assert not run.of_type(TEMPLATE)
    assert not run.of_type(SCANNING)
    assert run.one(REPLICATION).inputs["replicationConfiguration"]["rules"] == [
        {
            "destinations": [{"region": "us-east-1", "registryId": PROD}],
            "repositoryFilters": [
                {"filter": "web-app", "filterType": "PREFIX_MATCH"},
                {"filter": "worker", "filterType": "PREFIX_MATCH"},
            ],
        }
    ]
