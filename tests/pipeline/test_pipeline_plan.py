"""The pure part of the pipeline: stack discovery, order, image config, checks and formatting."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from pipeline_fake import ACCOUNTS, DIGEST, stack_files, write_project

from components.pipeline import plan as planning
from components.pipeline.plan import ConfigChange, Image, Stage
from components.pipeline.report import Outcome, engine_error, format_changes, format_seconds, summary_table
from components.pipeline.runner import backoff_delays
from components.pipeline.stacks import PipelineError, StackInfo, discover


@pytest.fixture
def stacks(tmp_path: Path) -> dict[str, StackInfo]:
    return discover(write_project(tmp_path))


def plan_for(stacks: dict[str, StackInfo], command: str, **options: object) -> planning.Plan:
    return planning.make_plan(command, stacks, list(stacks), **options)  # type: ignore[arg-type]


# --- discovery ---------------------------------------------------------------------------------


def test_discover_reads_each_stack_file(stacks: dict[str, StackInfo]) -> None:
    assert {name: s.kind for name, s in stacks.items()} == {
        "build": "build",
        "dev": "environment",
        "prod": "environment",
        "staging": "environment",
    }
    assert stacks["prod"].qualified_name == "organization/ecr-share/prod"


def test_a_stack_file_without_stack_kind_is_named(tmp_path: Path) -> None:
    files = stack_files()
    del files["staging"]["ecr-share:stackKind"]
    with pytest.raises(PipelineError) as error:
        discover(write_project(tmp_path, files))
    assert str(error.value) == (
        f'{tmp_path / "Pulumi.staging.yaml"}: ecr-share:stackKind is missing; set it to "build" or "environment"'
    )


def test_a_malformed_stack_file_is_named(tmp_path: Path) -> None:
    write_project(tmp_path)
    (tmp_path / "Pulumi.dev.yaml").write_text("config: [unclosed\n", encoding="utf-8")
    with pytest.raises(PipelineError, match=r"Pulumi\.dev\.yaml is not valid YAML") as error:
        discover(tmp_path)
    assert str(error.value).startswith(str(tmp_path / "Pulumi.dev.yaml"))
    assert "\n" not in str(error.value)


def test_a_missing_project_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(PipelineError, match=r"Pulumi\.yaml not found"):
        discover(tmp_path)


@pytest.mark.parametrize("builds", [[], ["build", "tools"]])
def test_exactly_one_build_stack(tmp_path: Path, builds: list[str]) -> None:
    files = stack_files()
    files["tools"] = copy.deepcopy(files["build"])
    if not builds:
        del files["build"], files["tools"]
    with pytest.raises(PipelineError, match="exactly one stack file must set ecr-share:stackKind: build"):
        discover(write_project(tmp_path, files))


def test_services_must_be_a_list(tmp_path: Path) -> None:
    files = stack_files()
    files["dev"]["ecr-share:services"] = {"name": "web-app"}
    with pytest.raises(PipelineError, match=r"Pulumi\.dev\.yaml: ecr-share:services must be a list"):
        discover(write_project(tmp_path, files))


def test_an_unknown_stack_name_names_the_missing_file(stacks: dict[str, StackInfo]) -> None:
    with pytest.raises(PipelineError) as error:
        planning.select(stacks, ["dev", "qa"])
    assert (
        str(error.value)
        == "Pulumi.qa.yaml not found: no stack named 'qa' (stacks: build, dev, prod, staging)"
    )


# --- order -------------------------------------------------------------------------------------


def test_up_runs_the_build_first_then_environments_in_parallel(stacks: dict[str, StackInfo]) -> None:
    plan = plan_for(stacks, "up", parallel=3)
    assert plan.stages == (Stage(("build",)), Stage(("dev", "prod", "staging"), 3))
    assert plan.describe() == "build -> dev, prod, staging (3 at a time)"


def test_promotion_gives_each_environment_its_own_stage(stacks: dict[str, StackInfo]) -> None:
    plan = plan_for(stacks, "up", promote=["dev", "staging", "prod"])
    assert plan.order == ("build", "dev", "staging", "prod")
    assert all(stage.parallel == 1 for stage in plan.stages)


@pytest.mark.parametrize("promote", [None, ["dev", "staging", "prod"]])
def test_destroy_is_the_reverse(stacks: dict[str, StackInfo], promote: list[str] | None) -> None:
    up = plan_for(stacks, "up", promote=promote)
    destroy = plan_for(stacks, "destroy", promote=promote)
    assert destroy.order == tuple(reversed(up.order))
    assert destroy.order[-1] == "build"


def test_selection_keeps_the_dependency_order(stacks: dict[str, StackInfo]) -> None:
    plan = planning.make_plan("up", stacks, planning.select(stacks, ["prod", "build"]))
    assert plan.order == ("build", "prod")


@pytest.mark.parametrize(
    ("promote", "message"),
    [
        (["dev", "build", "prod"], "'build' is not an environment stack"),
        (["dev", "prod"], "must list each selected environment stack once"),
        (["dev", "staging", "prod", "dev"], "must list each selected environment stack once"),
        (["qa"], "'qa' is not an environment stack"),
    ],
)
def test_bad_promotion_orders(stacks: dict[str, StackInfo], promote: list[str], message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        plan_for(stacks, "up", promote=promote)


def test_parallel_must_be_positive(stacks: dict[str, StackInfo]) -> None:
    with pytest.raises(PipelineError, match="--parallel must be at least 1"):
        plan_for(stacks, "up", parallel=0)


def test_an_image_only_goes_with_preview_and_up(stacks: dict[str, StackInfo]) -> None:
    with pytest.raises(PipelineError, match="only be set for preview and up, not destroy"):
        plan_for(stacks, "destroy", image=Image(tag="v1"))


# --- image config ------------------------------------------------------------------------------


def test_a_tag_replaces_each_services_image_and_drops_digests(stacks: dict[str, StackInfo]) -> None:
    assert planning.image_change(stacks["prod"], Image(tag="4f2a9c1")) == ConfigChange(
        set={
            "ecr-share:services[0].imageTag": "4f2a9c1",
            "ecr-share:services[1].imageTag": "4f2a9c1",
        },
        remove=("ecr-share:services[1].imageDigest",),
    )


def test_a_digest_replaces_tags(stacks: dict[str, StackInfo]) -> None:
    change = planning.image_change(stacks["prod"], Image(digest=DIGEST))
    assert change.set == {
        "ecr-share:services[0].imageDigest": DIGEST,
        "ecr-share:services[1].imageDigest": DIGEST,
    }
    assert change.remove == ("ecr-share:services[0].imageTag",)


def test_only_environment_stacks_get_image_config(stacks: dict[str, StackInfo]) -> None:
    plan = plan_for(stacks, "up", image=Image(tag="v2"))
    assert set(planning.config_changes(plan, stacks)) == {"dev", "prod", "staging"}
    assert planning.config_changes(plan_for(stacks, "up"), stacks) == {}


@pytest.mark.parametrize(
    ("tag", "digest", "message"),
    [
        ("-v1", None, '--image-tag: "-v1" is not a Docker image tag'),
        ("a" * 129, None, "is not a Docker image tag"),
        (None, "sha256:ABC", '--image-digest: "sha256:ABC" is not an image digest'),
        (None, "sha256:" + "a" * 63, "is not an image digest"),
    ],
)
def test_bad_images_are_refused(tag: str | None, digest: str | None, message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        planning.image_from(tag, digest)


def test_a_digits_only_tag_is_a_valid_tag() -> None:
    assert planning.image_from("1234567", None) == Image(tag="1234567")


def test_config_is_checked_with_the_image_applied(tmp_path: Path) -> None:
    files = stack_files()
    files["prod"]["ecr-share:services"][1]["cpu"] = 3  # not a Fargate size
    stacks = discover(write_project(tmp_path, files))
    with pytest.raises(PipelineError, match=r"Pulumi\.prod\.yaml: ecr-share:services\[1\]"):
        planning.check_configs(plan_for(stacks, "up", image=Image(tag="v2")), stacks)
    planning.check_configs(plan_for(stacks, "destroy"), stacks)  # destroy does not need valid config


def test_committed_style_files_pass_the_programs_own_checks(stacks: dict[str, StackInfo]) -> None:
    planning.check_configs(plan_for(stacks, "up", image=Image(digest=DIGEST)), stacks)


def test_preflight_refuses_an_environment_its_build_stack_would_refuse(tmp_path: Path) -> None:
    """Each stack is planned as the program plans it, environments from the build stack's planned
    outputs: a stack pulumi up would refuse stops the run before the build stack is touched."""
    files = stack_files()
    files["build"]["ecr-share:access"]["accounts"].remove(ACCOUNTS["staging"])
    stacks = discover(write_project(tmp_path, files))
    with pytest.raises(
        PipelineError,
        match=r"Pulumi\.staging\.yaml: ecr-share:buildStack: .* does not grant this stack's account",
    ):
        planning.check_configs(plan_for(stacks, "up", image=Image(tag="v2")), stacks)


def test_preflight_refuses_two_stacks_owning_one_registry_singleton(tmp_path: Path) -> None:
    files = stack_files()
    files["build"]["ecr-share:replication"] = {
        "rules": [
            {"destinations": [{"region": "us-east-1", "account": ACCOUNTS["prod"]}], "filters": ["web-app/"]}
        ]
    }
    receive = {"sourceAccount": ACCOUNTS["build"], "filters": ["web-app/"]}
    files["prod"]["ecr-share:receiveReplication"] = receive
    files["prod-dr"] = {**files["prod"], "ecr-share:receiveReplication": receive}
    stacks = discover(write_project(tmp_path, files))
    with pytest.raises(
        PipelineError,
        match="the creation template web-app, the log group /ecs/web-app, the log group /ecs/worker, the registry "
        "policy, the task family web-app and the task family worker of this account and Region, which stack prod "
        "manages too",
    ):
        planning.check_configs(plan_for(stacks, "up", image=Image(tag="v2")), stacks)


def test_preflight_refuses_to_roll_out_a_tag_a_lifecycle_rule_would_expire(tmp_path: Path) -> None:
    """The image the pipeline sets is checked with every stack's plan: a build stack that keeps only
    the newest 10 v* images would, sooner or later, delete the v2 the environments are told to run."""
    files = stack_files()
    files["build"]["ecr-share:lifecycle"] = {"keepTagged": [{"prefix": "v", "count": 10}]}
    stacks = discover(write_project(tmp_path, files))
    with pytest.raises(
        PipelineError,
        match=r"Pulumi\.build\.yaml: rule 1 \(keep only the newest 10 images "
        r"tagged v\*\) of the lifecycle policy of web-app \(stack build\) can expire web-app:v2",
    ):
        planning.check_configs(plan_for(stacks, "up", image=Image(tag="v2")), stacks)
    planning.check_configs(plan_for(stacks, "up", image=Image(tag="release-2")), stacks)


# --- credentials -------------------------------------------------------------------------------


def test_a_stack_without_its_own_credentials_is_warned_about(tmp_path: Path) -> None:
    files = stack_files()
    del files["staging"]["aws:profile"]
    files["prod"]["aws:assumeRoles"] = [{"roleArn": "arn:aws:iam::444444444444:role/deploy"}]
    del files["prod"]["aws:profile"]
    stacks = discover(write_project(tmp_path, files))
    warnings = planning.credential_warnings(plan_for(stacks, "up"), stacks)
    assert warnings == [
        "warning: Pulumi.staging.yaml sets none of aws:profile, aws:assumeRole, aws:assumeRoles, so stack "
        "staging uses the ambient AWS credentials (aws:allowedAccountIds still refuses any other account)"
    ]
    assert planning.credential_warnings(plan_for(stacks, "outputs"), stacks) == []


# --- retries and formatting --------------------------------------------------------------------


def test_backoff_doubles() -> None:
    assert backoff_delays(3, 5.0) == [5.0, 10.0, 20.0]
    assert backoff_delays(0, 5.0) == []


def test_formatting() -> None:
    assert format_changes({"same": 4, "create": 2, "update": 1}) == "create 2, update 1"
    assert format_changes({"same": 4}) == "no changes"
    assert format_seconds(None) == "-"
    assert format_seconds(7.25) == "7.2s"
    assert format_seconds(125) == "2m05s"


def test_engine_error_prefers_the_engines_error_line() -> None:
    text = "\n code: 255\n stdout: Updating\n    error: boom\n stderr: "
    assert engine_error(text) == "error: boom"
    assert engine_error("\n code: 1\n stdout: \n stderr: something odd\nlast words") == "last words"


def test_summary_table_columns() -> None:
    outcomes = [
        Outcome("build", "succeeded", "create 5", 3.0, {"registryId": "111111111111", "region": "us-east-1"}),
        Outcome("dev", "failed", "", 1.5, error="error: boom"),
        Outcome("prod"),
    ]
    kinds = {"build": "build", "dev": "environment", "prod": "environment"}
    assert summary_table(outcomes, kinds) == [
        "STACK  RESULT     CHANGES   DURATION  KEY OUTPUTS",
        "build  succeeded  create 5  3.0s      registryId=111111111111 region=us-east-1",
        "dev    failed     -         1.5s      error: boom",
        "prod   not run    -         -         -",
    ]
