"""``python -m components.pipeline <command> [options]``: release images to the ecr-share stacks.

Each command's ``--help`` shows its examples and the exit codes (``EXIT_CODES``). Everything that
can be checked without the Pulumi CLI and AWS is checked here (``prepare``); ``run.release`` does the rest.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from components.config import values
from components.config.files import project_dir_default
from components.config.model import BuildStack
from components.config.stack import parse_stack_config
from components.errors import ConfigError
from components.pipeline import plan as planning
from components.pipeline import remote
from components.pipeline.backends import checked_secrets_provider, choose_backend
from components.pipeline.backfill import backfill, destinations
from components.pipeline.gate import DEFAULT_FAIL_ON, FAIL_ON_CHOICES
from components.pipeline.images import (
    ImageRequest,
    image_requests,
    parse_image,
    repositories_run_by,
    with_requests,
)
from components.pipeline.pending import completed, half_done
from components.pipeline.registry import RegistryError, RegistryReader
from components.pipeline.release import Gate
from components.pipeline.replication import ReplicationGate
from components.pipeline.report import Console
from components.pipeline.run import Environment, Prepared, build_registry_of, checked_backend, release
from components.pipeline.stacks import PipelineError, StackInfo, discover
from components.project import ENVIRONMENT

DEFAULT_SCAN_TIMEOUT = 600.0
DEFAULT_REPLICATION_TIMEOUT = 900.0
PROG = "python -m components.pipeline"
EXIT_CODES = """exit codes:
  0    every selected stack succeeded
  1    a stack failed or was cancelled (the replication gate fails a stack whose
       images did not replicate), or the release was refused (an image is missing
       from the build registry, or the scan or signature gate stopped it: nothing
       deployed); backfill: a backfill or an image in it failed
  2    nothing was run: a usage or environment error (bad flag or stack file, no
       Pulumi CLI, no backend, no passphrase where a stack needs one, an option
       --remote cannot use, build stack not deployed), or destroy not confirmed
       or refused (deployed stacks outside the run depend on one it destroys)
  130  stopped by SIGINT (Ctrl-C); 143 stopped by SIGTERM (CI cancellation)"""

EXAMPLES = {
    "preview": f"""examples:
  {PROG} preview --promote dev,staging,prod
  {PROG} preview --stacks prod --image web-app=v1.3.0 --image worker=v1.3.0

The stack files are not changed: the preview reads a copy with the digests pinned.""",
    "up": f"""examples:
  {PROG} up --stacks build
  {PROG} up --promote dev,staging,prod
  {PROG} up --promote dev,staging,prod --image web-app=v1.3.0 --fail-on HIGH
  {PROG} up --stacks dev,staging --parallel 2 --image-tag 4f2a9c1

Each repository's tag is resolved to its digest in the build registry, the scan gate
checks each image, and every environment service is pinned to its repository's digest.""",
    "promote": f"""examples:
  {PROG} promote --from staging --to prod

Deploys to prod exactly the digests staging runs (its images output), after the
same registry check and scan gate.""",
    "refresh": f"""examples:
  {PROG} refresh
  {PROG} refresh --stacks prod""",
    "destroy": f"""examples:
  {PROG} destroy --promote dev,staging,prod
  {PROG} destroy --yes --stacks dev

A stack that deployed stacks outside the run depend on (the build stack: every environment;
a stack another one deploys after) is not destroyed unless they are in the run or
--force-dependents is given.""",
    "backfill": f"""examples:
  {PROG} backfill --to prod

Starts one ECR replication backfill per replica registry the stacks pull from, and
follows it until it ends (exit 1 when it failed or an image failed to replicate).""",
    "outputs": f"""examples:
  {PROG} outputs
  {PROG} outputs --stacks staging | jq -r '.staging.images'""",
}
SUMMARIES = {
    "preview": "show what up would change, with the release's images (no stack file is changed)",
    "up": "deploy: the build stack first, then the environments with the release's digests",
    "promote": "deploy the digests one environment runs to the next ones",
    "refresh": "refresh every selected stack's state from AWS",
    "destroy": "destroy the selected stacks, environments first",
    "outputs": "print the selected stacks' outputs as JSON",
    "backfill": "replicate images pushed before a replication rule existed to the environments' replicas",
}


