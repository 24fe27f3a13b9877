"""Each stack's config as ``pulumi up`` sees it (``config.sources``, ``config.files``): stack files
found where the Pulumi CLI finds them (``stackConfigDir``, the project file's extension), and ESC
imports either resolved through the CLI or refused with one message, never silently ignored.

Pulumi ESC needs Pulumi Cloud, so the CLI here is a STAND-IN on PATH that prints what
``pulumi config --json --show-secrets`` prints for a stack whose environment adds values (the shape of
pulumi/pulumi pkg/cmd/pulumi/config/config.go's configValueJSON). The engine stage runs the real CLI
on plain stack files (tests_engine/test_stack_config.py)."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.config.files import StackFileError, list_stacks, load_stack_config, stack_file
from components.config.sources import FILE, PULUMI, config_from_json, stack_config
from components.plan.project import plan_project
from components.verify.cli import main

ROOT = Path(__file__).resolve().parents[2]
STACKS = ("build", "dev", "staging", "prod")


def copy_project(target: Path, stacks_dir: Path | None = None, extension: str = ".yaml") -> Path:
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "Pulumi.yaml", target / f"Pulumi{extension}")
    folder = stacks_dir or target
    folder.mkdir(parents=True, exist_ok=True)
    for stack in STACKS:
        shutil.copy(ROOT / f"Pulumi.{stack}.yaml", folder / f"Pulumi.{stack}{extension}")
    return target


def cli_json(config: dict[str, Any]) -> str:
    """``pulumi config --json --show-secrets``: scalars as text, objects and lists also as objectValue."""
    entries: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, (dict, list)):
            entries[key] = {"value": json.dumps(value), "objectValue": value, "secret": False}
        else:
            entries[key] = {
                "value": str(value).lower() if isinstance(value, bool) else str(value),
                "secret": False,
            }
    return json.dumps(entries, indent=4)


def install_cli(bin_dir: Path, answers: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Path:
    """A STAND-IN ``pulumi`` on PATH: prints the canned JSON of the ``--stack`` it is asked for and
    records its argv and working folder."""
    bin_dir.mkdir()
    (bin_dir / "answers.json").write_text(json.dumps(answers))
    script = bin_dir / "pulumi"
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        "here = os.path.dirname(os.path.abspath(__file__))\n"
        "with open(os.path.join(here, 'calls.txt'), 'a') as calls:\n"
        "    calls.write(os.getcwd() + ' ' + ' '.join(sys.argv[1:]) + '\\n')\n"
        "stack = sys.argv[sys.argv.index('--stack') + 1]\n"
        "answers = json.load(open(os.path.join(here, 'answers.json')))\n"
        "if stack not in answers:\n"
        "    sys.stderr.write(f'error: no stack named {stack!r} found\\n')\n"
        "    sys.exit(255)\n"
        "sys.stdout.write(answers[stack])\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return bin_dir / "calls.txt"


def no_cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def move_into_esc(project: Path, stack: str, key: str) -> dict[str, Any]:
    """The stack file imports ESC environments and no longer holds ``key``; returns the full config."""
    path = stack_file(project, stack)
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    full = dict(document["config"])
    del document["config"][key]
    document["environment"] = ["ecr-share/dev", "aws/oidc"]
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return full


def test_stack_config_dir_is_where_the_stack_files_are(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", tmp_path / "p" / "stacks")
    with (project / "Pulumi.yaml").open("a") as file:
        file.write("stackConfigDir: stacks\n")
    assert list_stacks(project) == ["build", "dev", "prod", "staging"]
    assert stack_file(project, "dev") == project / "stacks" / "Pulumi.dev.yaml"
    assert set(plan_project(project).plans) == set(STACKS)


def test_the_older_config_key_names_the_folder_too_but_not_with_stack_config_dir(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", tmp_path / "p" / "stacks")
    with (project / "Pulumi.yaml").open("a") as file:
        file.write("config: stacks\n")
    assert list_stacks(project) == ["build", "dev", "prod", "staging"]
    with (project / "Pulumi.yaml").open("a") as file:
        file.write("stackConfigDir: other\n")
    with pytest.raises(StackFileError) as raised:
        list_stacks(project)
    assert str(raised.value) == (
        f"{project}/Pulumi.yaml: config: 'stacks' and stackConfigDir: 'other' both name the stack files' folder "
        "(the Pulumi CLI refuses both): keep stackConfigDir"
    )


def test_a_yml_project_reads_yml_stack_files(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p", extension=".yml")
    assert list_stacks(project) == ["build", "dev", "prod", "staging"]
    assert load_stack_config(project, "dev") == load_stack_config(ROOT, "dev")


def test_a_stack_file_the_cli_would_not_read_is_refused(tmp_path: Path) -> None:
    """With Pulumi.yaml the CLI reads Pulumi.<stack>.yaml only: a .yml beside it is never read."""
    project = copy_project(tmp_path / "p")
    (project / "Pulumi.dev.yaml").rename(project / "Pulumi.dev.yml")
    with pytest.raises(StackFileError) as raised:
        list_stacks(project)
    assert str(raised.value) == (
        f"{project}/Pulumi.dev.yml: the Pulumi CLI reads stack files named like the project file (Pulumi.yaml), "
        "so it ignores this one: rename it Pulumi.dev.yaml"
    )


def test_esc_imports_without_a_cli_are_refused_naming_the_environments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "p")
    move_into_esc(project, "dev", "aws:allowedAccountIds")
    no_cli(monkeypatch, tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert main(["verify", "--stacks-dir", str(project)], out=out, err=err) == 2
    assert (out.getvalue(), err.getvalue()) == (
        "",
        f"ecr-share verify: error: {project}/Pulumi.dev.yaml: environment: imports Pulumi ESC environments "
        "(ecr-share/dev, aws/oidc), whose values are not in this file, and no pulumi command is on PATH: read the "
        "stack's config through the Pulumi CLI, logged in to the stack's backend (verify --config-source pulumi, "
        "which runs pulumi config --json --show-secrets), or see what they add with esc env open ecr-share/dev\n",
    )


def test_config_source_file_refuses_esc_imports_even_with_a_cli(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "p")
    move_into_esc(project, "dev", "aws:allowedAccountIds")
    calls = install_cli(tmp_path / "bin", {}, monkeypatch)
    with pytest.raises(StackFileError, match=r"imports Pulumi ESC environments \(ecr-share/dev, aws/oidc\)"):
        stack_config(project, "dev", FILE)
    assert not calls.exists()


def test_with_a_cli_the_esc_values_are_the_ones_verified(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A value moved into ESC is not missing: the CLI's view (environment opened) is planned. Only the
    stack that imports environments asks the CLI; the others are read from their files (auto)."""
    project = copy_project(tmp_path / "p")
    full = move_into_esc(project, "dev", "aws:allowedAccountIds")
    calls = install_cli(tmp_path / "bin", {"dev": cli_json(full)}, monkeypatch)
    out, err = io.StringIO(), io.StringIO()
    assert main(["verify", "--stacks-dir", str(project)], out=out, err=err) == 0, err.getvalue()
    assert calls.read_text().splitlines() == [f"{project} config --json --show-secrets --stack dev"]
    assert stack_config(project, "dev") == {
        **{k: str(v) for k, v in full.items() if not isinstance(v, (list, dict))},
        **{k: v for k, v in full.items() if isinstance(v, (list, dict))},
    }


