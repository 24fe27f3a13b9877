"""Release safety, black box through the Automation API: a pin interrupted between its two config
calls, a destroy that other deployed stacks depend on, promotion that covers what runs."""

from __future__ import annotations

from pathlib import Path

from components.pipeline.pending import record_path
from tests.support.pipeline_fake import FakePulumi, deployed, run_pipeline, stack_files, write_project
from tests.support.pipeline_fake import stack_services as services

RELEASE = ["up", "--promote", "dev,staging,prod"]


# --- atomic pins -----------------------------------------------------------------------------------


def test_a_pin_killed_between_its_two_calls_is_completed_by_the_next_run(
    project: Path, released: dict[str, str]
) -> None:
    fake = deployed(project)
    fake.script("prod", "config remove-all", "killed")
    first = run_pipeline(project, *RELEASE, fake=fake)
    assert first.code == 1
    # Half-done: prod's file has both the digest and the tag of web-app.
    assert services(project, "prod")[0]["imageTag"] == "v1.2.3"
    assert services(project, "prod")[0]["imageDigest"] == released["web-app"]
    assert record_path(project / "Pulumi.prod.yaml").exists()

    # Another stack's command is not wedged by it, and completes prod's pin first.
    other = run_pipeline(project, "up", "--stacks", "dev", fake=fake)
    assert other.code == 0, other.err
    assert other.out.splitlines()[2] == (
        "[prod] Pulumi.prod.yaml holds the digests an earlier run pinned but still its tags (that run "
        "stopped between its two config calls): completing it, config rm-all --path "
        "ecr-share:services[0].imageTag"
    )
    assert [(s.get("imageTag"), s["imageDigest"]) for s in services(project, "prod")] == [
        (None, released["web-app"]),
        (None, released["worker"]),
    ]
    assert not record_path(project / "Pulumi.prod.yaml").exists()

    again = run_pipeline(project, *RELEASE, fake=fake)
    assert again.code == 0, again.err
    assert "completing it" not in again.out


