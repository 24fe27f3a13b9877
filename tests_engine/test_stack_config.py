"""The real Pulumi CLI's view of each stack's config (``verify --config-source pulumi``, which runs
``pulumi config --json --show-secrets``) plans exactly what the stack files alone plan, on a file
backend. ESC environments need Pulumi Cloud: the unit tests cover them with a stand-in CLI."""

from __future__ import annotations

from tests_engine.conftest import Engine

STACKS = ("build", "dev", "staging", "prod")


def test_verify_through_the_cli_reports_what_the_files_report(engine: Engine) -> None:
    for stack in STACKS:
        engine.pulumi("stack", "init", stack)
    from_files = engine.python("-m", "components", "verify", "--config-source", "file", "--format", "json")
    through_cli = engine.python("-m", "components", "verify", "--config-source", "pulumi", "--format", "json")
    assert through_cli.stdout == from_files.stdout
    assert '"exitCode": 0' in through_cli.stdout


def test_a_stack_the_backend_does_not_have_is_one_sentence(engine: Engine) -> None:
    engine.pulumi("stack", "init", "build")
    result = engine.python("-m", "components", "verify", "--config-source", "pulumi", check=False)
    assert result.returncode == 2
    assert result.stderr.startswith("ecr-share verify: error: pulumi config --stack dev failed: error: ")
    assert result.stderr.endswith(
        "(the stack must exist in the backend the CLI is logged in to: pulumi login, pulumi stack ls)\n"
    )
