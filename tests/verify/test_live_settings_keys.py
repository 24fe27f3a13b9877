"""``verify --live`` reads back the KMS keys the plans create (with the build stack's and prod's
``kmsKeys`` examples switched on): each key's policy, state, rotation, spec, usage and
multi-Region setting, found through the repository or creation template that names it, and the
role and policy ECR assumes for the KMS-encrypting templates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from components.verify.deployments import load_deployments
from components.verify.settings import KEY, planned_settings
from tests.support.deployed import client, deploy
from tests.support.kms_variant import write_kms_project
from tests.support.verify_cli import drift

BUILD, PROD = "111111111111", "444444444444"

SHARED_KEY = "KMS key encrypting repository web-app in 111111111111 us-east-1 (stack build)"
WEST_KEY = "KMS key encrypting creation template ROOT in 111111111111 us-west-2 (stack build)"
PROD_KEY = "KMS key encrypting creation template ROOT in 444444444444 us-east-1 (stack prod)"
OTHER_ACCOUNT = {
    "Sid": "Other",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
    "Action": "kms:Decrypt",
    "Resource": "*",
}


@pytest.fixture
def kms_project(aws: None, project: Path) -> Path:
    write_kms_project(project)
    deploy(project)
    return project


def key_id(account: str, repository: str = "web-app", region: str = "us-east-1") -> str:
    """The key ID of the key a repository (or replica) is encrypted with."""
    (found,) = client("ecr", account, region).describe_repositories(repositoryNames=[repository])[
        "repositories"
    ]
    return str(found["encryptionConfiguration"]["kmsKey"]).rsplit("/", 1)[1]


def test_every_created_key_is_read_back_without_drift(kms_project: Path) -> None:
    (deployment,) = load_deployments(kms_project)
    assert [s.label for s in planned_settings(deployment) if s.kind == KEY] == [
        SHARED_KEY,
        WEST_KEY,
        PROD_KEY,
    ]
    assert drift(kms_project) == (0, [])


def test_a_key_policy_edit(kms_project: Path) -> None:
    kms = client("kms", BUILD)
    key = key_id(BUILD)
    policy = json.loads(kms.get_key_policy(KeyId=key, PolicyName="default")["Policy"])
    kms.put_key_policy(
        KeyId=key,
        PolicyName="default",
        Policy=json.dumps({**policy, "Statement": [*policy["Statement"], OTHER_ACCOUNT]}),
    )
    assert drift(kms_project) == (
        1,
        [
            f'{SHARED_KEY}: Policy statements include {{"Action":"kms:Decrypt","Effect":"Allow","Principal":'
            '{"AWS":"arn:aws:iam::999999999999:root"},"Resource":"*","Sid":"Other"}, which the plan does not'
        ],
    )


def test_a_disabled_key_one_pending_deletion_and_one_not_rotating(kms_project: Path) -> None:
    client("kms", BUILD).disable_key(KeyId=key_id(BUILD))
    client("kms", PROD).schedule_key_deletion(KeyId=key_id(PROD), PendingWindowInDays=7)
    client("kms", BUILD, "us-west-2").disable_key_rotation(KeyId=key_id(BUILD, region="us-west-2"))
    assert drift(kms_project) == (
        1,
        [
            f"{SHARED_KEY}: KeyState is Disabled (planned: Enabled)",
            f"{WEST_KEY}: KeyRotationEnabled is false (planned: true)",
            f"{PROD_KEY}: KeyState is PendingDeletion (planned: Enabled)",
            # KMS reports a key pending deletion as not rotating.
            f"{PROD_KEY}: KeyRotationEnabled is false (planned: true)",
        ],
    )


def test_a_template_given_another_key_and_role(kms_project: Path) -> None:
    """The template's key and role are compared; the key it names now is no key of the plan's, so the
    planned key is not read through it."""
    other = "arn:aws:kms:us-east-1:999999999999:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    role = "arn:aws:iam::444444444444:role/someone-elses"
    client("ecr", PROD).update_repository_creation_template(
        prefix="ROOT",
        appliedFor=["REPLICATION"],
        encryptionConfiguration={"encryptionType": "KMS", "kmsKey": other},
        customRoleArn=role,
    )
    label = "creation template ROOT in 444444444444 us-east-1 (stack prod)"
    assert drift(kms_project) == (
        1,
        [
            f"{label}: encryptionConfiguration.kmsKey is {other} (planned: the key replication-replicas-key this "
            "stack creates in 444444444444 us-east-1)",
            f"{label}: customRoleArn is {role} (planned: arn:aws:iam::444444444444:role/ecr-share-prod-replicas-us-east-1)",
        ],
    )


def test_the_template_roles_policy_and_trust(kms_project: Path) -> None:
    iam = client("iam", PROD)
    name = "ecr-share-prod-replicas-us-east-1"
    everything: dict[str, Any] = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
    }
    iam.put_role_policy(
        RoleName=name, PolicyName="ecr-share-replica-templates", PolicyDocument=json.dumps(everything)
    )
    label = f"role policy ecr-share-replica-templates of {name} in 444444444444 us-east-1 (stack prod)"
    code, found = drift(kms_project)
    assert (code, found[0]) == (
        1,
        f'{label}: policyDocument statements include {{"Action":"*","Effect":"Allow","Resource":"*"}}, which '
        "the plan does not",
    )
    # The planned one: ECR may create the received repositories and replicate into them.
    assert found[1].startswith(f'{label}: policyDocument statements lack {{"Action":["ecr:CreateRepository",')
    assert len(found) == 2
    iam.delete_role_policy(RoleName=name, PolicyName="ecr-share-replica-templates")
    assert drift(kms_project) == (1, [f"{label} does not exist (the plan deploys it)"])