# --- the command line ------------------------------------------------------------------------


def _common() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--backend",
        metavar="URL",
        help="state backend (default: $PULUMI_BACKEND_URL, else backend.url in Pulumi.yaml, else the backend "
        "the Pulumi CLI is logged in to); a file://PATH folder that does not exist yet is created (a new "
        "local state) only when this flag names it",
    )
    p.add_argument(
        "--secrets-provider",
        metavar="PROVIDER",
        help="secrets provider of the stacks the pipeline creates: passphrase, default (Pulumi Cloud), "
        "awskms://..., azurekeyvault://..., gcpkms://... or hashivault://... (default: the backend's); "
        "an existing stack keeps the one its stack file records",
    )
    p.add_argument(
        "--org",
        metavar="NAME",
        help="Pulumi Cloud organization of the stacks (default: the CLI's default organization, else "
        'your user); a DIY backend only accepts "organization"',
    )
    p.add_argument("--project-dir", type=Path, default=project_dir_default(), help="folder of Pulumi.yaml")
    return p


def _selection(with_order: bool = True) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--stacks",
        metavar="A,B",
        help="only these stacks, in this order (default: every Pulumi.<stack>.yaml, each environment after "
        "the ones its ecr-share:deployAfter names); an empty value is an error",
    )
    if with_order:
        order = p.add_mutually_exclusive_group()
        order.add_argument(
            "--promote",
            metavar="ENV,ENV",
            help="environment stacks one after another in this order (e.g. dev,staging,prod); "
            "a failure stops the promotion",
        )
        order.add_argument(
            "--parallel",
            type=int,
            default=2,
            metavar="N",
            help="environment stacks in waves of N, in the order given; each wave starts when the "
            "previous one succeeded, and a stack never shares one with a stack it deploys after (default 2)",
        )
    return p


def _gate() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--fail-on",
        choices=FAIL_ON_CHOICES,
        default=DEFAULT_FAIL_ON,
        help=f"stop the release when an image has a scan finding of this severity or worse (default {DEFAULT_FAIL_ON}; "
        "none: do not read the findings)",
    )
    p.add_argument(
        "--scan-timeout",
        type=float,
        default=DEFAULT_SCAN_TIMEOUT,
        metavar="SECONDS",
        help=f"wait this long for scans still in progress (default {DEFAULT_SCAN_TIMEOUT:g})",
    )
    p.add_argument(
        "--replication-timeout",
        type=float,
        default=DEFAULT_REPLICATION_TIMEOUT,
        metavar="SECONDS",
        help="before updating an environment that pulls from a replica, wait this long for ECR to report "
        f"the release's images replicated there (default {DEFAULT_REPLICATION_TIMEOUT:g})",
    )
    p.add_argument(
        "--require-signature",
        action="append",
        default=[],
        metavar="PROFILE_ARN",
        help="deploy only images ECR reports signed (COMPLETE) by this AWS Signer signing profile (repeatable: "
        "any of them); a stack file can require it too (ecr-share:requireSignature)",
    )
    p.add_argument(
        "--strict",
        action="store_true",
        help="refuse (instead of warning about) a repository that reaches an environment without running "
        "in a stack it deploys after (ecr-share:deployAfter)",
    )
    return p


def _images() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False, parents=[_gate()])
    p.add_argument(
        "--image",
        action="append",
        default=[],
        metavar="REPO=TAG|REPO@sha256:...",
        help="the image of one repository (repeatable)",
    )
    chosen = p.add_mutually_exclusive_group()
    chosen.add_argument(
        "--image-tag",
        metavar="TAG",
        help="tag of every repository without --image (default: git short commit)",
    )
    chosen.add_argument(
        "--keep-images",
        action="store_true",
        help="deploy the images the stack files name, unresolved and ungated",
    )
    return p


