"""Replication through the real ``__main__.py`` under mocks: consumers in a replica Region, refusals
of a build stack that does not replicate what a receiver expects, and invalid rules. The exact
resources are asserted on the plans (tests/plan)."""

from __future__ import annotations

import copy
import json

import pytest
from pulumi.errors import RunError

from components.config.files import load_stack_config
from components.config.stack import parse_stack_config
from components.errors import ConfigError
from components.plan.build import plan_build_stack
from tests.support.pulumi_harness import BUILD_STACK, PROJECT_DIR, ProgramRun, run_program

PROD = "444444444444"
TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
SCANNING = "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration"
REPLICATION = "aws:ecr/replicationConfiguration:ReplicationConfiguration"


def test_a_stack_in_the_replica_region_pulls_the_build_accounts_replica(build: ProgramRun) -> None:
    config = load_stack_config(PROJECT_DIR, "staging")
    config["aws:region"] = "us-west-2"
    config["ecr-share:pullFrom"] = "replica"
    config["ecr-share:services"] = config["ecr-share:services"][:1]  # only web-app replicates to us-west-2
    run = run_program("staging-west", config, {BUILD_STACK: build.exports})
    assert run.exports["images"] == {"web-app": "111111111111.dkr.ecr.us-west-2.amazonaws.com/web-app:v1.2.3"}
    statements = json.loads(run.one("aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]
    assert next(s for s in statements if s["Sid"] == "ECRPull")["Resource"] == [
        "arn:aws:ecr:us-west-2:111111111111:repository/web-app"
    ]
    assert not run.of_type("aws:ecr/registryPolicy:RegistryPolicy")


def test_prod_refuses_a_build_stack_that_does_not_replicate_to_it(build: ProgramRun) -> None:
    exports = copy.deepcopy(build.exports)
    del exports["replication"]["rules"][1]
    run = ProgramRun()
    with pytest.raises(RunError, match="does not replicate to account 444444444444 in us-east-1"):
        run_program("prod", load_stack_config(PROJECT_DIR, "prod"), {BUILD_STACK: exports}, run=run)
    assert run.resources == []


def test_invalid_replication_config_registers_nothing() -> None:
    config = load_stack_config(PROJECT_DIR, "build")
    config["ecr-share:replication"]["rules"][0]["rootTemplate"] = False
    run = ProgramRun()
    with pytest.raises(RunError, match=r'replication.rules\[0\].filters\[0\]: "web-app" is a string prefix'):
        run_program("build", config, run=run)
    assert run.resources == []


def test_a_build_stack_replicating_only_across_accounts_plans_no_template() -> None:
    config = load_stack_config(PROJECT_DIR, "build")
    del config["ecr-share:replication"]["rules"][0]
    # Its scanning configuration is for the replica Regions of its own account: refused without one.
    with pytest.raises(ConfigError, match=r"no rule replicates to another Region of 111111111111"):
        parse_stack_config("build", config)
    del config["ecr-share:replication"]["registryScanning"]
    plan = plan_build_stack(parse_stack_config("build", config))
    assert not plan.of_type(TEMPLATE)
    assert not plan.of_type(SCANNING)
    (configuration,) = plan.of_type(REPLICATION)
    assert configuration.depends_on == ()
    assert configuration.inputs["replication_configuration"]["rules"] == [
        {
            "destinations": [{"region": "us-east-1", "registry_id": PROD}],
            "repository_filters": [
                {"filter": "web-app", "filter_type": "PREFIX_MATCH"},
                {"filter": "worker", "filter_type": "PREFIX_MATCH"},
            ],
        }
    ]


def test_a_receiver_may_grant_other_accounts_its_replicas_explicitly(build: ProgramRun) -> None:
    config = load_stack_config(PROJECT_DIR, "prod")
    config["ecr-share:receiveReplication"]["access"] = {"accounts": ["333333333333"]}
    run = run_program("prod", config, {BUILD_STACK: build.exports})
    template = run.one(TEMPLATE, "replication-replicas-ROOT")
    assert json.loads(template.inputs["repositoryPolicy"])["Statement"] == [
        {
            "Sid": "AllowCrossAccountPull",
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::333333333333:root"]},
            "Action": ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        }
    ]
    assert "the pull policy of its grant" in template.inputs["description"]
