"""``verify --live`` compares everything the plans deploy with what is in AWS (issue 11, point 2), in
moto: ``deployed.deploy`` creates it all from the plans, then each test changes one thing the way a
person, another tool or an old release could. Each finding names the resource, the field, the
planned and the deployed value; what is in a registry singleton the plan does not contain is
reported before a deploy would remove it (point 1)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from components.verify.cli import main
from tests.support.deployed import client, deploy, session_for
from tests.support.ecs_service_variant import prod_with_ecs_service
from tests.support.scale_project import write_project
from tests.support.stack_edits import add_prod_source, leave_prod_scanning_alone
from tests.support.verify_cli import drift

ROOT = Path(__file__).resolve().parents[2]
BUILD, DEV, STAGING, PROD = "111111111111", "222222222222", "333333333333", "444444444444"
OTHER_TOOL = {
    "Sid": "ReplicationFrom555555555555",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::555555555555:root"},
    "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
    "Resource": ["arn:aws:ecr:us-east-1:444444444444:repository/team-b/*"],
}


def test_everything_deployed_from_the_plans_is_read_back_without_drift(aws: None, project: Path) -> None:
    deploy(project)
    assert drift(project) == (0, [])
    # Every kind was there to compare: the deploy created each of them.
    prod_ecr = client("ecr", PROD)
    assert (
        prod_ecr.describe_repository_creation_templates()["repositoryCreationTemplates"][0]["prefix"]
        == "ROOT"
    )
    assert len(client("ecr", BUILD).describe_registry()["replicationConfiguration"]["rules"]) == 2


def test_repository_settings(aws: None, project: Path) -> None:
    deploy(project)
    ecr = client("ecr", BUILD)
    ecr.put_image_tag_mutability(repositoryName="worker", imageTagMutability="MUTABLE")
    ecr.put_image_scanning_configuration(
        repositoryName="worker", imageScanningConfiguration={"scanOnPush": False}
    )
    assert drift(project) == (
        1,
        [
            "repository worker in 111111111111 us-east-1 (stack build): imageTagMutability is MUTABLE "
            "(planned: IMMUTABLE)",
            "repository worker in 111111111111 us-east-1 (stack build): imageScanningConfiguration.scanOnPush "
            "is false (planned: true)",
        ],
    )


def test_another_tools_statement_in_the_registry_policy_is_reported_until_the_config_holds_it(
    aws: None, project: Path
) -> None:
    """Another replication source added its statement by hand: the next deploy of prod would remove
    it. Once prod's ``otherSources`` names it, the plan holds exactly that statement."""
    deploy(project)
    ecr = client("ecr", PROD)
    policy = json.loads(ecr.get_registry_policy()["policyText"])
    policy["Statement"].append(OTHER_TOOL)
    ecr.put_registry_policy(policyText=json.dumps(policy))
    shown = json.dumps(OTHER_TOOL, separators=(",", ":"), sort_keys=True)
    assert drift(project) == (
        1,
        [
            f"registry policy of 444444444444 us-east-1 (stack prod): policy statements include {shown}, "
            "which the plan does not (the next deploy removes it)"
        ],
    )
    add_prod_source(project, "555555555555", "team-b/")
    code, findings = drift(project)
    assert code == 1
    # The scanning configuration's default filters now cover team-b/ too: that is the next deploy's change.
    assert findings == [
        "registry scanning configuration of 444444444444 us-east-1 (stack prod): rules include "
        '{"repositoryFilters":[{"filter":"web-app*","filterType":"WILDCARD"},{"filter":"worker*",'
        '"filterType":"WILDCARD"}],"scanFrequency":"SCAN_ON_PUSH"}, which the plan does not (the next '
        "deploy removes it)",
        "registry scanning configuration of 444444444444 us-east-1 (stack prod): rules lack "
        '{"repositoryFilters":[{"filter":"team-b/*","filterType":"WILDCARD"},{"filter":"web-app*",'
        '"filterType":"WILDCARD"},{"filter":"worker*","filterType":"WILDCARD"}],"scanFrequency":'
        '"SCAN_ON_PUSH"}, which the plan deploys',
    ]


def turn_on_inspector(account: str) -> None:
    """What a security team does: enhanced (Inspector) scanning of every repository, continuously."""
    client("ecr", account).put_registry_scanning_configuration(
        scanType="ENHANCED",
        rules=[
            {
                "scanFrequency": "CONTINUOUS_SCAN",
                "repositoryFilters": [{"filter": "*", "filterType": "WILDCARD"}],
            }
        ],
    )


