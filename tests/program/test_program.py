"""The real ``__main__.py`` under mocks, for each committed stack file: the build stack's recorded
outputs are what each environment's StackReference returns, so these tests run the wiring from build
to environments end to end. What each stack registers, exactly, is asserted on its plan
(``tests/plan``), and that the program registers exactly that plan in ``tests/plan/test_registration``."""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable
from typing import Any

import pytest
from pulumi.errors import RunError

from components.config.files import list_stacks, load_stack_config
from tests.support.pulumi_harness import BUILD_STACK, PROJECT_DIR, ProgramRun, run_program, run_stack_file

STACK_REFERENCE = "pulumi:pulumi:StackReference"


def registered(run: ProgramRun) -> list[str]:
    """Everything registered but the StackReference read: components and provider resources."""
    return [r.key for r in run.resources if r.typ != STACK_REFERENCE]


def refused(
    stack: str,
    exports: dict[str, Any],
    match: str,
    config: dict[str, Any] | None = None,
    preview: bool = False,
) -> ProgramRun:
    """Run an environment that must be refused; return what it registered (nothing, it must be)."""
    run = ProgramRun()
    with pytest.raises(RunError, match=match):
        run_program(
            stack,
            config or load_stack_config(PROJECT_DIR, stack),
            {BUILD_STACK: exports},
            run=run,
            preview=preview,
        )
    assert registered(run) == []
    return run


def test_every_committed_stack_file_is_covered() -> None:
    assert set(list_stacks(PROJECT_DIR)) == {"build", "dev", "staging", "prod"}


def test_rerunning_renders_byte_identical_documents(build: ProgramRun) -> None:
    again = run_stack_file("build")
    assert {r.key: r.inputs for r in again.resources} == {r.key: r.inputs for r in build.resources}


def test_environments_read_the_build_stack_through_a_stack_reference(
    environments: dict[str, ProgramRun],
) -> None:
    run = environments["dev"]
    assert run.stack_references == [BUILD_STACK]
    assert run.exports["images"] == {"web-app": "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3"}
    assert run.exports["taskDefinitionArns"] == {
        "web-app": "arn:aws:ecs:us-east-1:222222222222:task-definition/web-app:1"
    }


def test_an_environment_whose_account_is_not_granted_registers_nothing(build: ProgramRun) -> None:
    exports = copy.deepcopy(build.exports)
    exports["access"]["accounts"].remove("444444444444")
    refused("prod", exports, r"does not grant this stack's account 444444444444.*add \"444444444444\"")


@pytest.mark.parametrize("preview", [False, True])
def test_the_refusal_registers_nothing_at_preview_and_at_up(build: ProgramRun, preview: bool) -> None:
    # A deployed build stack's outputs are known during preview, so the check runs there too.
    exports = copy.deepcopy(build.exports)
    exports["access"]["accounts"].remove("222222222222")
    refused("dev", exports, "does not grant this stack's account 222222222222", preview=preview)


def test_a_service_of_a_repository_the_build_stack_does_not_share_registers_nothing(
    build: ProgramRun,
) -> None:
    exports = copy.deepcopy(build.exports)
    del exports["repositoryArns"]["worker"]
    del exports["repositoryUrls"]["worker"]
    exports["repositories"] = [r for r in exports["repositories"] if r["name"] != "worker"]
    refused("prod", exports, r"services\[1\].repository: \"worker\" is not a repository of the build")


def test_a_receiver_mismatch_registers_nothing(build: ProgramRun) -> None:
    exports = copy.deepcopy(build.exports)
    exports["replication"]["rules"][1]["filters"] = ["web-app"]
    refused("prod", exports, r"receiveReplication.filters: \[\"web-app\", \"worker\"\] differ from")


