"""``ecr-share new-environment``: the stack file it writes passes the program's checks and plans, the
build stack's grant gains exactly one line (everything else byte for byte), and every bad input gets
one message and writes nothing."""

from __future__ import annotations

import argparse
import io
import shutil
from pathlib import Path

import pytest

from components.config.files import load_stack_config
from components.config.new_environment import TEMPLATE, add_parser, run
from components.config.stack import parse_stack_config
from components.plan.project import plan_project
from tests.support.pulumi_harness import PROJECT_DIR

ACCOUNT = "555555555555"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the project's stack files (the repository's are never edited)."""
    for path in PROJECT_DIR.glob("Pulumi*.yaml"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def new_environment(project: Path, *args: str) -> tuple[int, str, str]:
    """The command as ``ecr-share`` parses and runs it."""
    parser = argparse.ArgumentParser()
    add_parser(parser.add_subparsers(dest="command", required=True))
    out, err = io.StringIO(), io.StringIO()
    code = run(parser.parse_args(["new-environment", *args, "--stacks-dir", str(project)]), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def files(project: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(project.iterdir())}


def test_it_writes_the_stack_file_and_adds_one_line_to_the_grant(project: Path) -> None:
    before = files(project)
    code, out, err = new_environment(project, "qa", "--account", ACCOUNT, "--region", "us-east-2")
    assert (code, err) == (0, "")
    assert out == (
        f"Wrote {project / 'Pulumi.qa.yaml'}.\n"
        f"Added the account to ecr-share:access.accounts in {project / 'Pulumi.build.yaml'}.\n"
    )
    after = files(project)
    assert set(after) == {*before, "Pulumi.qa.yaml"}
    assert after["Pulumi.qa.yaml"] == TEMPLATE.format(
        name="qa",
        account=ACCOUNT,
        region="us-east-2",
        build="build",
        # As the committed environment files name their build stack.
        build_reference=load_stack_config(project, "dev")["ecr-share:buildStack"],
        service="web-app",
        repository="web-app",
    )
    # The round trip: the build file is the old one with one line inserted after the last account.
    old_lines, new_lines = before["Pulumi.build.yaml"].splitlines(), after["Pulumi.build.yaml"].splitlines()
    added = new_lines.index(f'      - "{ACCOUNT}"   # qa')
    assert old_lines[added - 1] == '      - "444444444444"   # prod'
    assert new_lines[:added] + new_lines[added + 1 :] == old_lines
    assert {
        name: text for name, text in after.items() if name not in ("Pulumi.qa.yaml", "Pulumi.build.yaml")
    } == {name: text for name, text in before.items() if name != "Pulumi.build.yaml"}
    # The program's own checks and plan: the new stack pulls from the build stack that now grants it.
    plans = plan_project(project)
    assert plans.configs["qa"] == parse_stack_config("qa", load_stack_config(project, "qa"))
    assert ACCOUNT in plans.configs["build"].access.accounts  # type: ignore[union-attr]
    assert "qa" in plans.plans


def test_print_writes_nothing_and_shows_the_file_and_the_diff(project: Path) -> None:
    before = files(project)
    code, out, _ = new_environment(project, "qa", "--account", ACCOUNT, "--region", "us-east-1", "--print")
    assert code == 0 and files(project) == before
    assert out.startswith(f"{project / 'Pulumi.qa.yaml'} would be:\n\n# The qa account:")
    assert (
        f"and {project / 'Pulumi.build.yaml'} would change:\n\n"
        "--- a/Pulumi.build.yaml\n+++ b/Pulumi.build.yaml\n"
    ) in out
    assert f'\n+      - "{ACCOUNT}"   # qa\n' in out


def test_an_organization_grant_is_not_edited_and_says_why(project: Path) -> None:
    build = project / "Pulumi.build.yaml"
    text = build.read_text(encoding="utf-8")
    accounts = '    accounts:\n      - "222222222222"   # dev\n      - "333333333333"   # staging\n      - "444444444444"   # prod\n'
    assert accounts in text
    build.write_text(text.replace(accounts, "    organizationId: o-abc123def4\n"), encoding="utf-8")
    before = files(project)
    code, out, _ = new_environment(project, "qa", "--account", ACCOUNT, "--region", "us-east-1")
    assert code == 0
    assert files(project) == {**before, "Pulumi.qa.yaml": files(project)["Pulumi.qa.yaml"]}
    assert out == (
        f"Wrote {project / 'Pulumi.qa.yaml'}.\n"
        f"The build stack grants the organization o-abc123def4: nothing to add if account {ACCOUNT} is a "
        "member (and within organizationPaths, if set); `ecr-share verify` shows whether it can pull.\n"
    )


def test_a_flow_list_of_accounts_gets_the_account_in_place(project: Path) -> None:
    build = project / "Pulumi.build.yaml"
    text = build.read_text(encoding="utf-8")
    block = '    accounts:\n      - "222222222222"   # dev\n      - "333333333333"   # staging\n      - "444444444444"   # prod\n'
    build.write_text(
        text.replace(block, '    accounts: ["222222222222", "333333333333", "444444444444"]  # all\n')
    )
    assert new_environment(project, "qa", "--account", ACCOUNT, "--region", "us-east-1")[0] == 0
    assert (
        f'    accounts: ["222222222222", "333333333333", "444444444444", "{ACCOUNT}"]  # all\n'
        in build.read_text(encoding="utf-8")
    )


def test_a_layout_it_cannot_edit_safely_is_left_alone_and_the_change_printed(project: Path) -> None:
    build = project / "Pulumi.build.yaml"
    text = build.read_text(encoding="utf-8")
    block = '    accounts:\n      - "222222222222"   # dev\n      - "333333333333"   # staging\n      - "444444444444"   # prod\n'
    # A list item the editor does not parse (an anchor): it must not guess where the line goes.
    build.write_text(text.replace(block, block.replace('- "333333333333"', '- &staging "333333333333"')))
    before = build.read_text(encoding="utf-8")
    code, out, _ = new_environment(project, "qa", "--account", ACCOUNT, "--region", "us-east-1")
    assert code == 0 and build.read_text(encoding="utf-8") == before
    assert out.endswith(
        "The build stack's accounts list is laid out in a way this command does not edit. Add it by hand, "
        f'then run `ecr-share verify`: ecr-share:access.accounts gets "{ACCOUNT}".\n'
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["q/a", "--account", ACCOUNT, "--region", "us-east-1"],
            'NAME: "q/a" is not a stack name: letters, digits, "-", "_" and "." (like "qa")',
        ),
        (
            ["qa", "--account", "5555", "--region", "us-east-1"],
            '--account: "5555" is not a 12-digit AWS account ID',
        ),
        (
            ["qa", "--account", ACCOUNT, "--region", "mars-1"],
            '--region: "mars-1" is not an AWS Region name like "us-east-1"',
        ),
        (
            ["qa", "--account", ACCOUNT, "--region", "us-east-1", "--build-stack", "dev"],
            '--build-stack: "dev" is not a build stack of this project (build stacks: build)',
        ),
        (
            ["a" * 60, "--account", ACCOUNT, "--region", "us-east-1"],
            "the new stack would not pass the program's checks",
        ),
    ],
)
def test_each_bad_input_gets_one_message_and_writes_nothing(
    project: Path, args: list[str], message: str
) -> None:
    before = files(project)
    code, out, err = new_environment(project, *args)
    assert (code, out) == (2, "")
    assert err.startswith(f"ecr-share new-environment: error: {message}") and err.count("\n") == 1
    assert files(project) == before


def test_an_existing_stack_file_is_never_overwritten(project: Path) -> None:
    before = files(project)
    code, _, err = new_environment(project, "dev", "--account", ACCOUNT, "--region", "us-east-1")
    assert code == 2 and files(project) == before
    assert err == (
        f"ecr-share new-environment: error: {project / 'Pulumi.dev.yaml'} exists: choose another NAME "
        "(nothing is overwritten)\n"
    )


def test_a_grant_that_needs_no_line_is_left_alone(project: Path) -> None:
    """dev's account is granted already (a second environment there, in another Region: one Region
    holds one stack's log groups and task families); the build account owns the repositories."""
    build = (project / "Pulumi.build.yaml").read_text(encoding="utf-8")
    for account, region, note in [
        ("222222222222", "us-west-2", "The build stack already grants account 222222222222."),
        (
            "111111111111",
            "us-east-1",
            "Account 111111111111 is the build stack's own: it owns the repositories and needs no grant.",
        ),
    ]:
        code, out, err = new_environment(project, "qa", "--account", account, "--region", region, "--print")
        assert (code, err) == (0, "")
        assert out.endswith(f"\n{note}\n") and "would change" not in out
    assert (project / "Pulumi.build.yaml").read_text(encoding="utf-8") == build


def test_ecr_share_runs_it_as_a_subcommand(project: Path) -> None:
    """``python -m components new-environment`` (and the ``ecr-share`` console script)."""
    from components.verify.cli import main

    out, err = io.StringIO(), io.StringIO()
    args = ["new-environment", "qa", "--account", ACCOUNT, "--region", "us-east-1", "--print"]
    assert main([*args, "--stacks-dir", str(project)], out=out, err=err) == 0
    assert out.getvalue().startswith(f"{project / 'Pulumi.qa.yaml'} would be:\n")