def test_inspector_scanning_set_by_a_security_team(aws: None, project: Path) -> None:
    deploy(project)
    turn_on_inspector(PROD)
    code, findings = drift(project)
    assert code == 1
    assert findings[0] == (
        "registry scanning configuration of 444444444444 us-east-1 (stack prod): scanType is ENHANCED "
        "(planned: BASIC)"
    )
    assert findings[1].endswith(
        'include {"repositoryFilters":[{"filter":"*","filterType":"WILDCARD"}],"scanFrequency":'
        '"CONTINUOUS_SCAN"}, which the plan does not (the next deploy removes it)'
    )
    assert len(findings) == 3  # and the planned SCAN_ON_PUSH rule is not there


def test_scanning_the_config_leaves_out_is_not_read(aws: None, project: Path) -> None:
    """Without registryScanning, prod does not own its scanning configuration: whoever does may change it."""
    leave_prod_scanning_alone(project)
    deploy(project)
    client("ecr", PROD).put_registry_scanning_configuration(scanType="ENHANCED", rules=[])
    assert drift(project) == (0, [])


def test_replication_configuration(aws: None, project: Path) -> None:
    deploy(project)
    # moto accepts one rule through the API; the plan has two.
    client("ecr", BUILD).put_replication_configuration(
        replicationConfiguration={"rules": [{"destinations": [{"region": "eu-west-1", "registryId": BUILD}]}]}
    )
    code, findings = drift(project)
    assert code == 1
    assert findings[0] == (
        "replication configuration of 111111111111 us-east-1 (stack build): rules include "
        '{"destinations":[{"region":"eu-west-1","registryId":"111111111111"}]}, which the plan does not '
        "(the next deploy removes it)"
    )
    assert [f.split(": rules ")[1].split(" ")[0] for f in findings[1:]] == ["lack", "lack"]


def test_creation_templates(aws: None, project: Path) -> None:
    deploy(project)
    client("ecr", PROD).update_repository_creation_template(
        prefix="ROOT", appliedFor=["REPLICATION"], imageTagMutability="MUTABLE"
    )
    client("ecr", BUILD, "us-west-2").delete_repository_creation_template(prefix="ROOT")
    assert drift(project) == (
        1,
        [
            "creation template ROOT in 111111111111 us-west-2 (stack build) does not exist (the plan deploys it)",
            "creation template ROOT in 444444444444 us-east-1 (stack prod): imageTagMutability is MUTABLE "
            "(planned: IMMUTABLE)",
        ],
    )


def test_trust_policy_of_the_execution_role(aws: None, project: Path) -> None:
    deploy(project)
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    client("iam", STAGING).update_assume_role_policy(
        RoleName="ecr-share-staging-execution", PolicyDocument=json.dumps(trust)
    )
    code, findings = drift(project)
    assert code == 1
    assert findings == [
        "execution role ecr-share-staging-execution in 333333333333 us-east-1 (stack staging): "
        'assumeRolePolicyDocument statements include {"Action":"sts:AssumeRole","Effect":"Allow",'
        '"Principal":{"AWS":"arn:aws:iam::999999999999:root"}}, which the plan does not',
        "execution role ecr-share-staging-execution in 333333333333 us-east-1 (stack staging): "
        'assumeRolePolicyDocument statements lack {"Action":["sts:AssumeRole"],"Condition":{"StringEquals":'
        '{"aws:SourceAccount":"333333333333"}},"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},'
        '"Sid":"EcsTasksAssumeRole"}, which the plan deploys',
    ]


def register_revision(account: str, family: str, image: str, **container: Any) -> str:
    """A revision of the family's latest, with another image and the given container fields (None:
    left out)."""
    ecs = client("ecs", account)
    definition = ecs.describe_task_definition(taskDefinition=family)["taskDefinition"]
    containers = [
        {k: v for k, v in {**c, "image": image, **container}.items() if v is not None}
        for c in definition["containerDefinitions"]
    ]
    keys = ("family", "networkMode", "requiresCompatibilities", "cpu", "memory", "executionRoleArn")
    registered = ecs.register_task_definition(
        **{k: definition[k] for k in keys}, containerDefinitions=containers
    )
    return str(registered["taskDefinition"]["taskDefinitionArn"])