def _remote() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    group = p.add_argument_group('Pulumi Deployments (docs/pipeline.md, "Many stacks: --remote")')
    group.add_argument(
        "--remote",
        action="store_true",
        help="run each stack's operation on Pulumi Deployments (a remote workspace cloning the git "
        "repository) instead of on this machine; needs a Pulumi Cloud backend",
    )
    group.add_argument(
        "--remote-git-url",
        metavar="URL",
        help="the repository the runner clones (default: git remote origin)",
    )
    ref = group.add_mutually_exclusive_group()
    ref.add_argument("--remote-git-branch", metavar="BRANCH", help="deploy this branch's head")
    ref.add_argument(
        "--remote-git-commit", metavar="SHA", help="deploy this commit (default: the commit checked out here)"
    )
    group.add_argument(
        "--remote-env",
        action="append",
        default=[],
        metavar="[STACK:]NAME=VALUE",
        help="an environment variable of every stack's run, or of one stack's (repeatable)",
    )
    group.add_argument(
        "--remote-secret-env",
        action="append",
        default=[],
        metavar="[STACK:]NAME",
        help="an environment variable sent as a secret, with the value it has here (repeatable)",
    )
    group.add_argument(
        "--remote-pre-run-command",
        action="append",
        default=[],
        metavar="COMMAND",
        help="a shell command the runner runs before the operation, e.g. 'pip install -r "
        "requirements.txt' (repeatable); the release's pins follow them",
    )
    group.add_argument(
        "--remote-skip-install",
        action="store_true",
        help="skip the runner's own dependency installation (when a pre-run command installs them)",
    )
    return p


