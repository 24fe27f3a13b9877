"""Which backend a run uses (``--backend``, ``PULUMI_BACKEND_URL``, ``backend.url`` in Pulumi.yaml, the
CLI's login), when a new local state is created, and which stacks need a passphrase for their secrets."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from components.pipeline.backends import NO_BACKEND
from tests.support.pipeline_fake import NOT_LOGGED_IN, Call, FakePulumi, run_pipeline

DOC = (Path(__file__).resolve().parents[2] / "docs" / "pipeline.md").read_text(encoding="utf-8")

KMS = "awskms://alias/ecr-share?region=us-east-1"
PASSPHRASE_ENV = {"PULUMI_CONFIG_PASSPHRASE": "x"}


def backends_used(calls: list[Call]) -> set[str | None]:
    return {call.env.get("PULUMI_BACKEND_URL") for call in calls if call.op != "whoami"}


def set_project_backend(project: Path, url: str) -> None:
    (project / "Pulumi.yaml").write_text(
        f"name: ecr-share\nruntime: python\nbackend:\n  url: {url}\n", encoding="utf-8"
    )


def record_secrets_provider(project: Path, stack: str, **settings: str) -> None:
    path = project / f"Pulumi.{stack}.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    path.write_text(yaml.safe_dump({**settings, **document}, sort_keys=False), encoding="utf-8")


# --- the backend -------------------------------------------------------------------------------


def test_the_backend_order_is_flag_then_variable_then_pulumi_yaml_then_login(
    project: Path, tmp_path: Path
) -> None:
    for name in ("flag", "variable", "yaml", "login"):
        (tmp_path / name).mkdir()
    set_project_backend(project, f"file://{tmp_path / 'yaml'}")
    env = {**PASSPHRASE_ENV, "PULUMI_BACKEND_URL": f"file://{tmp_path / 'variable'}"}

    def used(*flags: str, env: dict[str, str]) -> set[str | None]:
        fake = FakePulumi()
        fake.login = f"file://{tmp_path / 'login'}"
        run = run_pipeline(project, "outputs", "--stacks", "build", *flags, fake=fake, env=env)
        assert run.code == 0, run.err
        return backends_used(run.fake.calls)

    assert used("--backend", f"file://{tmp_path / 'flag'}", env=env) == {f"file://{tmp_path / 'flag'}"}
    assert used(env=env) == {f"file://{tmp_path / 'variable'}"}
    assert used(env=PASSPHRASE_ENV) == {f"file://{tmp_path / 'yaml'}"}
    (project / "Pulumi.yaml").write_text("name: ecr-share\nruntime: python\n", encoding="utf-8")
    assert used(env=PASSPHRASE_ENV) == {f"file://{tmp_path / 'login'}"}


def test_a_named_backend_never_asks_the_cli_who_is_logged_in(project: Path) -> None:
    run = run_pipeline(project, "outputs", "--stacks", "build", "--backend", "s3://state-bucket/ecr-share")
    assert run.code == 0, run.err
    assert "whoami" not in [call.op for call in run.fake.calls]


def test_not_logged_in_and_no_backend_named_is_one_message(project: Path) -> None:
    fake = FakePulumi()
    fake.login = None
    run = run_pipeline(project, "up", "--stacks", "build", fake=fake)
    assert run.code == 2
    assert run.err == f"error: {NO_BACKEND} (pulumi whoami: {NOT_LOGGED_IN})\n"
    assert f"```text\n{run.err}```" in DOC  # docs/pipeline.md shows it as it is
    assert [call.op for call in run.fake.calls] == ["whoami"]
    assert not (project / ".pulumi-state").exists()  # no state is made up


def test_backend_flag_naming_a_new_folder_starts_a_new_local_state(project: Path, tmp_path: Path) -> None:
    state = tmp_path / "new" / "state"
    run = run_pipeline(project, "up", "--stacks", "build", "--backend", f"file://{state}")
    assert run.code == 0, run.err
    assert state.is_dir()
    assert backends_used(run.fake.calls) == {f"file://{state}"}


@pytest.mark.parametrize("where", ["variable", "yaml"])
def test_a_missing_local_state_named_elsewhere_is_refused(project: Path, tmp_path: Path, where: str) -> None:
    url = f"file://{tmp_path / 'typo'}"
    env = dict(PASSPHRASE_ENV)
    if where == "variable":
        env["PULUMI_BACKEND_URL"] = url
        source = "PULUMI_BACKEND_URL"
    else:
        set_project_backend(project, url)
        source = "backend.url in Pulumi.yaml"
    run = run_pipeline(project, "up", "--stacks", "build", env=env)
    assert run.code == 2
    assert run.err == (
        f"error: {source} {url}: the folder {tmp_path / 'typo'} does not exist; to start a new local state "
        f"there, pass --backend {url}\n"
    )
    assert not (tmp_path / "typo").exists()
    assert run.fake.calls == []


def test_a_backend_that_is_not_a_url_is_refused(project: Path) -> None:
    run = run_pipeline(project, "outputs", "--backend", "state-bucket")
    assert run.code == 2
    assert run.err == (
        "error: --backend state-bucket: not a backend URL; expected https://..., s3://..., azblob://..., "
        "gs://..., postgres://... or file://PATH\n"
    )


# --- secrets providers and the passphrase ------------------------------------------------------


def test_a_diy_backend_without_a_passphrase_names_the_stacks_before_the_cli(project: Path) -> None:
    run = run_pipeline(project, "up", "--keep-images", "--backend", "s3://state", env={})
    assert run.code == 2
    assert run.err == (
        "error: build, dev, prod, staging (the default of the DIY backend s3://state) encrypt secrets with a "
        "passphrase: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE, or choose another "
        "provider with --secrets-provider\n"
    )
    assert run.fake.calls == []


def test_a_kms_secrets_provider_needs_no_passphrase_and_creates_the_stacks_with_it(project: Path) -> None:
    run = run_pipeline(
        project, "up", "--keep-images", "--backend", "s3://state", "--secrets-provider", KMS, env={}
    )
    assert run.code == 0, run.err
    inits = sorted(call.args for call in run.fake.calls if call.op == "stack init")
    assert inits == [
        ["stack", "init", f"organization/ecr-share/{name}", "--secrets-provider", KMS]
        for name in ("build", "dev", "prod", "staging")
    ]


def test_only_a_stack_whose_file_holds_a_salt_needs_the_passphrase(project: Path) -> None:
    for name in ("build", "dev", "staging"):
        record_secrets_provider(project, name, secretsprovider=KMS, encryptedkey="AQICAHh...")
    record_secrets_provider(project, "prod", encryptionsalt="v1:abc:def")
    without = run_pipeline(
        project, "up", "--keep-images", "--stacks", "build,dev", "--backend", "s3://state", env={}
    )
    assert without.code == 0, without.err
    run = run_pipeline(project, "up", "--keep-images", "--backend", "s3://state", env={})
    assert run.code == 2
    assert run.err == (
        "error: prod (the stack file holds encryptionsalt) encrypts secrets with a passphrase: set "
        "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE\n"
    )
    assert f"```text\n{run.err}```" in DOC


def test_pulumi_cloud_needs_no_passphrase_unless_asked_for(project: Path) -> None:
    fake = FakePulumi()
    fake.login = "https://api.pulumi.com"
    assert run_pipeline(project, "up", "--keep-images", "--stacks", "build", fake=fake, env={}).code == 0
    run = run_pipeline(
        project,
        "up",
        "--keep-images",
        "--stacks",
        "build",
        "--secrets-provider",
        "passphrase",
        fake=FakePulumi(),
        env={},
    )
    assert run.code == 2
    assert run.err == (
        "error: build (--secrets-provider passphrase) encrypts secrets with a passphrase: set "
        "PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE\n"
    )


def test_an_existing_stack_keeps_its_provider_with_a_warning(project: Path) -> None:
    record_secrets_provider(project, "build", encryptionsalt="v1:abc:def")
    run = run_pipeline(project, "up", "--keep-images", "--stacks", "build", "--secrets-provider", KMS)
    assert run.code == 0, run.err
    assert run.err == (
        "warning: build keeps its secrets provider passphrase (--secrets-provider applies to the stacks the "
        "pipeline creates; `pulumi stack change-secrets-provider` changes an existing one)\n"
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("awskms://", "awskms://alias/NAME?region=R, awskms://KEY_ID?region=R or awskms:///arn:aws:kms:..."),
        ("azurekeyvault://vault/keys/k", "azurekeyvault://VAULT.vault.azure.net/keys/KEY"),
        ("gcpkms://projects/p/keyRings/r", "gcpkms://projects/P/locations/L/keyRings/R/cryptoKeys/K"),
        ("hashivault://", "hashivault://KEY"),
        (
            "vault://key",
            "passphrase, default (Pulumi Cloud), awskms://..., azurekeyvault://..., gcpkms://... or hashivault://...",
        ),
    ],
)
def test_a_bad_secrets_provider_is_one_message(project: Path, value: str, expected: str) -> None:
    run = run_pipeline(project, "up", "--keep-images", "--secrets-provider", value)
    assert run.code == 2
    assert run.err == f"error: --secrets-provider {value}: expected {expected}\n"
    assert run.fake.calls == []


@pytest.mark.parametrize(
    "value",
    [
        "passphrase",
        "awskms://alias/ecr-share?region=us-east-1",
        "awskms://1234abcd-12ab-34cd-56ef-1234567890ab?region=us-east-1",
        "awskms:///arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        "azurekeyvault://mykeyvaultname.vault.azure.net/keys/mykeyname",
        "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k",
        "hashivault://mykey",
    ],
)
def test_the_documented_secrets_providers_are_accepted(project: Path, value: str) -> None:
    run = run_pipeline(project, "up", "--keep-images", "--stacks", "build", "--secrets-provider", value)
    assert run.code == 0, run.err


def test_pulumi_clouds_provider_needs_pulumi_cloud(project: Path) -> None:
    run = run_pipeline(
        project, "up", "--keep-images", "--backend", "s3://state", "--secrets-provider", "default"
    )
    assert run.code == 2
    assert run.err == (
        "error: --secrets-provider default: Pulumi Cloud's secrets provider needs a Pulumi Cloud backend, not "
        "s3://state; choose passphrase or a key (awskms://...)\n"
    )


def test_a_refused_run_creates_no_local_state(project: Path, tmp_path: Path) -> None:
    state = tmp_path / "new"
    run = run_pipeline(project, "up", "--keep-images", "--backend", f"file://{state}", env={})
    assert run.code == 2
    assert "encrypt secrets with a passphrase" in run.err
    assert not state.exists()