def test_the_release_itself_run_again_completes_the_pin(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.script("staging", "config remove-all", "killed")
    assert run_pipeline(project, *RELEASE, fake=fake).code == 1
    again = run_pipeline(project, *RELEASE, fake=fake)
    assert again.code == 0, again.err
    assert "[staging] Pulumi.staging.yaml holds the digests" in again.out
    assert all("imageTag" not in s for s in services(project, "staging"))


def test_a_file_changed_since_the_record_is_checked_as_it_is(project: Path, released: dict[str, str]) -> None:
    fake = deployed(project)
    fake.script("prod", "config remove-all", "killed")
    assert run_pipeline(project, *RELEASE, fake=fake).code == 1
    path = project / "Pulumi.prod.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(released["web-app"], "sha256:" + "e" * 64))
    run = run_pipeline(project, "up", "--stacks", "dev", fake=fake)
    assert run.code == 2
    assert "completing it" not in run.out
    assert "imageTag" in run.err and "imageDigest" in run.err


# --- a guarded destroy -----------------------------------------------------------------------------


def released_everywhere(project: Path) -> FakePulumi:
    fake = deployed(project)
    assert run_pipeline(project, *RELEASE, fake=fake).code == 0
    return fake


def test_destroying_the_build_stack_that_environments_read_is_refused(
    project: Path, released: dict[str, str]
) -> None:
    fake = released_everywhere(project)
    run = run_pipeline(project, "destroy", "--stacks", "build", "--exclude-protected", "--yes", fake=fake)
    assert run.code == 2
    assert run.err == (
        "error: destroy refused: deployed stacks depend on what it removes: dev, prod, staging read build's "
        "outputs through a StackReference. Destroy dev, prod, staging in the same run (they go first), or "
        "pass --force-dependents\n"
    )
    assert [op for _stack, op in fake.engine_order()].count("destroy") == 0


def test_destroying_a_stack_another_deploys_after_is_refused(
    tmp_path: Path, released: dict[str, str]
) -> None:
    files = stack_files()
    files["prod"]["ecr-share:deployAfter"] = ["staging"]
    project = write_project(tmp_path / "ecr-share", files)
    fake = released_everywhere(project)
    run = run_pipeline(project, "destroy", "--stacks", "dev,staging", "--yes", fake=fake)
    assert run.code == 2
    assert run.err == (
        "error: destroy refused: deployed stacks depend on what it removes: prod deploys after staging "
        "(ecr-share:deployAfter). Destroy prod in the same run (they go first), or pass --force-dependents\n"
    )


def test_dependents_in_the_same_run_are_destroyed_first(project: Path, released: dict[str, str]) -> None:
    fake = released_everywhere(project)
    run = run_pipeline(
        project, "destroy", "--stacks", "build,dev,staging,prod", "--parallel", "1", "--yes", fake=fake
    )
    assert run.code == 0, run.err
    assert [s for s, op in fake.engine_order() if op == "destroy"] == ["prod", "staging", "dev", "build"]
    assert run.out.splitlines()[0] == "destroy: prod -> staging -> dev -> build"


def test_dependents_never_deployed_or_destroyed_do_not_count(project: Path) -> None:
    fake = deployed(project)  # no environment was ever deployed
    run = run_pipeline(project, "destroy", "--stacks", "build", "--yes", fake=fake)
    assert run.code == 0, run.err


def test_force_dependents_destroys_anyway(project: Path, released: dict[str, str]) -> None:
    fake = released_everywhere(project)
    run = run_pipeline(project, "destroy", "--stacks", "build", "--yes", "--force-dependents", fake=fake)
    assert run.code == 0, run.err
    assert [s for s, op in fake.engine_order() if op == "destroy"] == ["build"]


# --- promotion covers what runs ------------------------------------------------------------------


def staging_without_worker(root: Path) -> Path:
    files = stack_files()
    files["staging"]["ecr-share:services"] = files["staging"]["ecr-share:services"][:1]
    files["prod"]["ecr-share:deployAfter"] = ["staging"]
    return write_project(root / "ecr-share", files)


UNTESTED = (
    "worker reaches prod untested: prod deploys after staging (ecr-share:deployAfter), and no service of "
    "staging runs it"
)


def test_a_repository_untested_before_its_stack_is_a_warning(
    tmp_path: Path, released: dict[str, str]
) -> None:
    project = staging_without_worker(tmp_path)
    run = run_pipeline(project, *RELEASE, fake=deployed(project))
    assert run.code == 0, run.err
    assert run.err == f"warning: {UNTESTED}\n"


def test_strict_refuses_it_before_anything_runs(tmp_path: Path, released: dict[str, str]) -> None:
    project = staging_without_worker(tmp_path)
    fake = deployed(project)
    fake.calls.clear()
    run = run_pipeline(project, *RELEASE, "--strict", fake=fake)
    assert run.code == 2
    assert run.err == f"error: --strict: {UNTESTED}: run it there first, or leave out --strict\n"
    assert fake.calls == []


def test_a_stack_tested_through_the_stacks_before_it_passes_strict(
    tmp_path: Path, released: dict[str, str]
) -> None:
    files = stack_files()
    files["staging"]["ecr-share:deployAfter"] = ["dev"]
    files["prod"]["ecr-share:deployAfter"] = ["staging"]
    files["dev"]["ecr-share:services"] = files["staging"]["ecr-share:services"]
    files["staging"]["ecr-share:services"] = files["staging"]["ecr-share:services"][:1]
    project = write_project(tmp_path / "ecr-share", files)
    run = run_pipeline(project, *RELEASE, "--strict", fake=deployed(project))
    assert run.code == 0, run.err
    assert run.err == ""


def test_the_docs_show_the_warning_as_printed() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "pipeline.md").read_text(encoding="utf-8")
    shown = doc.split("<!-- untested-warning -->\n", 1)[1].split("```text\n", 1)[1].split("\n", 1)[0]
    assert shown.strip() == f"warning: {UNTESTED}"
