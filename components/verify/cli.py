"""``python -m components verify``: prove who can pull, offline from the stack files or live."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from components.audit.cli import add_parser as add_audit_parser
from components.config.credentials import StackCredentials
from components.config.new_environment import add_parser as add_new_environment_parser
from components.config.sources import AUTO, SOURCES
from components.verify.deployments import Deployment, VerifyError, load_deployments
from components.verify.intended import DeployedState, intended_state
from components.verify.matrix import AccessMatrix, build_matrix
from components.verify.report import EXIT_ERROR, Report, render_json, render_markdown, render_table

if TYPE_CHECKING:
    from components.verify.live import SessionFor

RENDERERS = {"table": render_table, "json": render_json, "markdown": render_markdown}


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m components", description="ecr-share command line tools.")
    commands = main.add_subparsers(dest="command", required=True)
    verify = commands.add_parser(
        "verify",
        help="prove who can pull, write, delete or administer each registry, key and role",
        description=(
            "Plan every stack from its stack file and analyze every policy the plans register (repository, "
            "registry, key, trust and identity policies): print who can pull what, with the seed's three "
            "checks, and every access of any class (pull, push, replicate-in, delete, administration, key "
            "use, role assumption) that the config does not declare. Exit codes: 0 every intended pull "
            "allowed and nothing else; 1 an intended pull is denied, an access the config does not declare "
            "is allowed, (--live) drift or (--access-analyzer) a disagreement; 2 error (stack files, config, "
            "credentials); 3 some access cannot be proven."
        ),
    )
    verify.add_argument(
        "--stacks-dir",
        type=Path,
        default=Path("."),
        metavar="DIR",
        help="the project folder holding Pulumi.yaml and Pulumi.<stack>.yaml (default: current folder)",
    )
    verify.add_argument(
        "--stack",
        action="append",
        default=[],
        metavar="NAME",
        help="verify only this stack (repeatable); a build stack brings all its environments",
    )
    verify.add_argument("--format", choices=sorted(RENDERERS), default="table", help="output format")
    verify.add_argument(
        "--config-source",
        choices=SOURCES,
        default=AUTO,
        help="where each stack's config comes from: its stack file (file), the Pulumi CLI's pulumi config "
        "--json --show-secrets, which resolves ESC environments (pulumi), or the file unless it imports ESC "
        "environments (auto, the default; docs/stack-config.md)",
    )
    verify.add_argument(
        "--live",
        action="store_true",
        help="read what is deployed with boto3 (policies, repository and registry settings, templates, "
        "roles, task definitions) and report drift from the plans",
    )
    verify.add_argument(
        "--access-analyzer",
        action="store_true",
        help="also send each planned resource policy to IAM Access Analyzer's custom policy checks "
        "(CheckNoPublicAccess, CheckAccessNotGranted; charged per check) with the build stack's "
        "credentials, and report where AWS and the offline analysis disagree",
    )
    verify.add_argument(
        "--profile",
        action="append",
        default=[],
        metavar="[STACK=]PROFILE",
        help="with --live or --access-analyzer: AWS profile for every stack, or for one stack "
        "(repeatable); default: each stack's aws:profile",
    )
    verify.add_argument(
        "--default-credentials",
        action="store_true",
        help="with --live or --access-analyzer: ignore aws:profile in the stack files and use the "
        "default credential chain",
    )
    verify.add_argument(
        "--pull",
        action="store_true",
        help="with --live: instead of the access matrix, pull each service's image as its stack would "
        "(GetAuthorizationToken, BatchGetImage, the config blob) and simulate the execution role's pull; "
        "exit 1 on any failed pull",
    )
    verify.add_argument(
        "--docker", action="store_true", help="with --pull: also run docker login and docker pull"
    )
    add_audit_parser(commands)
    add_new_environment_parser(commands)
    return main


def main(
    argv: Sequence[str] | None = None,
    *,
    session_for: SessionFor | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    args = parser().parse_args(argv)
    if args.command == "audit":
        from components.audit.cli import run as run_audit

        return run_audit(args, session_for=session_for, out=out, err=err)
    if args.command == "new-environment":
        from components.config.new_environment import run as run_new_environment

        return run_new_environment(args, out=out, err=err)
    try:
        if (args.profile or args.default_credentials) and not (args.live or args.access_analyzer):
            raise VerifyError(
                "--profile and --default-credentials only apply with --live or --access-analyzer"
            )
        if args.live and args.access_analyzer:
            raise VerifyError("--access-analyzer checks the planned documents: run it without --live")
        if (args.pull and not args.live) or (args.docker and not args.pull):
            raise VerifyError("--pull only applies with --live, and --docker only with --pull")
        deployments = load_deployments(args.stacks_dir, args.stack, args.config_source)
        if args.pull:
            return _pull(deployments, args, session_for, out)
        if args.live:
            matrices = _live(deployments, args.profile, args.default_credentials, session_for)
        else:
            matrices = tuple(build_matrix(d, intended_state(d)) for d in deployments)
        if args.access_analyzer:
            matrices = tuple(
                _second_opinion(m, d, args.profile, args.default_credentials, session_for)
                for m, d in zip(matrices, deployments, strict=True)
            )
    except VerifyError as error:
        err.write(f"ecr-share verify: error: {error}\n")
        return EXIT_ERROR
    report = Report(args.live, str(args.stacks_dir), matrices)
    out.write(RENDERERS[args.format](report))
    return report.exit_code


def _live(
    deployments: Sequence[Deployment],
    profile_args: Sequence[str],
    default_credentials: bool,
    session_for: SessionFor | None,
) -> tuple[AccessMatrix, ...]:
    from components.verify.drift import state_drift
    from components.verify.live import Sessions, default_session, read_live_documents
    from components.verify.live_settings import live_settings_drift

    matrices = []
    for deployment in deployments:
        sessions = Sessions(
            session_for or default_session, _credentials(deployment, profile_args, default_credentials)
        )
        planned = intended_state(deployment)
        live = read_live_documents(deployment, sessions)
        drift = [*state_drift(deployment, planned, live)]
        drift += live_settings_drift(deployment, sessions)
        matrices.append(build_matrix(deployment, with_planned_rest(live, planned), drift))
    return tuple(matrices)


def _second_opinion(
    matrix: AccessMatrix,
    deployment: Deployment,
    profile_args: Sequence[str],
    default_credentials: bool,
    session_for: SessionFor | None,
) -> AccessMatrix:
    """IAM Access Analyzer's answers on the build's planned policies, through the build stack's
    credentials in its Region (any account's credentials can run the checks)."""
    from components.verify.access.analyzer import second_opinion
    from components.verify.live import Sessions, default_session

    build = deployment.build
    credentials = _credentials(deployment, profile_args, default_credentials)
    where = f"stack {build.stack}, {credentials[build.stack].describe()}"
    assert matrix.analysis is not None
    sessions = Sessions(session_for or default_session, credentials)

    def client() -> Any:
        return sessions.unchecked(build).client("accessanalyzer", region_name=build.region)

    return replace(matrix, opinions=second_opinion(matrix.analysis, client, where))


def with_planned_rest(live: DeployedState, planned: DeployedState) -> DeployedState:
    """The live documents, and the planned ones live mode does not read: registry policies (their
    statements are compared as drift, live_settings.py), and the roles a plan creates besides the
    execution roles. The analysis then evaluates both."""
    return replace(
        live,
        roles={**planned.roles, **live.roles},
        registry_policies={**planned.registry_policies, **live.registry_policies},
    )


def _pull(
    deployments: Sequence[Deployment], args: argparse.Namespace, session_for: SessionFor | None, out: TextIO
) -> int:
    from components.verify.live import Sessions, default_session
    from components.verify.pull_report import RENDERERS as PULL_RENDERERS
    from components.verify.pull_report import exit_code
    from components.verify.pull_test import Docker, pull_test

    def sessions_of(deployment: Deployment) -> Sessions:
        return Sessions(
            session_for or default_session, _credentials(deployment, args.profile, args.default_credentials)
        )

    pulls = pull_test(deployments, sessions_of, Docker() if args.docker else None)
    out.write(PULL_RENDERERS[args.format](pulls))
    return exit_code(pulls)


def _credentials(
    deployment: Deployment, profile_args: Sequence[str], default_credentials: bool
) -> dict[str, StackCredentials]:
    """Each reachable stack's provider credentials; ``--profile`` and ``--default-credentials``
    replace only the base credentials, so the roles the stack file assumes are still assumed."""
    stacks = [s.stack for s in deployment.reachable]
    chosen = {s: deployment.credentials.get(s) or StackCredentials() for s in stacks}
    if default_credentials:
        chosen = {s: c.with_profile(None) for s, c in chosen.items()}
    for value in profile_args:
        stack, separator, profile = value.rpartition("=")
        if not separator:
            chosen = {s: c.with_profile(profile) for s, c in chosen.items()}
        elif stack in chosen:
            chosen[stack] = chosen[stack].with_profile(profile)
    return chosen
