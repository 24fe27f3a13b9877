"""Properties of the access analysis, kept cheap (a few examples each, on small deployments):

- every pull the tables show as allowed is one the config declares, and a config without over-grants
  yields no finding;
- an extra grant injected into any planned document (a repository policy, a replica template, a
  registry policy, a key policy, a role's trust or identity policy) is found as UNINTENDED, quoting
  the injected statement.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.consumers.resources import ROLE, ROLE_POLICY
from components.encryption.resources import KMS_KEY
from components.plan.project import plan_stacks
from components.replication.resources import CREATION_TEMPLATE, REGISTRY_POLICY
from components.repositories.resources import REPOSITORY_POLICY
from components.verify.access.actions import ActionClass, class_actions
from components.verify.access.findings import FindingStatus
from components.verify.access.intent import PULL_COMPANIONS
from components.verify.deployments import Deployment
from components.verify.intended import intended_state
from components.verify.matrix import Status, build_matrix
from tests.support.access_variants import with_input
from tests.support.committed import committed as committed_stacks
from tests.support.kms_variant import with_kms_keys

SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
BUILD, DEV, STAGING, PROD = "111111111111", "222222222222", "333333333333", "444444444444"
OUTSIDERS = ("arn:aws:iam::999999999999:root", "999999999999", "*")


def deployment_of(stacks: dict[str, dict[str, Any]]) -> Deployment:
    project = plan_stacks(stacks)
    (build,) = project.builds()
    environments = tuple(project.environments_of(build.stack))
    return Deployment(build, environments, project.plans, environments)


@functools.cache
def kms_deployment() -> Deployment:
    """The committed stacks with keys: every kind of document the plans can register."""
    return deployment_of(with_kms_keys())


def actions(*classes: ActionClass) -> list[str]:
    return sorted({a for c in classes for a in class_actions(c).actions} - PULL_COMPANIONS)


ECR_ACTIONS = actions(
    ActionClass.PULL, ActionClass.PUSH, ActionClass.REPLICATE_IN, ActionClass.DELETE, ActionClass.ADMIN
)
KMS_ACTIONS = actions(ActionClass.KEY_USE, ActionClass.KEY_ADMIN)
WRITE_ACTIONS = actions(ActionClass.PUSH, ActionClass.DELETE, ActionClass.ADMIN)


def targets() -> list[tuple[str, str, str, str]]:
    """(stack, resource key, input, kind) of every policy document the KMS deployment plans."""
    plans = kms_deployment().plans
    found = []
    for stack, plan in sorted(plans.items()):
        for resource in plan.resources:
            if resource.type in (REPOSITORY_POLICY, REGISTRY_POLICY):
                kind = "registry" if resource.type == REGISTRY_POLICY else "repository"
                found.append((stack, resource.key, "policy", kind))
            elif resource.type == CREATION_TEMPLATE:
                found.append((stack, resource.key, "repository_policy", "repository"))
            elif resource.type == KMS_KEY:
                found.append((stack, resource.key, "policy", "key"))
            elif resource.type == ROLE:
                found.append((stack, resource.key, "assume_role_policy", "trust"))
            elif resource.type == ROLE_POLICY and (stack == PROD_STACK or "replicas" in resource.name):
                # Identity policies whose extra grant reaches a resource of their own account.
                found.append((stack, resource.key, "policy", "identity"))
    return found


PROD_STACK = "prod"


@st.composite
def injections(draw: st.DrawFn) -> tuple[tuple[str, str, str, str], dict[str, Any]]:
    target = draw(st.sampled_from(targets()))
    kind = target[3]
    statement: dict[str, Any] = {"Sid": "Injected", "Effect": "Allow"}
    if kind == "identity":
        statement.update(Action=[draw(st.sampled_from(WRITE_ACTIONS))], Resource="*")
        return target, statement
    statement["Principal"] = {"AWS": draw(st.sampled_from(OUTSIDERS))}
    if kind == "key":
        statement.update(Action=[draw(st.sampled_from(KMS_ACTIONS))], Resource="*")
    elif kind == "trust":
        statement["Action"] = ["sts:AssumeRole"]
    else:
        statement["Action"] = [draw(st.sampled_from(ECR_ACTIONS))]
        if kind == "registry":
            statement["Resource"] = "arn:aws:ecr:us-east-1:444444444444:repository/*"
    return target, statement


def planned_document(deployment: Deployment, stack: str, key: str, name: str) -> dict[str, Any]:
    import json

    text = deployment.plans[stack].resource(key).inputs.get(name)
    return {"Version": "2012-10-17", "Statement": []} if text is None else json.loads(text)


FIRST_OF_EACH = {
    "identity": {"Action": ["ecr:PutImage"], "Resource": "*"},
    "key": {"Principal": {"AWS": "*"}, "Action": ["kms:Decrypt"], "Resource": "*"},
    "trust": {"Principal": {"AWS": "999999999999"}, "Action": ["sts:AssumeRole"]},
    "repository": {"Principal": {"AWS": "*"}, "Action": ["ecr:PutImage"]},
    "registry": {
        "Principal": {"AWS": "*"},
        "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        "Resource": "arn:aws:ecr:us-east-1:444444444444:repository/*",
    },
}


def test_every_kind_of_planned_document_is_analyzed() -> None:
    """Each planned document once, with one over-grant of its kind: none goes unread."""
    kinds = {t[3] for t in targets()}
    assert kinds == set(FIRST_OF_EACH)
    for target in targets():
        assert_found(target, {"Sid": "Injected", "Effect": "Allow", **FIRST_OF_EACH[target[3]]})


@SETTINGS
@given(injections())
def test_an_extra_grant_in_any_planned_document_is_found(
    injection: tuple[tuple[str, str, str, str], dict[str, Any]],
) -> None:
    assert_found(*injection)


def assert_found(target: tuple[str, str, str, str], statement: dict[str, Any]) -> None:
    stack, key, name, _ = target
    deployment = kms_deployment()
    document = copy.deepcopy(planned_document(deployment, stack, key, name))
    document["Statement"].append(statement)
    injected = with_input(deployment, stack, key, name, document)
    analysis = build_matrix(injected, intended_state(injected)).analysis
    assert analysis is not None
    quoting = [
        f
        for f in analysis.findings
        if f.status is FindingStatus.UNINTENDED and any(g.sid == "Injected" for g in f.grants)
    ]
    assert quoting, f"{statement} in {key} {name} was not found"


@st.composite
def grants(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    """The committed stacks with more accounts and roles granted on the build registry, and other
    accounts granted on prod's replicas: configs without over-grants."""
    stacks = copy.deepcopy(committed_stacks())
    access = stacks["build"]["ecr-share:access"]
    access["accounts"] += draw(st.lists(st.sampled_from(["555555555555", "666666666666"]), unique=True))
    roles = draw(
        st.lists(
            st.sampled_from(["arn:aws:iam::777777777777:role/ci", "arn:aws:iam::888888888888:role/x"]),
            unique=True,
        )
    )
    if roles:
        access["roles"] = roles
    prod = draw(st.lists(st.sampled_from([DEV, "555555555555"]), unique=True))
    if prod:
        stacks["prod"]["ecr-share:receiveReplication"]["access"] = {"accounts": prod}
    return stacks


