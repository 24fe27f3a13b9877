"""``--remote``: each stack's operation runs on Pulumi Deployments, as a remote workspace with a git
source (the Automation API's ``create_or_select_remote_stack_git_source``), while the pipeline keeps
the order, the waves, the gates, the summary and the exit codes.

The remote run reads the stack files of the commit it checks out, not this folder's. The release's
pins (each service's digest) therefore travel as pre-run commands (``pulumi config set-all`` /
``rm-all`` on the runner's checkout), after the user's own ones; ``up`` also writes them into the
local stack file, as a local run does, so the checkout records what runs.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from pulumi import automation as auto

from components.pipeline.images import ConfigChange
from components.pipeline.stacks import PipelineError, StackInfo

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# "Git commit hash of the commit to deploy" (pulumi up --help): the runner's checkout needs the whole hash.
COMMIT = re.compile(r"[0-9a-f]{40}")
GIT_URL = re.compile(r"(https?|ssh|git)://\S+|[\w.-]+@[\w.-]+:\S+")
FLAGS = (
    "remote_git_url",
    "remote_git_branch",
    "remote_git_commit",
    "remote_env",
    "remote_secret_env",
    "remote_pre_run_command",
    "remote_skip_install",
)


@dataclass(frozen=True)
class Checkout:
    """What git says of the project folder; each part None when it cannot say."""

    url: str | None = None
    """The ``origin`` remote."""
    commit: str | None = None
    """``HEAD``."""
    project_path: str | None = None
    """The project folder inside the repository ("" at its root)."""


@dataclass(frozen=True)
class RemoteEnv:
    stack: str | None
    """None: every stack."""
    name: str
    value: str
    secret: bool = False


@dataclass(frozen=True)
class RemoteSource:
    """Where and how Pulumi Deployments runs each stack."""

    url: str
    branch: str | None
    commit: str | None
    project_path: str | None
    env: tuple[RemoteEnv, ...] = ()
    pre_run_commands: tuple[str, ...] = ()
    skip_install: bool = False

    def describe(self) -> str:
        where = f"branch {self.branch}" if self.branch else f"commit {(self.commit or '')[:12]}"
        folder = f", folder {self.project_path}" if self.project_path else ""
        return f"remote: each stack runs on Pulumi Deployments from {self.url} ({where}{folder})"

    def options(self, stack: str, qualified: str, change: ConfigChange | None) -> auto.RemoteWorkspaceOptions:
        """The remote workspace of one stack: its environment variables (a stack's own after the
        ones of every stack, so they win), the user's pre-run commands, then the release's pins."""
        ordered = [e for e in self.env if e.stack is None] + [e for e in self.env if e.stack == stack]
        env: dict[str, str | auto.Secret] = {
            e.name: auto.Secret(e.value) if e.secret else e.value for e in ordered
        }
        commands = [*self.pre_run_commands, *pin_commands(qualified, change)]
        return auto.RemoteWorkspaceOptions(
            env_vars=env or None,
            pre_run_commands=commands or None,
            skip_install_dependencies=self.skip_install or None,
        )


def pin_commands(qualified: str, change: ConfigChange | None) -> list[str]:
    """The pins as the runner's shell runs them, with the same two calls a local run makes."""
    if change is None:
        return []
    plaintext = [word for key, value in change.set.items() for word in ("--plaintext", f"{key}={value}")]
    commands = [shlex.join(["pulumi", "config", "set-all", "--stack", qualified, "--path", *plaintext])]
    if change.remove:
        commands.append(
            shlex.join(["pulumi", "config", "rm-all", "--stack", qualified, "--path", *change.remove])
        )
    return commands


def remote_workspace(
    local: auto.LocalWorkspace, options: auto.RemoteWorkspaceOptions, source: RemoteSource, work_dir: str
) -> auto.LocalWorkspace:
    """What ``pulumi.automation._remote_workspace._create_local_workspace`` builds (pulumi 3.272.0),
    with the pipeline's own ``PulumiCommand`` (supervised: signals reach it) and backend: the SDK's
    function takes neither. The CLI check (``--remote`` in ``preview --help``) ran once for the run
    (``check_remote_supported``)."""
    workspace = auto.LocalWorkspace(
        work_dir=work_dir, env_vars=dict(local.env_vars), pulumi_command=local.pulumi_command
    )
    workspace._remote = True
    workspace._remote_env_vars = options.env_vars
    workspace._remote_pre_run_commands = options.pre_run_commands
    workspace._remote_skip_install_dependencies = options.skip_install_dependencies
    workspace._remote_executor_image = None
    workspace._remote_inherit_settings = None
    workspace._remote_git_url = source.url
    workspace._remote_git_project_path = source.project_path or None
    workspace._remote_git_branch = source.branch
    workspace._remote_git_commit_hash = source.commit
    workspace._remote_git_auth = None
    return workspace


