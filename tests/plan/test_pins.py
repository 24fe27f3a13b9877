"""No lifecycle rule may expire an image an environment stack runs (components/plan/pins.py): an
environment whose own plan gives its replicas their lifecycle refuses such a rule at preview; the
plans of every stack (``verify``, the pipeline) refuse it wherever the rules come from; what the plans
cannot prove is reported."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from pulumi.errors import RunError

from components.config.model import EnvironmentStack
from components.config.stack import parse_stack_config
from components.contract.outputs import read_build_outputs
from components.errors import ConfigError
from components.plan.build import plan_build_stack
from components.plan.environment import plan_environment_stack
from components.plan.model import StackPlan
from components.plan.pins import AppliedPolicy, lifecycle_findings, unproven_notes
from components.plan.project import ProjectError, plan_stacks
from tests.support.committed import committed
from tests.support.pulumi_harness import BUILD_STACK, PROJECT_DIR, ProgramRun, run_program

LIFECYCLE_DOC = (PROJECT_DIR / "docs" / "lifecycle.md").read_text(encoding="utf-8")
# prod, with the build stack's lifecycle keepTagged [{prefix: v, count: 1}], at preview.
PROD_REFUSED = (
    'ecr-share:services[0].imageTag: "v1.2.3" runs from this stack\'s replicas, and the lifecycle policy '
    "ecr-share:receiveReplication gives them (the build stack's, from its output replication) would delete "
    "it: rule 1 (keep only the newest 1 images tagged v*) of the creation template ROOT of its replica in "
    "444444444444 us-east-1 (stack prod) can expire web-app:v1.2.3, which stack prod runs (service "
    "web-app): once 1 newer images match the rule, ECR deletes it and the service can no longer start. "
    "Change the lifecycle (ecr-share:lifecycle or repositories[i].lifecycle of the build stack) so that no "
    "rule selects a tag an environment runs, or run another tag"
)
KEEP_ONE_V = {"keepTagged": [{"prefix": "v", "count": 1}]}


def with_lifecycle(default: dict[str, Any] | None, /, **repository: Any) -> dict[str, dict[str, Any]]:
    """The committed stacks with the build stack's default lifecycle (none: left out) and, given
    ``repository`` settings, those of both repositories (prod receives both: they must agree)."""
    stacks = copy.deepcopy(committed())
    build = stacks["build"]
    if default is None:
        del build["ecr-share:lifecycle"]
    else:
        build["ecr-share:lifecycle"] = default
    if repository:
        names = [r if isinstance(r, str) else r["name"] for r in build["ecr-share:repositories"]]
        build["ecr-share:repositories"] = [{"name": name, **repository} for name in names]
    return stacks


def plan_alone(stacks: dict[str, dict[str, Any]], stack: str) -> StackPlan:
    """One environment planned as ``pulumi up`` plans it: from its config and its build stack's
    outputs, without any other stack."""
    config = parse_stack_config(stack, stacks[stack])
    assert isinstance(config, EnvironmentStack)
    build = plan_build_stack(parse_stack_config("build", stacks["build"]))  # type: ignore[arg-type]
    return plan_environment_stack(config, read_build_outputs(config.build_stack, build.exports))


def build_exports(stacks: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return dict(plan_build_stack(parse_stack_config("build", stacks["build"])).exports)  # type: ignore[arg-type]


def test_prod_refuses_at_preview_a_replica_lifecycle_that_expires_what_it_runs() -> None:
    """The defect: ``pulumi up -s prod`` deployed it. prod's plan holds both halves (the image it runs
    from its replicas, the lifecycle its creation template gives them), so it refuses, and registers
    nothing."""
    stacks = with_lifecycle(KEEP_ONE_V)
    with pytest.raises(ConfigError) as caught:
        plan_alone(stacks, "prod")
    assert str(caught.value) == PROD_REFUSED
    run = ProgramRun()
    with pytest.raises(RunError) as refused:
        run_program("prod", stacks["prod"], {BUILD_STACK: build_exports(stacks)}, run=run)
    assert str(refused.value) == PROD_REFUSED
    assert run.resources == []
    assert f"\nerror: {PROD_REFUSED}\n" in LIFECYCLE_DOC
    # verify and the pipeline plan prod the same way: the same message, with its file.
    with pytest.raises(ProjectError) as project:
        plan_stacks(stacks, lambda name: f"Pulumi.{name}.yaml")
    assert str(project.value) == f"Pulumi.prod.yaml: {PROD_REFUSED}"


def test_a_repositorys_own_lifecycle_reaches_the_replicas_like_the_default() -> None:
    stacks = with_lifecycle(None, lifecycle=KEEP_ONE_V)
    with pytest.raises(ConfigError) as caught:
        plan_alone(stacks, "prod")
    assert str(caught.value) == PROD_REFUSED


def test_repositories_without_lifecycle_give_the_replicas_none() -> None:
    stacks = with_lifecycle(KEEP_ONE_V, lifecycle=False)
    assert lifecycle_findings(plan_stacks(stacks).plans) == []


def test_untagged_expiry_never_refuses_a_tag_and_leaves_a_digest_unproven() -> None:
    plan = plan_alone(with_lifecycle({"expireUntaggedAfterDays": 1}), "prod")
    # web-app runs by tag: never selected. worker runs by digest: its tags are in no stack file.
    assert [(f.pin.service, f.proven) for f in lifecycle_findings({"prod": plan})] == [("worker", False)]


def test_a_digest_pin_is_not_refused_by_a_tag_rule() -> None:
    """The pipeline pins every service to a digest before it deploys: which tags that image has is in
    no stack file, so a tag rule may or may not select it (one of verify's notes), never a refusal."""
    stacks = with_lifecycle(KEEP_ONE_V)
    stacks["prod"]["ecr-share:services"][0] = {
        **{k: v for k, v in stacks["prod"]["ecr-share:services"][0].items() if k != "imageTag"},
        "imageDigest": "sha256:" + "1" * 64,
    }
    plan = plan_alone(stacks, "prod")
    assert [(f.pin.shown, f.proven) for f in lifecycle_findings({"prod": plan})] == [
        (f"web-app@sha256:{'1' * 64}", False),
        ("worker@sha256:0b4e1a5c3f2d6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a", False),
    ]


def test_a_stack_that_receives_but_pulls_from_the_build_registry_is_checked_by_every_stacks_plans() -> None:
    """prod's replicas would lose v1.2.3, but prod does not run them: its plan alone has nothing to
    refuse. The build repository's own lifecycle is the build stack's, which the plans of every stack
    refuse."""
    stacks = with_lifecycle(KEEP_ONE_V)
    stacks["prod"]["ecr-share:pullFrom"] = "build"
    del stacks["dev"], stacks["staging"]
    plan = plan_alone(stacks, "prod")
    assert lifecycle_findings({"prod": plan}) == []
    with pytest.raises(ProjectError) as caught:
        plan_stacks(stacks, lambda name: f"Pulumi.{name}.yaml")
    assert str(caught.value).startswith(
        "Pulumi.build.yaml: rule 1 (keep only the newest 1 images tagged v*) of the lifecycle policy of "
        "web-app (stack build) can expire web-app:v1.2.3, which stack prod runs (service web-app)"
    )


def test_the_build_accounts_own_replicas_are_checked_by_every_stacks_plans() -> None:
    """A stack in us-west-2 running the build account's replicas there: their template is the build
    stack's, whose plan holds no image; the environment's plan sets no lifecycle. Neither refuses
    alone; the plans of every stack do."""
    stacks = with_lifecycle(KEEP_ONE_V)
    stacks = {"build": stacks["build"], "staging": stacks["staging"]}
    stacks["staging"].update({"aws:region": "us-west-2", "ecr-share:pullFrom": "replica"})
    stacks["staging"]["ecr-share:services"] = stacks["staging"]["ecr-share:services"][:1]  # web-app only
    plan = plan_alone(stacks, "staging")
    assert plan.exports["images"] == {
        "web-app": "111111111111.dkr.ecr.us-west-2.amazonaws.com/web-app:v1.2.3"
    }
    assert lifecycle_findings({"staging": plan}) == []
    with pytest.raises(ProjectError) as caught:
        plan_stacks(stacks, lambda name: f"Pulumi.{name}.yaml")
    assert str(caught.value).startswith(
        "Pulumi.build.yaml: rule 1 (keep only the newest 1 images tagged v*) of the creation template ROOT "
        "of its replica in 111111111111 us-west-2 (stack build) can expire web-app:v1.2.3, which stack "
        "staging runs (service web-app)"
    )


def test_a_count_rule_on_the_build_repository_is_refused_naming_both_stacks() -> None:
    # dev and staging run web-app:v1.2.3 from the build registry; "v" selects it: once 20 newer v* images
    # exist, it goes. (prod, which runs it from its replicas, refuses at its own preview: left out.)
    stacks = with_lifecycle({"expireUntaggedAfterDays": 14, "keepTagged": [{"prefix": "v", "count": 20}]})
    del stacks["prod"]
    with pytest.raises(ProjectError) as caught:
        plan_stacks(stacks, lambda name: f"Pulumi.{name}.yaml")
    # docs/lifecycle.md's example, exactly.
    assert f"\nerror: {caught.value}\n" in LIFECYCLE_DOC
    assert str(caught.value) == (
        "Pulumi.build.yaml: rule 2 (keep only the newest 20 images tagged v*) of the lifecycle policy of "
        "web-app (stack build) can expire web-app:v1.2.3, which stack dev runs (service web-app): once 20 "
        "newer images match the rule, ECR deletes it and the service can no longer start. Change the "
        "lifecycle (ecr-share:lifecycle or repositories[i].lifecycle of the build stack) so that no rule "
        "selects a tag an environment runs, or run another tag"
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
    assert lifecycle_findings(plan_stacks(with_lifecycle(None)).plans) == []


@pytest.mark.parametrize(
    ("selection", "action", "tag", "digest"),
    [
        # Rules only component args or a hand-written policy hold: "any", tag patterns, other ages.
        ({"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1}, "expire", True, True),
        (
            {
                "tagStatus": "tagged",
                "tagPatternList": ["v*.3"],
                "countType": "sinceImagePulled",
                "countNumber": 9,
            },
            "expire",
            True,
            None,
        ),
        (
            {
                "tagStatus": "tagged",
                "tagPatternList": ["v*", "*-rc"],
                "countType": "imageCountMoreThan",
                "countNumber": 1,
            },
            "expire",
            None,
            None,
        ),
        (
            {"tagStatus": "untagged", "countType": "imageCountMoreThan", "countNumber": 1},
            "transition",
            False,
            None,
        ),
    ],
)
def test_what_a_rule_selects(
    selection: dict[str, Any], action: str, tag: bool | None, digest: bool | None
) -> None:
    """True: refused; None: not provable (a note); False: never selects it. dev runs web-app:v1.2.3,
    prod runs worker by digest."""
    rule = {"rulePriority": 1, "selection": selection, "action": {"type": action}}
    plans = plan_stacks(committed()).plans
    by_source = lifecycle_findings(plans, lambda _: AppliedPolicy("build", (rule,), "the policy"))
    verdicts = {(f.pin.stack, f.pin.service): f.proven for f in by_source}
    assert (verdicts.get(("dev", "web-app")), verdicts.get(("prod", "worker"))) == (
        _finding(tag),
        _finding(digest),
    )


def _finding(verdict: bool | None) -> bool | None:
    """A verdict as a finding's ``proven``: none for False (no finding), False for None (a note)."""
    return None if verdict is False else verdict is True


def test_the_message_says_when_and_what_the_rule_does() -> None:
    rule = {
        "rulePriority": 3,
        "selection": {
            "tagStatus": "any",
            "countType": "sinceImagePulled",
            "countUnit": "days",
            "countNumber": 30,
        },
        "action": {"type": "transition", "targetStorageClass": "archive"},
    }
    policy = AppliedPolicy("build", (rule,), "the deployed lifecycle policy of web-app")
    (finding,) = lifecycle_findings(plan_stacks(committed()).plans, lambda _: policy, stacks={"dev"})
    assert finding.reason == (
        'rule 3 ({"countNumber": 30, "countType": "sinceImagePulled", "countUnit": "days", "tagStatus": "any"}) '
        "of the deployed lifecycle policy of web-app can expire web-app:v1.2.3, which stack dev runs (service "
        "web-app): 30 days after its last pull, ECR archives it (an archived image cannot be pulled) and the "
        "service can no longer start"
    )
