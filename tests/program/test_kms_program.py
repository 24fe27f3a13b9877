"""Whole-program runs with customer managed keys: a build stack that creates its keys, and a receiver
that must bring its own for KMS-encrypted replicas, or register nothing."""

from __future__ import annotations

import pytest
from pulumi.errors import RunError

from tests.support.kms_variant import with_kms_keys
from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_program, urn_key

KEY = "aws:kms/key:Key"


@pytest.fixture(scope="module")
def kms_build() -> ProgramRun:
    return run_program("build", with_kms_keys()["build"])


def test_the_build_stack_protects_its_keys_and_turns_rotation_on(kms_build: ProgramRun) -> None:
    keys = kms_build.of_type(KEY)
    assert sorted(k.name for k in keys) == ["replicas-us-west-2-key", "shared-key"]
    for key in keys:
        assert key.protect
        assert key.inputs["enableKeyRotation"] is True
        assert key.inputs["deletionWindowInDays"] == 30
    # The replica Region's key waits for the role its policy names.
    replica_key = kms_build.one(KEY, "replicas-us-west-2-key")
    assert "aws:iam/role:Role::replicas-us-west-2-role" in {urn_key(d) for d in replica_key.dependencies}


def test_a_receiver_without_a_key_for_kms_replicas_registers_nothing(kms_build: ProgramRun) -> None:
    prod = with_kms_keys()["prod"]
    del prod["ecr-share:receiveReplication"]["kmsKeys"]
    run = ProgramRun()
    with pytest.raises(
        RunError,
        match=r"ecr-share:receiveReplication.kmsKeys: null is not set, but the build stack "
        r"build replicates KMS-encrypted repositories here",
    ):
        run_program("prod", prod, {BUILD_STACK: kms_build.exports}, run=run)
    assert [r for r in run.resources if r.typ != "pulumi:pulumi:StackReference"] == []


def test_a_receiver_may_encrypt_replicas_of_aes256_sources_with_its_own_key(build: ProgramRun) -> None:
    prod = with_kms_keys()["prod"]
    run = run_program("prod", prod, {BUILD_STACK: build.exports})
    template = run.one("aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate")
    key = run.one(KEY)
    assert template.inputs["encryptionConfigurations"] == [
        {"encryptionType": "KMS", "kmsKey": key.outputs["arn"]}
    ]