def declared_pull(stacks: dict[str, dict[str, Any]], row: Any, registry: str, repository: str) -> bool:
    """An oracle of intent written from the config alone, independently of ``access.intent``."""
    build_access = stacks["build"]["ecr-share:access"]
    prod_access = stacks["prod"]["ecr-share:receiveReplication"].get("access", {}).get("accounts", [])
    if row.kind.value == "execution role":
        services = {s["repository"] for s in stacks[row.stack]["ecr-share:services"]}
        from_replicas = stacks[row.stack].get("ecr-share:pullFrom") == "replica"
        return repository in services and registry == (
            f"{PROD}/us-east-1" if from_replicas else f"{BUILD}/us-east-1"
        )
    owner = registry.split("/")[0]
    if row.kind.value == "account":
        granted = prod_access if owner == PROD else build_access["accounts"]
        return row.account_id == owner or row.account_id in granted
    if row.kind.value == "granted role":
        return owner == BUILD and row.role_arn in build_access.get("roles", [])
    return False


@SETTINGS
@given(grants())
def test_every_allowed_pull_is_declared_and_a_clean_config_has_no_finding(
    stacks: dict[str, dict[str, Any]],
) -> None:
    deployment = deployment_of(stacks)
    matrix = build_matrix(deployment, intended_state(deployment))
    for cell in matrix.with_status(Status.ALLOWED):
        assert declared_pull(stacks, matrix.row(cell.row), cell.registry, cell.repository), cell
    assert not matrix.with_status(Status.UNINTENDED, Status.DENIED, Status.UNKNOWN)
    assert matrix.analysis is not None and matrix.analysis.findings == ()