def _running() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument(
        "--retries",
        type=int,
        default=3,
        metavar="N",
        help="retries after a concurrent update, with backoff 5s, 10s, 20s... (default 3)",
    )
    p.add_argument(
        "--cancel-timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="after SIGINT/SIGTERM, how long a running pulumi may take to cancel gracefully before it is "
        "stopped (default 60)",
    )
    p.add_argument(
        "--report",
        type=Path,
        metavar="FILE",
        help="write the release record there (JSON, format ecr-share-release/1: each stack's result, its "
        "images with tag, digest, scan, signature and replication state, and its rollouts)",
    )
    return p


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=PROG,
        description="Release images to the ecr-share stacks with the Pulumi Automation API: the build "
        "stack first, then the environment stacks (destroy: the reverse).",
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = p.add_subparsers(dest="command", required=True, metavar="command")
    parents = {
        "preview": [_common(), _selection(), _images(), _running(), _remote()],
        "up": [_common(), _selection(), _images(), _running(), _remote()],
        "promote": [_common(), _gate(), _running(), _remote()],
        "refresh": [_common(), _selection(), _running(), _remote()],
        "destroy": [_common(), _selection(), _running(), _remote()],
        "outputs": [_common(), _selection(with_order=False)],
    }
    backfill = commands.add_parser(
        "backfill",
        parents=[_common()],
        help=SUMMARIES["backfill"],
        description=SUMMARIES["backfill"][0].upper() + SUMMARIES["backfill"][1:] + ".",
        epilog=f"{EXAMPLES['backfill']}\n\n{EXIT_CODES}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    backfill.add_argument(
        "--to",
        required=True,
        metavar="ENV,ENV",
        help="the environments whose replica registries get the images",
    )
    backfill.add_argument(
        "--timeout",
        type=float,
        default=3600.0,
        metavar="SECONDS",
        help="follow each backfill this long (default 3600); it goes on in ECR after that",
    )
    for name in planning.COMMANDS:
        command = commands.add_parser(
            name,
            parents=parents[name],
            help=SUMMARIES[name],
            description=SUMMARIES[name][0].upper() + SUMMARIES[name][1:] + ".",
            epilog=f"{EXAMPLES[name]}\n\n{EXIT_CODES}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        if name == "promote":
            command.add_argument(
                "--from", dest="source", required=True, metavar="ENV", help="the tested stack"
            )
            command.add_argument(
                "--to", required=True, metavar="ENV,ENV", help="the stacks that get its images, in this order"
            )
        if name == "destroy":
            command.add_argument("--yes", "-y", action="store_true", help="do not ask before destroying")
            command.add_argument(
                "--exclude-protected",
                action="store_true",
                help="leave protected resources (the shared repositories) in place",
            )
            command.add_argument(
                "--force-dependents",
                action="store_true",
                help="destroy even a stack that deployed stacks outside the run read (the build stack, or "
                "one another stack deploys after); without it such a destroy is refused, naming them",
            )
    return p


# --- before the CLI is touched ---------------------------------------------------------------


def prepare(args: argparse.Namespace, environment: Environment) -> Prepared:
    project: Path = args.project_dir.resolve()
    stacks = discover(project)
    unfinished = {name: change for name, stack in stacks.items() if (change := half_done(stack))}
    stacks = {name: completed(s, unfinished[name]) if name in unfinished else s for name, s in stacks.items()}
    source = None
    if args.command == "promote":
        source = _promotion_source(stacks, args.source)
        targets = _names(args.to) or []
        if source in targets:
            raise PipelineError(f"--to {args.to}: {source} cannot be promoted to itself")
        plan = planning.make_plan(
            "promote", stacks, planning.select(stacks, targets, "--to"), promote=targets
        )
    else:
        selected = planning.select(stacks, _names(args.stacks))
        promote = _names(getattr(args, "promote", None))
        plan = planning.make_plan(
            args.command, stacks, selected, promote=promote, parallel=getattr(args, "parallel", 2)
        )
    profiles = [
        _checked(values.signing_profile_arn, "--require-signature", arn)
        for arn in getattr(args, "require_signature", [])
    ]
    gaps = planning.untested(plan, stacks)
    if gaps and getattr(args, "strict", False):
        raise PipelineError(f"--strict: {'; '.join(gaps)}: run it there first, or leave out --strict")
    requests = _requests(args, project, stacks, plan, environment)
    if requests is not None:
        planning.check_configs(plan, stacks, lambda stack: with_requests(stack.config, requests))
    else:
        planning.check_configs(plan, stacks)
    for flag in ("retries", "cancel_timeout", "scan_timeout", "replication_timeout"):
        value = getattr(args, flag, 0)
        if value < 0:
            raise PipelineError(f"--{flag.replace('_', '-')} must be 0 or more, not {value:g}")
    gate = None
    if hasattr(args, "fail_on"):
        replication = ReplicationGate(args.replication_timeout, environment.settings.replication_poll_seconds)
        gate = Gate(
            args.fail_on,
            args.scan_timeout,
            environment.settings.scan_poll_seconds,
            replication,
            tuple(profiles),
        )
    backend = choose_backend(args.backend, environment.env, project)
    secrets_provider = args.secrets_provider
    if secrets_provider is not None:
        checked_secrets_provider(secrets_provider, backend.url)
    remote_run = _remote_run(args, project, stacks, environment)
    prepared = Prepared(
        args.command,
        project,
        stacks,
        plan,
        backend.url,
        requests,
        gate,
        source,
        args.org,
        getattr(args, "force_dependents", False),
        getattr(args, "report", None),
        unfinished,
        (
            *(f"warning: {gap}" for gap in gaps),
            *(remote.profile_warnings(stacks[name] for name in plan.order) if remote_run else ()),
        ),
        secrets_provider,
        remote_run,
    )
    if backend.url is None:
        return prepared  # the CLI's login: checked once the CLI has said which backend that is
    warnings = checked_backend(prepared, backend.url, backend.source, environment)
    backend.create_new_state()  # last: a refused run leaves nothing behind
    return replace(prepared, warnings=(*prepared.warnings, *warnings))


def _names(value: str | None) -> list[str] | None:
    return None if value is None else [name.strip() for name in value.split(",") if name.strip()]


def _promotion_source(stacks: Mapping[str, StackInfo], name: str) -> str:
    if name not in stacks or stacks[name].kind != ENVIRONMENT:
        raise PipelineError(f"--from: {name!r} is not an environment stack")
    return name


def _requests(
    args: argparse.Namespace,
    project: Path,
    stacks: Mapping[str, StackInfo],
    plan: planning.Plan,
    environment: Environment,
) -> list[ImageRequest] | None:
    """The image of each repository the selected environments run, as asked for (None: keep the
    stack files' images). ``promote`` learns its digests from the source stack later."""
    environments = planning.environments_of(plan, stacks)
    if args.command not in planning.IMAGE_COMMANDS or not environments:
        return None
    if args.keep_images:
        if args.image:
            raise PipelineError("--keep-images keeps the stack files' images: leave out --image")
        return None
    flags = [parse_image(flag) for flag in args.image]
    given = args.image_tag is not None
    tag = args.image_tag if given else environment.git_commit(project)
    return image_requests(
        repositories_run_by(environments),
        _build_repositories(stacks),
        flags,
        None if tag is None else _checked_tag("--image-tag" if given else "git commit", tag),
        f"{project} is not a git checkout with a commit, so there is no default image tag",
    )


def _checked_tag(key: str, tag: str) -> str:
    return _checked(values.image_tag, key, tag)


def _checked(check: Callable[[str, Any], str], key: str, value: str) -> str:
    try:
        return check(key, value)
    except ConfigError as error:
        raise PipelineError(str(error)) from None


def _build_repositories(stacks: Mapping[str, StackInfo]) -> list[str]:
    build = planning.build_of(stacks)
    try:
        config = parse_stack_config(build.name, build.config)
    except ConfigError as error:
        raise PipelineError(f"{build.file}: {error}") from None
    assert isinstance(config, BuildStack)  # discover checked its stackKind
    return [repository.name for repository in config.repositories]


def _remote_run(
    args: argparse.Namespace, project: Path, stacks: Mapping[str, StackInfo], environment: Environment
) -> remote.RemoteSource | None:
    flags = vars(args)
    if not getattr(args, "remote", False):
        unused = remote.unused_remote_flags(flags)
        if unused:
            raise PipelineError(f"{', '.join(unused)}: only with --remote (Pulumi Deployments)")
        return None
    if getattr(args, "exclude_protected", False):
        raise PipelineError(
            "--exclude-protected: a remote destroy (Pulumi Deployments) has no such option; destroy the "
            "stack without --remote, or without --exclude-protected"
        )
    if args.secrets_provider not in (None, "default"):
        raise PipelineError(
            f"--secrets-provider {args.secrets_provider}: a stack Pulumi Deployments runs reads its secrets "
            "provider from the committed stack file; create the stack with it first (pulumi stack init "
            "--secrets-provider ..., then commit its stack file), then run --remote"
        )
    return remote.remote_source(flags, stacks, environment.git_checkout(project), environment.env)


def _sleep(seconds: float) -> bool:
    """Wait; never asks to stop (a Ctrl-C ends backfill's following, not the backfill in ECR)."""
    time.sleep(seconds)
    return False


def _backfill(args: argparse.Namespace, environment: Environment) -> int:
    errors = Console(environment.write_error)
    try:
        if args.timeout < 0:
            raise PipelineError(f"--timeout must be 0 or more, not {args.timeout:g}")
        stacks = discover(args.project_dir.resolve())
        targets = destinations(stacks, _names(args.to) or [])
        if not targets:
            raise PipelineError("--to names no stack: name the environments whose replicas need the images")
        reader = RegistryReader(build_registry_of(stacks), environment.registry_session)
        return backfill(
            reader,
            targets,
            args.timeout,
            environment.settings.replication_poll_seconds,
            Console(environment.write),
            environment.settings.wait or _sleep,
        )
    except (PipelineError, RegistryError) as error:
        errors.line(f"error: {error}")
        return 2


def main(argv: Sequence[str] | None = None, environment: Environment | None = None) -> int:
    environment = environment or Environment()
    args = parser().parse_args(argv)
    if args.command == "backfill":
        return _backfill(args, environment)
    try:
        prepared = prepare(args, environment)
    except PipelineError as error:
        environment.write_error(f"error: {error}\n")
        return 2
    settings = replace(
        environment.settings,
        retries=getattr(args, "retries", environment.settings.retries),
        exclude_protected=getattr(args, "exclude_protected", False),
        cancel_timeout=getattr(args, "cancel_timeout", environment.settings.cancel_timeout),
    )
    return release(prepared, getattr(args, "yes", False), replace(environment, settings=settings))