def test_config_source_pulumi_asks_the_cli_for_every_stack(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "p")
    answers = {stack: cli_json(load_stack_config(project, stack)) for stack in STACKS}
    calls = install_cli(tmp_path / "bin", answers, monkeypatch)
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", "--stacks-dir", str(project), "--config-source", PULUMI], out=out, err=err)
    assert code == 0, err.getvalue()
    assert sorted(calls.read_text().splitlines()) == [
        f"{project} config --json --show-secrets --stack {stack}" for stack in sorted(STACKS)
    ]


def test_a_stack_the_cli_does_not_know_is_one_sentence(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = copy_project(tmp_path / "p")
    install_cli(tmp_path / "bin", {}, monkeypatch)
    with pytest.raises(StackFileError) as raised:
        stack_config(project, "dev", PULUMI)
    assert str(raised.value) == (
        "pulumi config --stack dev failed: error: no stack named 'dev' found (the stack must exist in the "
        "backend the CLI is logged in to: pulumi login, pulumi stack ls)"
    )


def test_a_secret_the_cli_did_not_show_is_named() -> None:
    with pytest.raises(StackFileError) as raised:
        config_from_json("dev", json.dumps({"aws:profile": {"secret": True}}))
    assert str(raised.value) == (
        "pulumi config --stack dev: aws:profile is a secret it did not show (--show-secrets needs the stack's "
        "secrets provider: PULUMI_CONFIG_PASSPHRASE, or access to its key)"
    )


def test_an_inline_environment_names_its_imports_and_values(tmp_path: Path) -> None:
    project = copy_project(tmp_path / "p")
    path = stack_file(project, "dev")
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["environment"] = {"imports": ["shared", {"aws/oidc": {"merge": False}}], "values": {"x": 1}}
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    with pytest.raises(StackFileError, match=r"imports Pulumi ESC environments \(shared, aws/oidc, values\)"):
        load_stack_config(project, "dev")
