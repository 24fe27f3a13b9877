"""The action classes come from the pinned botocore's service models: every ECR and KMS operation has
exactly one class, and the IAM action names the project uses elsewhere are the classes' names."""

from __future__ import annotations

import pytest

from components.aws import rules
from components.verify.access.actions import (
    AUTHORIZATION,
    CLASSES,
    COMPLETE_SERVICES,
    PULL_IMAGE_ACTIONS,
    ActionClass,
    all_iam_actions,
    class_actions,
    misclassified,
    operations,
    spec,
    unclassified,
)


@pytest.mark.parametrize("service", COMPLETE_SERVICES)
def test_every_operation_of_the_model_has_a_class(service: str) -> None:
    """Fails when botocore adds an operation: give it a class in actions.CLASSES (or READ/KEY_READ)."""
    assert unclassified(service) == []


@pytest.mark.parametrize("service", COMPLETE_SERVICES)
def test_no_operation_has_two_classes_or_is_missing_from_the_model(service: str) -> None:
    assert misclassified(service) == []


def test_every_class_has_a_source_and_a_check_id() -> None:
    assert len({s.klass for s in CLASSES}) == len(CLASSES) == len(ActionClass)
    for s in CLASSES:
        assert s.source and s.what
        # Named by the IAM service prefix the class's actions have (sts's role assumption is IAM's).
        assert s.klass.check_id.startswith(f"{'IAM' if s.service == 'sts' else s.service.upper()}-")


def test_the_secret_classes_are_the_value_reads_of_secrets_manager_and_parameter_store() -> None:
    """Everything that returns a secret's or a parameter's value, all of it evaluated (each call names
    the secret or parameter, so another account's can be asked for)."""
    secrets = class_actions(ActionClass.SECRET_READ)
    assert secrets.actions == ("secretsmanager:GetSecretValue",)
    assert secrets.own_only == ()
    parameters = class_actions(ActionClass.PARAMETER_READ)
    assert parameters.actions == (
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "ssm:GetParameterHistory",
    )
    assert parameters.own_only == ()


def test_a_pull_is_the_login_the_manifest_and_the_layers() -> None:
    """aws-facts 2.5: AmazonEC2ContainerRegistryPullOnly; BatchCheckLayerAvailability is push-side."""
    pull = class_actions(ActionClass.PULL)
    assert pull.own_only == (AUTHORIZATION,)
    assert pull.actions == PULL_IMAGE_ACTIONS == rules.LAMBDA_PULL_ACTIONS
    assert "ecr:BatchCheckLayerAvailability" in class_actions(ActionClass.PUSH).actions


def test_the_documented_action_sets_are_the_classes_iam_actions() -> None:
    """The IAM action of an operation is ecr:<Operation>: every action set of rules.py (each from an
    AWS page or managed policy) names actions of the classes, so the two agree."""
    every = {a for klass in ActionClass for a in all_iam_actions(klass)}
    documented = {
        *rules.PULL_ACTIONS,
        rules.AUTH_ACTION,
        *rules.REPLICATION_ACTIONS,
        *rules.REGISTRY_POLICY_ACTIONS,
        *rules.TEMPLATE_ROLE_ECR_ACTIONS,
        *rules.ECR_KMS_ACTIONS,
    }
    assert documented <= every
    assert {"ecr:ReplicateImage", "ecr:CreateRepository", "ecr:BatchImportUpstreamImage"} == set(
        class_actions(ActionClass.REPLICATE_IN).actions
    )


def test_reencrypt_is_two_iam_actions() -> None:
    """KMS developer guide: the ReEncrypt operation needs kms:ReEncryptFrom and kms:ReEncryptTo."""
    actions = class_actions(ActionClass.KEY_USE).actions
    assert {"kms:ReEncryptFrom", "kms:ReEncryptTo"} <= set(actions)
    assert "kms:ReEncrypt" not in actions


def test_operations_of_the_callers_own_registry_are_not_evaluated() -> None:
    """PutRegistryPolicy and the like name no registry: only the registry's own account reaches them."""
    admin = class_actions(ActionClass.ADMIN)
    assert "ecr:PutRegistryPolicy" in admin.own_only
    assert "ecr:SetRepositoryPolicy" in admin.actions
    assert set(admin.actions).isdisjoint(admin.own_only)


def test_read_only_classes_are_listed_but_not_evaluated() -> None:
    assert not spec(ActionClass.READ).evaluated and not spec(ActionClass.KEY_READ).evaluated
    assert "DescribeImages" in spec(ActionClass.READ).operations
    assert "AssumeRole" in operations("sts")


def test_docs_list_every_check_with_its_operations() -> None:
    """docs/verify.md's table of checks: every class, and the operation counts it gives."""
    import re
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[3] / "docs" / "verify.md").read_text()
    table = doc.split("| check | actions | source |", 1)[1].split("\n\n", 1)[0]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `([A-Z-]+)` \| (.*)$", table, re.MULTILINE)}
    assert set(rows) == {s.klass.check_id for s in CLASSES}
    for s in CLASSES:
        counted = re.search(r"\((\d+) operations\)", rows[s.klass.check_id])
        if counted:
            assert int(counted.group(1)) == len(s.operations), s.klass
        else:
            for operation in s.operations:
                assert operation in rows[s.klass.check_id] or operation.startswith(
                    ("ReEncrypt", "GenerateDataKey")
                ), operation
