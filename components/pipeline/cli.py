"""``python -m components.pipeline <command> [options]``: deploy the build stack, then the environments.

Exit codes: 0 every stack succeeded; 1 a stack failed or was cancelled; 2 nothing was run (usage or
environment error, or destroy not confirmed); 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from pulumi import automation as auto

from components.config.files import project_dir_default
from components.pipeline import plan as planning
from components.pipeline.report import CANCELLED, FAILED, Console, summary_table, verdict
from components.pipeline.runner import Runner, Settings
from components.pipeline.stacks import PipelineError, StackInfo, discover

MISSING_CLI = (
    "The Pulumi CLI was not found on PATH; install it with `curl -fsSL https://get.pulumi.com | sh` "
    "(see https://www.pulumi.com/docs/install/) and try again."
)
STATE_FOLDER = ".pulumi-state"
PASSPHRASE_VARIABLES = ("PULUMI_CONFIG_PASSPHRASE", "PULUMI_CONFIG_PASSPHRASE_FILE")


def short_commit(project_dir: Path) -> str | None:
    """``git rev-parse --short HEAD``, the tag the seed's pipeline gives each image."""
    try:
        done = subprocess.run(
            ["git", "-C", str(project_dir), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=False,
        )
    except OSError:
        return None
    return done.stdout.strip() if done.returncode == 0 and done.stdout.strip() else None


def _writer(stream: TextIO) -> Callable[[str], None]:
    """Write and flush, so CI logs show each engine line as it comes."""

    def write(text: str) -> None:
        stream.write(text)
        stream.flush()

    return write


@dataclass
class Environment:
    """Everything the pipeline takes from the outside world, so tests can replace each part."""

    env: Mapping[str, str] = field(default_factory=lambda: os.environ)
    write: Callable[[str], Any] = field(default_factory=lambda: _writer(sys.stdout))
    write_error: Callable[[str], Any] = field(default_factory=lambda: _writer(sys.stderr))
    ask: Callable[[str], str] = input
    pulumi_command: Callable[[], auto.PulumiCommand] = auto.PulumiCommand
    git_commit: Callable[[Path], str | None] = short_commit
    settings: Settings = field(default_factory=Settings)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m components.pipeline",
        description="Run a Pulumi command on every ecr-share stack: the build stack first, then the "
        "environment stacks (destroy: the reverse).",
    )
    p.add_argument("command", choices=planning.COMMANDS)
    p.add_argument("--stacks", metavar="A,B", help="only these stacks (default: every Pulumi.<stack>.yaml)")
    order = p.add_mutually_exclusive_group()
    order.add_argument(
        "--promote",
        metavar="ENV,ENV",
        help="environment stacks one after another in this order (e.g. dev,staging,prod); "
        "a failure stops the promotion",
    )
    order.add_argument(
        "--parallel", type=int, default=2, metavar="N", help="environment stacks at once (default 2)"
    )
    image = p.add_mutually_exclusive_group()
    image.add_argument(
        "--image-tag", metavar="TAG", help="image tag for every service (default: git short hash)"
    )
    image.add_argument("--image-digest", metavar="SHA256", help="image digest (sha256:...) for every service")
    image.add_argument("--keep-images", action="store_true", help="keep the images the stack files name")
    p.add_argument("--yes", "-y", action="store_true", help="do not ask before destroy")
    p.add_argument(
        "--backend",
        metavar="URL",
        help=f"state backend (default: $PULUMI_BACKEND_URL, else file://<project>/{STATE_FOLDER})",
    )
    p.add_argument("--project-dir", type=Path, default=project_dir_default(), help="folder of Pulumi.yaml")
    p.add_argument(
        "--retries",
        type=int,
        default=3,
        metavar="N",
        help="retries after a concurrent update, with backoff 5s, 10s, 20s... (default 3)",
    )
    p.add_argument(
        "--exclude-protected",
        action="store_true",
        help="destroy: leave protected resources (the shared repositories) in place",
    )
    return p