def test_the_image_of_the_latest_active_revision(aws: None, project: Path) -> None:
    deploy(project)
    arn = register_revision(DEV, "web-app", "123456789012.dkr.ecr.us-east-1.amazonaws.com/web-app:latest")
    assert drift(project) == (
        1,
        [
            "task definition web-app in 222222222222 us-east-1 (stack dev): containerDefinitions[app].image is "
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/web-app:latest (planned: "
            "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3)"
        ],
    )
    # Deregistered, that revision runs nowhere new: the latest ACTIVE one is the plan's again.
    client("ecs", DEV).deregister_task_definition(taskDefinition=arn)
    assert drift(project) == (0, [])


def test_every_planned_field_of_the_container(aws: None, project: Path) -> None:
    """A revision with the planned image but another port and no log configuration."""
    deploy(project)
    image = "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3"
    register_revision(DEV, "web-app", image, portMappings=[{"containerPort": 80}], logConfiguration=None)
    label = "task definition web-app in 222222222222 us-east-1 (stack dev)"
    assert drift(project) == (
        1,
        [
            f'{label}: containerDefinitions[app].portMappings is [{{"containerPort":80}}] (planned: '
            '[{"containerPort":8080,"protocol":"tcp"}])',
            f"{label}: containerDefinitions[app].logConfiguration is not set (planned: "
            '{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/web-app","awslogs-region":"us-east-1",'
            '"awslogs-stream-prefix":"app"}})',
        ],
    )


def test_log_group_retention_and_a_missing_task_family(aws: None, project: Path) -> None:
    deploy(project)
    client("logs", DEV).put_retention_policy(logGroupName="/ecs/web-app", retentionInDays=1)
    ecs = client("ecs", STAGING)
    for arn in ecs.list_task_definitions(familyPrefix="web-app")["taskDefinitionArns"]:
        ecs.deregister_task_definition(taskDefinition=arn)
    assert drift(project) == (
        1,
        [
            "log group /ecs/web-app in 222222222222 us-east-1 (stack dev): retentionInDays is 1 (planned: 30)",
            "task definition web-app in 333333333333 us-east-1 (stack staging) does not exist (the plan deploys it)",
        ],
    )


def test_only_the_selected_stacks_and_their_build_stack_are_compared(aws: None, project: Path) -> None:
    deploy(project)
    client("logs", STAGING).put_retention_policy(logGroupName="/ecs/web-app", retentionInDays=1)
    assert drift(project, "--stack", "dev") == (0, [])
    assert drift(project, "--stack", "staging")[0] == 1


def test_the_documented_settings_drift_is_real_output(
    aws: None, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/verify.md, "Drift on everything the plans deploy": a security team turned on Inspector in
    prod's registry and added its own statement to prod's registry policy, someone made worker's tags
    mutable, and a hand-registered revision runs another image in dev."""
    deploy(project)
    turn_on_inspector(PROD)
    ecr = client("ecr", PROD)
    policy = json.loads(ecr.get_registry_policy()["policyText"])
    ecr.put_registry_policy(
        policyText=json.dumps({**policy, "Statement": [*policy["Statement"], OTHER_TOOL]})
    )
    client("ecr", BUILD).put_image_tag_mutability(repositoryName="worker", imageTagMutability="MUTABLE")
    register_revision(DEV, "web-app", "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:debug")
    monkeypatch.chdir(project)
    out, err = io.StringIO(), io.StringIO()
    assert main(["verify", "--live"], session_for=session_for, out=out, err=err) == 1
    shown = "Drift:\n" + out.getvalue().split("\nDrift:\n", 1)[1]
    doc = (ROOT / "docs" / "verify.md").read_text()
    assert f"```text\n{shown}```\n" in doc, shown


def test_ecs_services(aws: None, project: Path) -> None:
    """prod's web-app with the stack file's ecsService example: a scaled, re-networked or deleted
    service is drift, each field named; the planned one is clean."""
    write_project(project, {"prod": prod_with_ecs_service()})
    deploy(project)
    code, found = drift(project)
    assert found == []
    assert code == 0
    ecs = client("ecs", PROD)
    cluster = f"arn:aws:ecs:us-east-1:{PROD}:cluster/prod"
    (service,) = ecs.list_services(cluster=cluster)["serviceArns"]
    name = service.rsplit("/", 1)[1]
    label = f"ECS service {cluster}/{name} in {PROD} us-east-1 (stack prod)"
    ecs.update_service(
        cluster=cluster,
        service=name,
        desiredCount=5,
        deploymentConfiguration={
            "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            "minimumHealthyPercent": 100,
            "maximumPercent": 200,
        },
    )
    assert drift(project) == (
        1,
        [
            f"{label}: desiredCount is 5 (planned: 2)",
            f'{label}: deploymentCircuitBreaker is {{"enable":false,"rollback":false}} (planned: '
            '{"enable":true,"rollback":true})',
        ],
    )
    ecs.delete_service(cluster=cluster, service=name, force=True)
    assert drift(project) == (1, [f"{label} does not exist (the plan deploys it)"])
