"""docs/kms.md shows the policies the plans really hold."""

from __future__ import annotations

import json

from components.plan.project import plan_stacks
from tests.support.kms_variant import with_kms_keys
from tests.support.pulumi_harness import PROJECT_DIR

DOC = (PROJECT_DIR / "docs" / "kms.md").read_text(encoding="utf-8")


def json_blocks() -> list[object]:
    return [json.loads(block.split("\n```", 1)[0]) for block in DOC.split("```json\n")[1:]]


def test_the_documented_policies_are_the_planned_ones() -> None:
    build = plan_stacks(with_kms_keys()).plans["build"]
    key = json.loads(build.named("aws:kms/key:Key", "replicas-us-west-2-key").inputs["policy"])
    role = json.loads(
        build.named("aws:iam/role:Role", "replicas-us-west-2-role").inputs["assume_role_policy"]
    )
    policy = json.loads(
        build.named("aws:iam/rolePolicy:RolePolicy", "replicas-us-west-2-role-policy").inputs["policy"]
    )
    assert json_blocks() == [key, role, policy]
