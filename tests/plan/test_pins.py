"""No lifecycle rule may expire an image a committed environment stack runs: what the plans prove is
refused before any stack is touched, what they cannot prove is reported (components/plan/pins.py)."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi_harness import PROJECT_DIR
from test_project import committed

from components.plan.pins import lifecycle_findings, unproven_notes
from components.plan.project import ProjectError, plan_stacks


def with_lifecycle(lifecycle: dict[str, Any], **repository: Any) -> dict[str, dict[str, Any]]:
    stacks = copy.deepcopy(committed())
    stacks["build"]["ecr-share:lifecycle"] = lifecycle
    if repository:
        stacks["build"]["ecr-share:repositories"][0] = {"name": "web-app", **repository}
    return stacks


def test_a_count_rule_selecting_a_pinned_tag_is_refused_naming_both_stacks() -> None:
    # dev, staging and prod run web-app:v1.2.3; "v" selects it: once 20 newer v* images exist, it goes.
    stacks = with_lifecycle({"expireUntaggedAfterDays": 14, "keepTagged": [{"prefix": "v", "count": 20}]})
    with pytest.raises(ProjectError) as caught:
        plan_stacks(stacks, lambda name: f"Pulumi.{name}.yaml")
    # The README's example, exactly.
    assert f"\nerror: {caught.value}\n" in (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    assert str(caught.value) == (
        "Pulumi.build.yaml: rule 2 (keep only the newest 20 images tagged v*) of the lifecycle policy of "
        "web-app (stack build) can expire web-app:v1.2.3, which stack dev runs (service web-app): once 20 "
        "newer images match the rule, ECR deletes it and the service can no longer start. Change the "
        "lifecycle (ecr-share:lifecycle or repositories[i].lifecycle of the build stack) so that no rule "
        "selects a tag an environment runs, or run another tag"
    )


def test_the_replicas_lifecycle_is_checked_against_the_stack_that_runs_them() -> None:
    """prod runs its own replicas: their rules come from prod's creation template (which carries the
    build stack's lifecycle), and the fix is in the build stack's file."""
    stacks = with_lifecycle({"keepTagged": [{"prefix": "v", "count": 5}]})
    del stacks["dev"], stacks["staging"]
    with pytest.raises(ProjectError) as caught:
        plan_stacks(stacks, lambda name: f"Pulumi.{name}.yaml")
    assert str(caught.value).startswith(
        "Pulumi.build.yaml: rule 1 (keep only the newest 5 images tagged v*) of the creation template ROOT "
        "of its replica in 444444444444 us-east-1 (stack prod) can expire web-app:v1.2.3, which stack prod "
        "runs (service web-app): once 5 newer images match the rule"
    )


def test_an_untagged_rule_never_selects_a_tag_pin_and_cannot_be_proven_for_a_digest_pin() -> None:
    plans = plan_stacks(with_lifecycle({"expireUntaggedAfterDays": 1})).plans
    findings = lifecycle_findings(plans)
    # web-app runs by tag everywhere: never selected. prod's worker runs by digest: unknown.
    assert [(f.pin.stack, f.pin.service, f.proven) for f in findings] == [("prod", "worker", False)]
    assert unproven_notes(plans) == [
        "lifecycle: prod runs worker@sha256:0b4e1a5c3f2d6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a; "
        "rule 1 (expire untagged images 1 days after their push) of the creation template ROOT of its replica "
        "in 444444444444 us-east-1 (stack prod) expires it if the image has no tag: not provable offline "
        "(an image's tags are in no stack file)"
    ]
    assert unproven_notes(plans, {"dev"}) == []


def test_a_count_rule_on_another_prefix_depends_on_the_images_other_tags() -> None:
    plans = plan_stacks(committed()).plans
    notes = unproven_notes(plans, {"dev"})
    assert notes == [
        "lifecycle: dev runs web-app:v1.2.3; rule 2 (keep only the newest 20 images tagged dev-*) of the "
        "lifecycle policy of web-app (stack build) expires it if the image also has a tag dev-*: not "
        "provable offline (an image's tags are in no stack file)"
    ]


def test_a_tag_pin_matching_every_prefix_of_a_rule_is_selected() -> None:
    stacks = with_lifecycle({"keepTagged": [{"prefix": "v1.2", "count": 3}]})
    with pytest.raises(ProjectError, match=r"can expire web-app:v1\.2\.3"):
        plan_stacks(stacks)


def test_without_lifecycle_there_is_nothing_to_check() -> None:
    stacks = copy.deepcopy(committed())
    del stacks["build"]["ecr-share:lifecycle"]
    assert lifecycle_findings(plan_stacks(stacks).plans) == []
