"""The pure part of the pipeline: stack discovery, waves, image requests and pins, the gate's rules,
configuration checks and formatting."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from components.pipeline import plan as planning
from components.pipeline.gate import NOT_SCANNED, Scan, blocking
from components.pipeline.images import (
    ConfigChange,
    ImageRequest,
    digest_pins,
    digests_running,
    image_requests,
    parse_image,
    repositories_run_by,
    with_digests,
    with_requests,
)
from components.pipeline.plan import Stage
from components.pipeline.report import (
    Outcome,
    Rollout,
    engine_error,
    format_changes,
    format_seconds,
    format_whole_seconds,
    summary_table,
)
from components.pipeline.runner import backoff_delays
from components.pipeline.stacks import Backend, PipelineError, StackInfo, discover, is_diy
from tests.support.pipeline_fake import ACCOUNTS, DIGEST, stack_files, write_project

WEB = "sha256:" + "1" * 64
WORKER = "sha256:" + "2" * 64


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
    assert "\n" not in str(error.value)


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


# --- selection and waves -------------------------------------------------------------------------


def test_an_unknown_stack_name_names_the_missing_file(stacks: dict[str, StackInfo]) -> None:
    with pytest.raises(PipelineError) as error:
        planning.select(stacks, ["dev", "qa"])
    assert (
        str(error.value)
        == "Pulumi.qa.yaml not found: no stack named 'qa' (stacks: build, dev, prod, staging)"
    )


def test_an_empty_selection_is_an_error_not_every_stack(stacks: dict[str, StackInfo]) -> None:
    assert planning.select(stacks, None) == ["build", "dev", "prod", "staging"]
    with pytest.raises(PipelineError, match="--stacks names no stack"):
        planning.select(stacks, [])


def test_waves_follow_the_order_given(stacks: dict[str, StackInfo]) -> None:
    selected = planning.select(stacks, ["staging", "prod", "dev", "build"])
    plan = planning.make_plan("up", stacks, selected, parallel=2)
    assert plan.stages == (Stage(("build",)), Stage(("staging", "prod")), Stage(("dev",)))
    assert plan.describe() == "build -> staging, prod (at once) -> dev"
    assert planning.make_plan("up", stacks, selected, parallel=1).order == ("build", "staging", "prod", "dev")


def ordered_stacks(tmp_path: Path, **deploy_after: object) -> dict[str, StackInfo]:
    """The fixture project with ``ecr-share:deployAfter`` set on the named stacks."""
    files = stack_files()
    for name, value in deploy_after.items():
        files[name]["ecr-share:deployAfter"] = value
    return discover(write_project(tmp_path, files))


def test_without_stacks_each_environment_follows_what_it_deploys_after(tmp_path: Path) -> None:
    """File-name order is dev, prod, staging; prod deploys after staging, as the committed file says."""
    stacks = ordered_stacks(tmp_path, prod=["staging"])
    selected = planning.select(stacks, None)
    assert selected == ["build", "dev", "staging", "prod"]
    plan = planning.make_plan("up", stacks, selected, parallel=2)
    assert plan.describe() == "build -> dev, staging (at once) -> prod"
    assert planning.make_plan("destroy", stacks, selected, parallel=2).describe() == (
        "prod -> staging, dev (at once) -> build"
    )


def test_a_stack_never_shares_a_wave_with_one_it_deploys_after(tmp_path: Path) -> None:
    stacks = ordered_stacks(tmp_path, staging=["dev"], prod=["staging"])
    plan = planning.make_plan("up", stacks, planning.select(stacks, None), parallel=3)
    assert plan.describe() == "build -> dev -> staging -> prod"
    # Only the selected stacks are ordered: prod alone waits for nothing.
    assert planning.make_plan("up", stacks, planning.select(stacks, ["prod"])).order == ("prod",)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"names": ["dev", "prod", "staging"]},
            "--stacks runs prod before staging, but {dir}/Pulumi.prod.yaml deploys it after staging "
            "(ecr-share:deployAfter): name staging first",
        ),
        (
            {"names": ["dev", "staging", "prod"], "promote": ["prod", "dev", "staging"]},
            "--promote runs prod before staging, but {dir}/Pulumi.prod.yaml deploys it after staging "
            "(ecr-share:deployAfter): name staging first",
        ),
    ],
)
def test_an_order_that_runs_a_stack_first_is_refused(
    tmp_path: Path, args: dict[str, list[str]], message: str
) -> None:
    stacks = ordered_stacks(tmp_path, prod=["staging"])
    with pytest.raises(PipelineError) as error:
        selected = planning.select(stacks, args["names"])
        planning.make_plan("up", stacks, selected, promote=args.get("promote"))
    assert str(error.value) == message.format(dir=tmp_path)


@pytest.mark.parametrize(
    ("deploy_after", "message"),
    [
        (
            {"prod": ["qa"]},
            "{dir}/Pulumi.prod.yaml: ecr-share:deployAfter names 'qa', which is not an environment stack of "
            "this project (environments: dev, prod, staging)",
        ),
        (
            {"prod": ["build"]},
            "{dir}/Pulumi.prod.yaml: ecr-share:deployAfter names 'build', which is not an environment stack "
            "of this project (environments: dev, prod, staging)",
        ),
        (
            {"prod": ["staging"], "staging": ["dev"], "dev": ["prod"]},
            "ecr-share:deployAfter makes a cycle, dev after prod after staging after dev: no order deploys "
            "each stack after the ones it names (see {dir}/Pulumi.dev.yaml, {dir}/Pulumi.prod.yaml, "
            "{dir}/Pulumi.staging.yaml)",
        ),
        (
            {"prod": "staging"},
            "{dir}/Pulumi.prod.yaml: ecr-share:deployAfter must be a list of environment "
            "stack names, like [staging]",
        ),
    ],
)
def test_deploy_after_is_checked_across_the_project_for_every_command(
    tmp_path: Path, deploy_after: dict[str, object], message: str
) -> None:
    stacks = ordered_stacks(tmp_path, **deploy_after)
    for names in (None, ["dev"]):
        with pytest.raises(PipelineError) as error:
            planning.select(stacks, names)
        assert str(error.value) == message.format(dir=tmp_path)


def test_promotion_gives_each_environment_its_own_stage(stacks: dict[str, StackInfo]) -> None:
    plan = plan_for(stacks, "up", promote=["dev", "staging", "prod"])
    assert plan.stages == tuple(Stage((name,)) for name in ("build", "dev", "staging", "prod"))
    assert plan.describe() == "build -> dev -> staging -> prod"


@pytest.mark.parametrize("promote", [None, ["dev", "staging", "prod"]])
def test_destroy_is_the_reverse(stacks: dict[str, StackInfo], promote: list[str] | None) -> None:
    up = plan_for(stacks, "up", promote=promote)
    destroy = plan_for(stacks, "destroy", promote=promote)
    assert destroy.order == tuple(reversed(up.order))
    assert destroy.order[-1] == "build"


def test_promote_runs_up_on_its_targets(stacks: dict[str, StackInfo]) -> None:
    plan = planning.make_plan("promote", stacks, ["prod"], promote=["prod"])
    assert (plan.command, plan.order) == ("up", ("prod",))


@pytest.mark.parametrize(
    ("promote", "message"),
    [
        (["dev", "build", "prod"], "'build' is not an environment stack"),
        (["dev", "prod"], "must list each selected environment stack once"),
        (["dev", "staging", "prod", "dev"], "must list each selected environment stack once"),
        (["qa"], "'qa' is not an environment stack"),
        ([], "--promote names no stack"),
    ],
)
def test_bad_promotion_orders(stacks: dict[str, StackInfo], promote: list[str], message: str) -> None:
    with pytest.raises(PipelineError, match=message):
        plan_for(stacks, "up", promote=promote)


def test_parallel_must_be_positive(stacks: dict[str, StackInfo]) -> None:
    with pytest.raises(PipelineError, match="--parallel must be at least 1"):
        plan_for(stacks, "up", parallel=0)


# --- images ------------------------------------------------------------------------------------


def test_image_flags() -> None:
    assert parse_image("web-app=v2.1.0") == ImageRequest("web-app", tag="v2.1.0")
    assert parse_image(f"team/web-app@{WEB}") == ImageRequest("team/web-app", digest=WEB)
    assert parse_image("web-app=1234567") == ImageRequest("web-app", tag="1234567")  # a string, always
    for bad, message in [
        ("Web-App=v1", "is not an ECR repository name"),
        ("web-app=-v1", "is not a Docker image tag"),
        ("web-app@sha256:ABC", "is not an image digest"),
        ("web-app", "is not REPOSITORY=TAG or REPOSITORY@sha256:<digest>"),
    ]:
        with pytest.raises(PipelineError, match=message):
            parse_image(bad)


def test_one_request_per_repository_the_release_runs(stacks: dict[str, StackInfo]) -> None:
    environments = [stacks["dev"], stacks["prod"]]
    assert repositories_run_by(environments) == ["web-app", "worker"]
    requests = image_requests(
        repositories_run_by(environments),
        ["web-app", "worker"],
        [parse_image(f"worker@{WORKER}")],
        "4f2a9c1",
        "",
    )
    assert requests == [ImageRequest("web-app", tag="4f2a9c1"), ImageRequest("worker", digest=WORKER)]


def test_every_service_is_pinned_to_its_own_repositorys_digest(stacks: dict[str, StackInfo]) -> None:
    digests = {"web-app": WEB, "worker": WORKER}
    assert digest_pins(stacks["prod"], digests) == ConfigChange(
        set={"ecr-share:services[0].imageDigest": WEB, "ecr-share:services[1].imageDigest": WORKER},
        remove=("ecr-share:services[0].imageTag",),
    )
    pinned = with_digests(stacks["prod"].config, digests)["ecr-share:services"]
    assert [(s["imageDigest"], "imageTag" in s) for s in pinned] == [(WEB, False), (WORKER, False)]
    assert stacks["prod"].config["ecr-share:services"][0]["imageTag"] == "v1.2.3"  # a copy was changed


def test_requests_are_checked_as_the_program_would_see_them(stacks: dict[str, StackInfo]) -> None:
    requests = [ImageRequest("web-app", tag="v2"), ImageRequest("worker", digest=WORKER)]
    services = with_requests(stacks["prod"].config, requests)["ecr-share:services"]
    assert [(s.get("imageTag"), s.get("imageDigest")) for s in services] == [("v2", None), (None, WORKER)]


def test_only_selected_environments_get_pins(stacks: dict[str, StackInfo]) -> None:
    plan = planning.make_plan("up", stacks, ["build", "dev"])
    assert set(planning.config_changes(plan, stacks, {"web-app": WEB})) == {"dev"}
    assert planning.config_changes(plan, stacks, None) == {}


def test_the_digests_a_stack_runs_come_from_its_images_output() -> None:
    replica = "444444444444.dkr.ecr.us-east-1.amazonaws.com"
    images = {
        "web-app": f"{replica}/web-app@{WEB}",
        "api": f"{replica}/web-app@{WEB}",
        "worker": f"r/worker@{WORKER}",
    }
    assert digests_running("staging", images) == {"web-app": WEB, "worker": WORKER}
    for bad, message in [
        (
            {"web-app": f"{replica}/web-app:v1"},
            "runs 444444444444.dkr.ecr.us-east-1.amazonaws.com/web-app:v1 for service web-app, which is not pinned",
        ),
        ({"a": f"r/web-app@{WEB}", "b": f"r/web-app@{WORKER}"}, "runs two digests of web-app"),
        (None, "has no images output"),
    ]:
        with pytest.raises(PipelineError, match=message):
            digests_running("staging", bad)


# --- the gate ----------------------------------------------------------------------------------


def test_the_gate_counts_findings_at_or_above_the_threshold() -> None:
    scan = Scan("COMPLETE", {"HIGH": 2, "MEDIUM": 5, "UNTRIAGED": 4})
    assert scan.describe() == "COMPLETE: 2 HIGH, 5 MEDIUM, 4 UNTRIAGED"
    assert blocking(scan, "CRITICAL") is None
    assert blocking(scan, "HIGH") == "has findings at HIGH or above (2 HIGH)"
    assert blocking(scan, "LOW") == "has findings at LOW or above (2 HIGH, 5 MEDIUM)"
    assert blocking(Scan("ACTIVE", {}), "LOW") is None  # enhanced scanning: findings are current
    assert Scan("COMPLETE").describe() == "COMPLETE: no findings"


@pytest.mark.parametrize(
    "status", ["FAILED", "UNSUPPORTED_IMAGE", "SCAN_ELIGIBILITY_EXPIRED", "SOMETHING_NEW"]
)
def test_a_scan_without_findings_stops_every_gate_but_none(status: str) -> None:
    assert blocking(Scan(status), "LOW") is not None
    assert blocking(Scan(status), "CRITICAL") is not None
    assert blocking(Scan(status), "none") is None


def test_waiting_states() -> None:
    assert [Scan(s).waiting for s in ("IN_PROGRESS", "PENDING", "COMPLETE", NOT_SCANNED)] == [
        True,
        True,
        False,
        False,
    ]


# --- checks before anything runs -----------------------------------------------------------------


def test_config_is_checked_with_the_images_applied(tmp_path: Path) -> None:
    files = stack_files()
    files["prod"]["ecr-share:services"][1]["cpu"] = 3  # not a Fargate size
    stacks = discover(write_project(tmp_path, files))
    with pytest.raises(PipelineError, match=r"Pulumi\.prod\.yaml: ecr-share:services\[1\]"):
        planning.check_configs(
            plan_for(stacks, "up"),
            stacks,
            lambda s: with_digests(s.config, {"web-app": WEB, "worker": WORKER}),
        )
    planning.check_configs(plan_for(stacks, "destroy"), stacks)  # destroy does not need valid config


def test_committed_style_files_pass_the_programs_own_checks(stacks: dict[str, StackInfo]) -> None:
    planning.check_configs(
        plan_for(stacks, "up"),
        stacks,
        lambda s: with_digests(s.config, {"web-app": DIGEST, "worker": DIGEST}),
    )


def test_preflight_refuses_an_environment_its_build_stack_would_refuse(tmp_path: Path) -> None:
    files = stack_files()
    files["build"]["ecr-share:access"]["accounts"].remove(ACCOUNTS["staging"])
    stacks = discover(write_project(tmp_path, files))
    with pytest.raises(
        PipelineError,
        match=r"Pulumi\.staging\.yaml: ecr-share:buildStack: .* does not grant this stack's account",
    ):
        planning.check_configs(plan_for(stacks, "up"), stacks)


def test_the_build_stack_reference_must_match_the_backend(stacks: dict[str, StackInfo]) -> None:
    plan = plan_for(stacks, "up")
    planning.check_build_references(plan, stacks, Backend("file:///state", "organization"))
    with pytest.raises(
        PipelineError, match=r"but the build stack is acme/ecr-share/build on https://api\.pulumi\.com"
    ):
        planning.check_build_references(plan, stacks, Backend("https://api.pulumi.com", "acme"))


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
        planning.check_configs(plan_for(stacks, "up"), stacks)


def test_preflight_refuses_to_roll_out_a_tag_a_lifecycle_rule_would_expire(tmp_path: Path) -> None:
    """The image the pipeline sets is checked with every stack's plan: a build stack that keeps only
    the newest 10 v* images would, sooner or later, delete the v2 the environments are told to run."""
    files = stack_files()
    files["build"]["ecr-share:lifecycle"] = {"keepTagged": [{"prefix": "v", "count": 10}]}
    stacks = discover(write_project(tmp_path, files))

    def tagged(tag: str) -> object:
        requests = [ImageRequest(r, tag=tag) for r in ("web-app", "worker")]
        return lambda s: with_requests(s.config, requests)

    with pytest.raises(
        PipelineError,
        match=r"Pulumi\.build\.yaml: rule 1 \(keep only the newest 10 images "
        r"tagged v\*\) of the lifecycle policy of web-app \(stack build\) can expire web-app:v2",
    ):
        planning.check_configs(plan_for(stacks, "up"), stacks, tagged("v2"))  # type: ignore[arg-type]
    planning.check_configs(plan_for(stacks, "up"), stacks, tagged("release-2"))  # type: ignore[arg-type]


def test_which_backends_are_diy() -> None:
    assert [
        is_diy(url) for url in ("file:///x", "s3://b", "azblob://c", "gs://d", "https://api.pulumi.com")
    ] == [
        True,
        True,
        True,
        True,
        False,
    ]
    assert Backend("https://api.pulumi.com", "acme").qualified("prod") == "acme/ecr-share/prod"


def test_a_stack_without_its_own_credentials_is_warned_about(tmp_path: Path) -> None:
    files = stack_files()
    del files["staging"]["aws:profile"]
    files["prod"]["aws:assumeRoles"] = [{"roleArn": "arn:aws:iam::444444444444:role/deploy"}]
    del files["prod"]["aws:profile"]
    stacks = discover(write_project(tmp_path, files))
    warnings = planning.credential_warnings(plan_for(stacks, "up"), stacks)
    assert warnings == [
        "warning: Pulumi.staging.yaml sets none of aws:profile, aws:assumeRole, aws:assumeRoles, "
        "aws:assumeRoleWithWebIdentity, so stack "
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
    assert [format_whole_seconds(s) for s in (0, 7, 94, 600)] == ["0s", "7s", "1m34s", "10m00s"]


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


def test_the_summary_has_a_rollout_column_when_a_stack_runs_ecs_services() -> None:
    outcomes = [
        Outcome(
            "dev",
            "succeeded",
            "update 1",
            95.0,
            {"images": {"web-app": f"r/web-app@{WEB}"}},
            rollouts=[Rollout("web-app-service", "updated")],
        ),
        Outcome("prod"),
    ]
    assert summary_table(outcomes, {"dev": "environment", "prod": "environment"}) == [
        "STACK  RESULT     CHANGES   DURATION  ROLLOUT                  KEY OUTPUTS",
        "dev    succeeded  update 1  1m35s     web-app-service updated  images=web-app=r/web-app@sha256:111111111111...",
        "prod   not run    -         -         -                        -",
    ]


def test_the_committed_stacks_release_prod_last() -> None:
    """``python -m components.pipeline up`` on the committed files, as the docs' table says."""
    from tests.support.pulumi_harness import PROJECT_DIR

    stacks = discover(PROJECT_DIR)
    plan = planning.make_plan("up", stacks, planning.select(stacks, None))
    assert plan.describe() == "build -> dev, staging (at once) -> prod"