def check_remote_supported(local: auto.LocalWorkspace, work_dir: str) -> None:
    probe = auto.LocalWorkspace(
        work_dir=work_dir, env_vars=dict(local.env_vars), pulumi_command=local.pulumi_command
    )
    probe._remote = True  # runs `preview --help` with PULUMI_EXPERIMENTAL=true, as the SDK does
    if not probe._remote_supported():
        raise PipelineError(
            f"--remote: this Pulumi CLI ({local.pulumi_command.version}) has no remote operations; upgrade it"
        )


# --- the command line -------------------------------------------------------------------------


def remote_source(
    flags: Mapping[str, object],
    stacks: Iterable[str],
    checkout: Checkout,
    env: Mapping[str, str],
) -> RemoteSource:
    """``--remote`` and its options, each checked; git gives what they leave out."""
    url = _text(flags.get("remote_git_url")) or checkout.url
    if url is None:
        raise PipelineError(
            "--remote: the project's git checkout has no remote named origin; pass --remote-git-url with the "
            "repository Pulumi Deployments clones"
        )
    if not GIT_URL.fullmatch(url):
        raise PipelineError(
            f"--remote-git-url {url}: expected a git repository URL, like https://github.com/ORG/REPO.git"
        )
    branch = _text(flags.get("remote_git_branch"))
    commit = _text(flags.get("remote_git_commit"))
    if commit is not None and not COMMIT.fullmatch(commit):
        raise PipelineError(f"--remote-git-commit {commit}: expected a full 40-character commit hash")
    if branch is None and commit is None:
        commit = checkout.commit
        if commit is None:
            raise PipelineError(
                "--remote: the project folder is not a git checkout with a commit; pass --remote-git-branch "
                "or --remote-git-commit"
            )
    names = set(stacks)
    variables = [_env(value, names, env, secret=False) for value in _list(flags.get("remote_env"))]
    secrets = [_env(value, names, env, secret=True) for value in _list(flags.get("remote_secret_env"))]
    commands = tuple(_list(flags.get("remote_pre_run_command")))
    for command in commands:
        if not command.strip():
            raise PipelineError(
                "--remote-pre-run-command: an empty command; give a shell command, like "
                "'pip install -r requirements.txt'"
            )
    return RemoteSource(
        url,
        branch,
        commit,
        checkout.project_path,
        (*variables, *secrets),
        commands,
        bool(flags.get("remote_skip_install")),
    )


def _env(value: str, stacks: set[str], env: Mapping[str, str], secret: bool) -> RemoteEnv:
    """``[STACK:]NAME=VALUE`` (``--remote-env``) or ``[STACK:]NAME`` (``--remote-secret-env``, whose
    value is this process's own: a secret never sits in a command line)."""
    flag, form = ("--remote-secret-env", "[STACK:]NAME") if secret else ("--remote-env", "[STACK:]NAME=VALUE")
    head, equals, assigned = value.partition("=")
    stack, colon, name = head.rpartition(":")
    if bool(equals) == secret or not ENV_NAME.fullmatch(name) or (colon and not stack):
        raise PipelineError(f"{flag} {value}: expected {form}, with NAME a variable name like AWS_REGION")
    if colon and stack not in stacks:
        raise PipelineError(
            f"{flag} {value}: {stack!r} is not a stack of the project ({', '.join(sorted(stacks))})"
        )
    if not secret:
        return RemoteEnv(stack or None, name, assigned)
    if name not in env:
        raise PipelineError(
            f"{flag} {value}: {name} is not set here; the pipeline sends its value from its own environment"
        )
    return RemoteEnv(stack or None, name, env[name], secret=True)


def profile_warnings(stacks: Iterable[StackInfo]) -> list[str]:
    """An AWS profile lives in a file on this machine, not on the Deployments runner."""
    return [
        f"warning: --remote: {stack.file.name} sets aws:profile {stack.config['aws:profile']}, which the "
        "Deployments runner has only if a pre-run command writes it; give the runner credentials (OIDC in the "
        "stack's deployment settings, or --remote-secret-env) and let aws:assumeRole pick the account's role"
        for stack in stacks
        if stack.config.get("aws:profile")
    ]


def unused_remote_flags(flags: Mapping[str, object]) -> list[str]:
    """The remote options given without ``--remote``."""
    return [f"--{name.replace('_', '-')}" for name in FLAGS if flags.get(name)]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _list(value: object) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def git_checkout(project: Path) -> Checkout:
    """``origin``'s URL, ``HEAD`` and the project's folder in the repository, from git."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(project), *args], capture_output=True, text=True, check=False
            )
        except OSError:
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    prefix = git("rev-parse", "--show-prefix")
    return Checkout(
        git("remote", "get-url", "origin") or None,
        git("rev-parse", "HEAD") or None,
        None if prefix is None else prefix.rstrip("/"),
    )