def main(argv: Sequence[str] | None = None, environment: Environment | None = None) -> int:
    environment = environment or Environment()
    args = parser().parse_args(argv)
    console = Console(environment.write)
    errors = Console(environment.write_error)
    try:
        stacks, plan, backend = prepare(args, environment)
    except PipelineError as error:
        errors.line(f"error: {error}")
        return 2
    for warning in planning.credential_warnings(plan, stacks):
        errors.line(warning)
    try:
        command = environment.pulumi_command()
    except FileNotFoundError:
        errors.line(MISSING_CLI)
        return 2
    except auto.InvalidVersionError as error:
        errors.line(f"error: {error}")
        return 2
    try:
        if plan.command == "destroy" and not args.yes and not confirmed(plan, backend, environment, errors):
            return 2
        workspace = auto.LocalWorkspace(
            work_dir=str(args.project_dir), env_vars={"PULUMI_BACKEND_URL": backend}, pulumi_command=command
        )
        settings = replace(
            environment.settings, retries=args.retries, exclude_protected=args.exclude_protected
        )
        console.line(f"{plan.command}: {plan.describe()}")
        console.line(f"backend {backend}" + (f"; {plan.image.describe()}" if plan.image else ""))
        runner = Runner(workspace, stacks, plan, planning.config_changes(plan, stacks), console, settings)
        outcomes = runner.run()
    except KeyboardInterrupt:
        errors.line("Interrupted.")
        return 130
    console.line()
    for row in summary_table(outcomes, {name: stacks[name].kind for name in plan.order}):
        console.line(row)
    console.line(verdict(outcomes))
    if runner.interrupted:
        return 130
    return 1 if any(o.result in (FAILED, CANCELLED) for o in outcomes) else 0


def prepare(
    args: argparse.Namespace, environment: Environment
) -> tuple[dict[str, StackInfo], planning.Plan, str]:
    """Everything checked before the CLI is touched: stack files, selection, order, image, backend."""
    project: Path = args.project_dir.resolve()
    stacks = discover(project)
    selected = planning.select(stacks, _names(args.stacks))
    image = _image(args, project, environment)
    plan = planning.make_plan(
        args.command, stacks, selected, promote=_names(args.promote), parallel=args.parallel, image=image
    )
    planning.check_configs(plan, stacks)
    if args.retries < 0:
        raise PipelineError(f"--retries must be 0 or more, not {args.retries}")
    return stacks, plan, _backend(args.backend, project, environment.env)


def _names(value: str | None) -> list[str] | None:
    return None if value is None else [name.strip() for name in value.split(",") if name.strip()]


def _image(args: argparse.Namespace, project: Path, environment: Environment) -> planning.Image | None:
    if args.image_tag is not None or args.image_digest is not None:
        return planning.image_from(args.image_tag, args.image_digest)
    if args.keep_images or args.command not in planning.IMAGE_COMMANDS:
        return None
    commit = environment.git_commit(project)
    if commit is None:
        raise PipelineError(
            f"{project} is not a git checkout with a commit, so there is no default image tag; "
            "pass --image-tag, --image-digest or --keep-images"
        )
    return planning.image_from(commit, None)


def _backend(flag: str | None, project: Path, env: Mapping[str, str]) -> str:
    """``--backend``, else ``$PULUMI_BACKEND_URL``, else a state folder inside the project."""
    backend = flag or env.get("PULUMI_BACKEND_URL")
    if backend is None:
        (project / STATE_FOLDER).mkdir(exist_ok=True)
        backend = f"file://{project / STATE_FOLDER}"
    is_diy = not backend.startswith(("https://", "http://"))
    if is_diy and not any(name in env for name in PASSPHRASE_VARIABLES):
        raise PipelineError(
            f"the {backend} backend encrypts stack secrets with a passphrase: set PULUMI_CONFIG_PASSPHRASE "
            "or PULUMI_CONFIG_PASSPHRASE_FILE"
        )
    return backend


def confirmed(plan: planning.Plan, backend: str, environment: Environment, errors: Console) -> bool:
    question = (
        f"Destroy every resource of {', '.join(plan.order)} (backend {backend})? "
        'This cannot be undone. Type "yes" to continue: '
    )
    try:
        answer = environment.ask(question)
    except EOFError:
        errors.line("error: destroy needs confirmation; pass --yes when there is no terminal to answer")
        return False
    if answer.strip().lower() != "yes":
        errors.line("Destroy not confirmed; nothing was changed.")
        return False
    return True
