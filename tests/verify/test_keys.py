"""``verify`` says what it evaluated of the keys that encrypt the shared images, and what it could not
(components/verify/keys.py, docs/kms.md)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.kms_variant import with_kms_keys, write_kms_project
from tests.support.scale_project import write_project
from tests.support.verify_cli import run


@pytest.fixture
def kms_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    write_kms_project(project)
    monkeypatch.chdir(project)
    return project


def kms_notes(out: str) -> list[str]:
    return [line.strip() for line in out.splitlines() if line.strip().startswith("KMS:")]


def test_each_created_keys_policy_is_evaluated_for_every_other_account(kms_project: Path) -> None:
    code, out, err = run()
    assert code == 0, err
    assert kms_notes(out) == [
        "KMS: web-app (build registry 111111111111 us-east-1) are encrypted with the key shared-key of stack "
        "build: its key policy lets only account 111111111111 use it, through ECR; evaluated kms:Decrypt "
        "and kms:CreateGrant, directly and through ECR, for account 222222222222 (dev), account "
        "333333333333 (staging), account 444444444444 (prod), any other account: denied. Pulls need no KMS "
        "permission (ECR decrypts through the grants it creates on the key); not evaluated: those grants, "
        "and which roles of its own account may use the key",
        "KMS: web-app (replicas 111111111111 us-west-2) are encrypted with the key replicas-us-west-2-key "
        "of stack build: its key policy lets only account 111111111111 use it, through ECR; evaluated "
        "kms:Decrypt and kms:CreateGrant, directly and through ECR, for account 222222222222 (dev), account "
        "333333333333 (staging), account 444444444444 (prod), any other account: denied. Pulls need no KMS "
        "permission (ECR decrypts through the grants it creates on the key); not evaluated: those grants, "
        "and which roles of its own account may use the key",
        "KMS: web-app, worker (replicas 444444444444 us-east-1) are encrypted with the key "
        "replication-replicas-key of stack prod: its key policy lets only account 444444444444 use it, "
        "through ECR; evaluated kms:Decrypt and kms:CreateGrant, directly and through ECR, for account "
        "222222222222 (dev), account 333333333333 (staging), any other account: denied. Pulls need no KMS "
        "permission (ECR decrypts through the grants it creates on the key); not evaluated: those grants, "
        "and which roles of its own account may use the key",
    ]
    # The pulls themselves are unchanged: all allowed, and nothing else.
    assert (
        "Result: all 16 intended pulls are allowed; no access of any class goes beyond what the config declares"
        in out
    )


def test_a_key_policy_that_lets_another_account_use_the_key_is_reported(
    kms_project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import components.encryption.documents as documents

    original = documents.key_policy

    def leaky(account_id: str, region: str, template_role_arn: str | None = None) -> dict[str, object]:
        policy = original(account_id, region, template_role_arn)
        policy["Statement"].append(
            {
                "Sid": "Leak",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::222222222222:root"},
                "Action": ["kms:Decrypt"],
                "Resource": "*",
            }
        )
        return policy

    monkeypatch.setattr("components.encryption.resources.key_policy", leaky)
    _, out, _ = run()
    assert (
        "ALLOWED for account 222222222222 (dev) kms:Decrypt (allow) (no pull needs it)" in kms_notes(out)[0]
    )


def test_keys_no_plan_holds_are_named_as_not_evaluated(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """web-app with an alias the user manages, worker with the stack's key (kmsKeys switched on)."""
    stacks = with_kms_keys()
    repositories = stacks["build"]["ecr-share:repositories"]
    assert repositories[0] == "web-app" and repositories[1].pop("encryption") == "AES256", repositories
    repositories[0] = {"name": "web-app", "encryption": "KMS", "kmsKey": "alias/ecr-images"}
    write_project(project, {stack: stacks[stack] for stack in ("build", "prod")})
    monkeypatch.chdir(project)
    code, out, err = run("--format", "json")
    assert code == 0, err
    notes = [n for n in json.loads(out)["builds"][0]["notes"] if n.startswith("KMS:")]
    assert notes[:2] == [
        "KMS: web-app (build registry 111111111111 us-east-1) are encrypted with the key alias/ecr-images, "
        "whose key policy is in no plan: not evaluated",
        "KMS: worker (build registry 111111111111 us-east-1) are encrypted with the key shared-key of stack "
        "build: its key policy lets only account 111111111111 use it, through ECR; evaluated kms:Decrypt and "
        "kms:CreateGrant, directly and through ECR, for account 222222222222 (dev), account 333333333333 "
        "(staging), account 444444444444 (prod), any other account: denied. Pulls need no KMS permission "
        "(ECR decrypts through the grants it creates on the key); not evaluated: those grants, and which "
        "roles of its own account may use the key",
    ]