@pytest.mark.parametrize(
    ("tamper", "match"),
    [
        (
            lambda e: e["repositoryArns"].update({"web-app": "*"}),
            r'output repositoryArns.web-app: "\*" is not the ARN of repository web-app in account 111111111111',
        ),
        (
            lambda e: e["repositoryUrls"].update(
                {"web-app": "666666666666.dkr.ecr.us-east-1.amazonaws.com/web-app"}
            ),
            r"output repositoryUrls.web-app: .* is not the URL of repository web-app in account 111111111111",
        ),
        (lambda e: e.pop("contractVersion"), "has no output contractVersion"),
        # Contract 3's message said 'is not {"mode": "accounts", ...}': the grant's own parser reads it now.
        (
            lambda e: e.update({"access": ["222222222222"]}),
            r'output access: \["222222222222"\] is not an object',
        ),
    ],
)
def test_tampered_build_outputs_register_nothing(
    build: ProgramRun, tamper: Callable[[dict[str, Any]], object], match: str
) -> None:
    exports = copy.deepcopy(build.exports)
    tamper(exports)
    refused("dev", exports, match)


def test_invalid_config_fails_before_anything_is_registered() -> None:
    config = load_stack_config(PROJECT_DIR, "prod")
    config["ecr-share:services"][0]["memory"] = 5120  # not a Fargate size for cpu 512
    run = ProgramRun()
    with pytest.raises(
        RunError, match=r"services\[0\].memory: 5120 is not a Fargate memory size for cpu 512"
    ):
        run_program("prod", config, run=run)
    assert run.resources == []
    assert run.stack_references == []


def test_build_config_errors_register_nothing() -> None:
    config = load_stack_config(PROJECT_DIR, "build")
    config["ecr-share:access"] = {"accounts": ["111111111111"]}
    run = ProgramRun()
    with pytest.raises(RunError, match="is the build account itself"):
        run_program("build", config, run=run)
    assert run.resources == []


def test_pulumi_up_reads_no_file(build: ProgramRun, monkeypatch: pytest.MonkeyPatch) -> None:
    """What a stack deploys depends on its own config only, never on other files in the checkout.
    (``runpy`` and imports read code through ``io.open_code``, which this leaves alone.)"""
    config = load_stack_config(PROJECT_DIR, "prod")

    def no_open(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"the program opened {args[0]!r}")

    monkeypatch.setattr(builtins, "open", no_open)
    run = run_program("prod", config, {BUILD_STACK: build.exports})
    assert len([r for r in run.resources if r.custom and r.typ != STACK_REFERENCE]) == 9


def test_a_copy_of_a_stack_deploys_the_same_whatever_else_is_committed(
    build: ProgramRun, prod: ProgramRun
) -> None:
    """Two stacks owning one registry singleton are refused by verify and the pipeline's preflight
    (tests/plan/test_project.py), which see every stack file; a single stack's run cannot."""
    copy_ = run_program("prod-copy", load_stack_config(PROJECT_DIR, "prod"), {BUILD_STACK: build.exports})
    assert sorted(r.key for r in copy_.resources) == sorted(r.key for r in prod.resources)
    singletons = ("RegistryPolicy", "RepositoryCreationTemplate", "RegistryScanningConfiguration")
    assert {r.key: r.inputs for r in copy_.resources if r.typ.endswith(singletons)} == {
        r.key: r.inputs for r in prod.resources if r.typ.endswith(singletons)
    }


def organization_build(paths: list[str] | None = None) -> ProgramRun:
    config = load_stack_config(PROJECT_DIR, "build")
    access: dict[str, Any] = {"organizationId": "o-abc123def4"}
    if paths is not None:
        access["organizationPaths"] = paths
    config["ecr-share:access"] = access
    return run_program("build", config)


def test_organization_mode_checks_the_environments_ou_path() -> None:
    exports = organization_build(["o-abc123def4/r-ab12/ou-ab12-11111111/*"]).exports
    assert exports["access"] == {
        "organizationId": "o-abc123def4",
        "organizationPaths": ["o-abc123def4/r-ab12/ou-ab12-11111111/*"],
    }
    config = load_stack_config(PROJECT_DIR, "prod")
    config["ecr-share:organizationPath"] = "o-abc123def4/r-ab12/ou-ab12-11111111/ou-ab12-22222222/"
    assert run_program("prod", config, {BUILD_STACK: exports}).one("aws:iam/role:Role")
    config["ecr-share:organizationPath"] = "o-abc123def4/r-ab12/ou-ab12-99999999/"
    refused("prod", exports, "is not below any organization path the build stack grants", config)
