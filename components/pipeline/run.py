"""A release once the command line is checked: the backend's organization, the build stack's
deployment, the images (resolve, gate), then every stack wave by wave, all under the supervisor
that answers SIGINT and SIGTERM; then the summary and the exit code."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, TextIO

from pulumi import automation as auto

from components.config.stack import parse_stack_config
from components.pipeline import plan as planning
from components.pipeline.backends import NO_BACKEND, checked_secrets, login_backend
from components.pipeline.images import (
    ConfigChange,
    ImageRequest,
    check_rollouts_held,
    digests_running,
    repositories_run_by,
    with_digests,
)
from components.pipeline.pending import clear_record
from components.pipeline.processes import SupervisedPulumiCommand
from components.pipeline.record import ReleaseRecord
from components.pipeline.record import write as write_record
from components.pipeline.registry import (
    BuildRegistry,
    RegistryError,
    RegistryReader,
    ReleaseRefused,
    SessionFactory,
    build_registry,
    default_session,
)
from components.pipeline.release import Gate, checked_digests
from components.pipeline.remote import Checkout, RemoteSource, check_remote_supported, git_checkout
from components.pipeline.replication import ReplicationGate, replica_images, wait_until_replicated
from components.pipeline.report import (
    CANCELLED,
    FAILED,
    Console,
    Outcome,
    engine_error,
    outputs_json,
    summary_table,
    verdict,
)
from components.pipeline.runner import Runner, Settings
from components.pipeline.signing import check_signatures, requirements
from components.pipeline.stacks import (
    DEPLOY_AFTER_KEY,
    Backend,
    PipelineError,
    StackInfo,
    diy_backend,
    is_diy,
)
from components.pipeline.supervisor import Interrupted, Supervisor
from components.plan.environment import ECS_SERVICES, IMAGES, TASK_DEFINITION_ARNS
from components.plan.project import ProjectPlan
from components.project import BUILD, DIY_ORGANIZATION

MISSING_CLI = (
    "The Pulumi CLI was not found on PATH; install it with `curl -fsSL https://get.pulumi.com | sh` "
    "(see https://www.pulumi.com/docs/install/) and try again."
)
# Pulumi Cloud organization names (the service's own rule for logins and organizations).
ORGANIZATION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


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
    """Write and flush, so CI logs show each line as it comes."""

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
    pulumi_command: Callable[[], SupervisedPulumiCommand] = SupervisedPulumiCommand
    git_commit: Callable[[Path], str | None] = short_commit
    settings: Settings = field(default_factory=Settings)
    registry_session: SessionFactory = default_session
    git_checkout: Callable[[Path], Checkout] = git_checkout


@dataclass(frozen=True)
class Prepared:
    """A run as the command line asked for it, checked without the Pulumi CLI or AWS."""

    command: str
    project_dir: Path
    stacks: dict[str, StackInfo]
    plan: planning.Plan
    backend_url: str | None
    """None until the CLI has said which backend it is logged in to."""
    requests: list[ImageRequest] | None
    """The images to resolve and gate (None: the stack files' images stay)."""
    gate: Gate | None
    source: str | None = None
    """``promote --from``: the stack whose digests are carried on."""
    organization: str | None = None
    """``--org``."""
    force_dependents: bool = False
    """``destroy --force-dependents``: destroy even what deployed stacks outside the run read."""
    report: Path | None = None
    """``--report``: where the release record goes."""
    unfinished: Mapping[str, ConfigChange] = field(default_factory=dict)
    """Stacks whose file holds the pipeline's own half-done pin, with the removals left to make."""
    warnings: tuple[str, ...] = ()
    """What the checks before the CLI found and let pass (a repository untested before a stack)."""
    secrets_provider: str | None = None
    """``--secrets-provider``: the stacks the pipeline creates get it."""
    remote: RemoteSource | None = None
    """``--remote``: each stack's operation runs on Pulumi Deployments."""

    @property
    def url(self) -> str:
        assert self.backend_url is not None, "release() asks the CLI for its backend first"
        return self.backend_url

    def touched(self) -> list[StackInfo]:
        """The stacks whose state (and so secrets) the run reads or changes."""
        names = [
            *self.plan.order,
            *([self.source] if self.source and self.source not in self.plan.order else []),
        ]
        return [self.stacks[name] for name in names]


def checked_backend(prepared: Prepared, url: str, source: str, environment: Environment) -> list[str]:
    """Once the backend is known: what --remote and the secrets providers need of it. Returns the
    warnings."""
    remote_env = None
    if prepared.remote is not None:
        if is_diy(url):
            raise PipelineError(
                f"--remote: Pulumi Deployments runs stacks stored in Pulumi Cloud, and cannot reach the DIY "
                f"backend {url} ({source}); choose --backend https://api.pulumi.com (or your Pulumi Cloud's URL)"
            )
        remote_env = [variable.name for variable in prepared.remote.env]
    return checked_secrets(prepared.touched(), url, prepared.secrets_provider, environment.env, remote_env)


def release(prepared: Prepared, yes: bool, environment: Environment) -> int:
    """Exit code of the run (see ``cli.EXIT_CODES``)."""
    # `outputs` prints JSON on stdout: everything else it says goes to stderr.
    console = Console(environment.write_error if prepared.command == "outputs" else environment.write)
    errors = Console(environment.write_error)
    for warning in [*prepared.warnings, *planning.credential_warnings(prepared.plan, prepared.stacks)]:
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
        if prepared.backend_url is None:
            prepared = _logged_in(prepared, command, environment, errors)
        workspace = auto.LocalWorkspace(
            work_dir=str(prepared.project_dir),
            env_vars={"PULUMI_BACKEND_URL": prepared.url},
            secrets_provider=prepared.secrets_provider,
            pulumi_command=command,
        )
        if prepared.remote is not None:
            check_remote_supported(workspace, str(prepared.project_dir))
        if not prepared.force_dependents:
            check_no_deployed_dependents(workspace, prepared)
        if prepared.command == "destroy" and not yes and not _confirmed(prepared, environment, errors):
            return 2
    except KeyboardInterrupt:
        errors.line("Interrupted; nothing was changed.")
        return 130
    except PipelineError as error:
        errors.line(f"error: {error}")
        return 2
    except auto.CommandError as error:
        errors.line(f"error: pulumi: {engine_error(str(error))}")
        return 2
    settings = environment.settings
    supervisor = Supervisor(command.children, console, settings.cancel_timeout, settings.heartbeat_seconds)
    record = ReleaseRecord(prepared.command, prepared.plan.order)
    code = _supervised(prepared, workspace, environment, console, errors, supervisor, record)
    if prepared.report is not None:
        write_record(prepared.report, record.document(prepared.stacks, code))
    return code


def _logged_in(
    prepared: Prepared, command: SupervisedPulumiCommand, environment: Environment, errors: Console
) -> Prepared:
    """The backend the CLI is logged in to (``pulumi whoami``), then its checks."""
    bare = auto.LocalWorkspace(work_dir=str(prepared.project_dir), pulumi_command=command)
    try:
        url = bare.who_am_i().url
    except auto.CommandError as error:
        raise PipelineError(f"{NO_BACKEND} (pulumi whoami: {engine_error(str(error))})") from None
    login = login_backend(url)
    assert login.url is not None
    for warning in checked_backend(prepared, login.url, login.source, environment):
        errors.line(warning)
    return replace(prepared, backend_url=login.url)


def _supervised(
    prepared: Prepared,
    workspace: auto.LocalWorkspace,
    environment: Environment,
    console: Console,
    errors: Console,
    supervisor: Supervisor,
    record: ReleaseRecord,
) -> int:
    with supervisor:
        try:
            return _run(prepared, workspace, environment, console, supervisor, record)
        except Interrupted as stopped:
            record.error = f"stopped by {stopped}"
            errors.line(f"Stopped by {stopped}; nothing was deployed.")
            return stopped.exit_code
        except (PipelineError, RegistryError) as error:
            record.error = str(error)
            errors.line(f"error: {error}")
            return 2
        except auto.CommandError as error:  # the backend checks before any stack runs
            record.error = f"pulumi: {engine_error(str(error))}"
            errors.line(f"error: {record.error}")
            return 2
        except ReleaseRefused as error:
            record.error = str(error)
            errors.line(f"error: {error}")
            return 1


def _run(
    prepared: Prepared,
    workspace: auto.LocalWorkspace,
    environment: Environment,
    console: Console,
    supervisor: Supervisor,
    record: ReleaseRecord,
) -> int:
    stacks, plan = prepared.stacks, prepared.plan
    backend = supervisor.call(lambda: backend_of(prepared.url, prepared.organization, workspace))
    planning.check_build_references(plan, stacks, backend)
    if prepared.source is not None:
        console.line(f"promote: {prepared.source} -> {plan.describe()} (the digests {prepared.source} runs)")
    else:
        console.line(f"{prepared.command}: {plan.describe()}")
    console.line(backend.describe())
    if prepared.remote is not None:
        console.line(prepared.remote.describe())
    for name, change in prepared.unfinished.items():
        supervisor.call(partial(finish_pin, workspace, backend, stacks[name], change, console))
    if _needs_deployed_build(prepared):
        supervisor.call(lambda: check_build_deployed(workspace, backend, stacks, plan))
    requests = prepared.requests
    if prepared.source is not None:
        requests = supervisor.call(lambda: promoted_requests(workspace, backend, prepared))
    digests = None
    before_update: dict[str, Callable[[], object]] = {}
    if requests:
        assert prepared.gate is not None
        gate = prepared.gate
        reader = supervisor.call(
            lambda: RegistryReader(build_registry_of(stacks), environment.registry_session)
        )
        record.requests = requests
        digests = supervisor.call(
            lambda: checked_digests(
                reader, requests, gate, console, supervisor.sleep, time.monotonic, record.scans
            )
        )
        record.digests.update(digests)
        required = requirements(planning.environments_of(plan, stacks), gate.signing_profiles)
        if required:
            found = digests
            record.signatures.update(
                supervisor.call(lambda: check_signatures(reader.signatures, required, stacks, found, console))
            )
        known = digests
        pinned = planning.check_configs(plan, stacks, lambda stack: with_digests(stack.config, known))
        if pinned is not None and plan.command == "up":
            wait = environment.settings.wait or supervisor.sleep
            before_update = replication_gates(
                pinned, plan, stacks, reader, gate.replication, Console(environment.write_error), wait, record
            )
    runner = Runner(
        workspace,
        stacks,
        plan,
        backend,
        planning.config_changes(plan, stacks, digests),
        console,
        environment.settings,
        supervisor,
        before_update,
        prepared.remote,
    )
    outcomes = runner.run()
    record.outcomes = outcomes
    supervisor.check()
    for child in supervisor.children.kill():  # a safety net: every child has been waited for
        console.line(f"killed pulumi {child.operation} (pid {child.process.pid}), still running at the end")
    if prepared.command == "outputs":
        environment.write(outputs_json(outcomes) + "\n")
    else:
        _summary(outcomes, stacks, plan, console)
    if supervisor.signal is not None:
        console.line(f"Stopped by {signal.Signals(supervisor.signal).name} (exit {128 + supervisor.signal}).")
        return 128 + supervisor.signal
    return 1 if any(o.result in (FAILED, CANCELLED) for o in outcomes) else 0


def replication_gates(
    pinned: ProjectPlan,
    plan: planning.Plan,
    stacks: Mapping[str, StackInfo],
    reader: RegistryReader,
    gate: ReplicationGate,
    progress: Console,
    sleep: Callable[[float], bool],
    record: ReleaseRecord,
) -> dict[str, Callable[[], object]]:
    """For each environment that pulls a release image from a replica: the wait, run right before
    its update (the stacks before it have run meanwhile, which is time replication gets)."""
    registry = reader.registry
    gates: dict[str, Callable[[], object]] = {}
    for stack in planning.environments_of(plan, stacks):
        images = replica_images(pinned.plans[stack.name].exports, registry.registry_id, registry.region)
        if images:
            wait = partial(
                wait_until_replicated, stack.name, images, reader.replication_status, gate, progress, sleep
            )
            gates[stack.name] = partial(_recorded, record.replication, stack.name, wait)
    return gates


def _recorded(into: dict[str, dict[str, str]], stack: str, wait: Callable[[], dict[str, str]]) -> None:
    into[stack] = wait()


def _summary(
    outcomes: list[Outcome], stacks: Mapping[str, StackInfo], plan: planning.Plan, console: Console
) -> None:
    console.line()
    for row in summary_table(outcomes, {name: stacks[name].kind for name in plan.order}):
        console.line(row)
    console.line(verdict(outcomes))


# --- the backend -----------------------------------------------------------------------------


def backend_of(url: str, organization: str | None, workspace: auto.LocalWorkspace) -> Backend:
    """The organization the stacks live in: ``organization`` on a DIY backend; on Pulumi Cloud
    ``--org``, else the CLI's default organization (``pulumi org get-default``), else the user
    (``pulumi whoami``), which is where the CLI itself creates a stack named without one."""
    if is_diy(url):
        if organization not in (None, DIY_ORGANIZATION):
            raise PipelineError(
                f'--org {organization}: a DIY backend ({url}) only accepts "{DIY_ORGANIZATION}"'
            )
        return diy_backend(url)
    if organization is not None:
        if not ORGANIZATION_NAME.fullmatch(organization):
            raise PipelineError(f"--org {organization!r} is not a Pulumi organization name")
        return Backend(url, organization)
    try:
        default = workspace.org_get_default()
    except auto.CommandError:
        default = ""
    if ORGANIZATION_NAME.fullmatch(default):
        return Backend(url, default)
    return Backend(url, workspace.who_am_i().user)


def finish_pin(
    workspace: auto.LocalWorkspace, backend: Backend, stack: StackInfo, change: ConfigChange, console: Console
) -> None:
    """The removal an interrupted pin did not make: its digests are in the file already."""
    console.line(
        f"[{stack.name}] {stack.file.name} holds the digests an earlier run pinned but still its tags (that "
        f"run stopped between its two config calls): completing it, config rm-all --path {' '.join(change.remove)}"
    )
    workspace.cli_api.config_remove_all(
        *change.remove,
        stack=backend.qualified(stack.name),
        path=True,
        cwd=workspace.work_dir,
        additional_env=dict(workspace.env_vars),
    )
    clear_record(stack.file)


def _needs_deployed_build(prepared: Prepared) -> bool:
    """Every environment reads the build stack's outputs (StackReference), in preview as in up. Only
    ``up --keep-images`` with the build stack in the run can deploy it first and need nothing else."""
    plan = prepared.plan
    if plan.command not in planning.IMAGE_COMMANDS or not planning.environments_of(plan, prepared.stacks):
        return False
    build_runs_first = planning.build_of(prepared.stacks).name in plan.order
    return not (
        plan.command == "up" and build_runs_first and prepared.requests is None and prepared.source is None
    )


def is_deployed(workspace: auto.LocalWorkspace, qualified: str) -> bool:
    """A stack is deployed when it exists on the backend and has outputs (every ecr-share stack
    exports some once its ``up`` succeeded; a destroyed or never-updated stack has none)."""
    try:
        return bool(auto.Stack.select(qualified, workspace).outputs())
    except auto.StackNotFoundError:
        return False


def check_no_deployed_dependents(workspace: auto.LocalWorkspace, prepared: Prepared) -> None:
    """``destroy`` refuses to remove a stack that deployed stacks outside the run read: the build
    stack (every environment's StackReference) or a stack another one deploys after."""
    left = planning.dependents_left(prepared.plan, prepared.stacks)
    if not left:
        return
    backend = backend_of(prepared.url, prepared.organization, workspace)
    candidates = [
        name for name in planning.select(prepared.stacks, None) if any(name in d for d in left.values())
    ]
    deployed = {name for name in candidates if is_deployed(workspace, backend.qualified(name))}
    reasons = []
    for name, dependents in left.items():
        reading = [d for d in dependents if d in deployed]
        if not reading:
            continue
        if prepared.stacks[name].kind == BUILD:
            reasons.append(f"{', '.join(reading)} read {name}'s outputs through a StackReference")
        else:
            reasons.append(
                f"{', '.join(reading)} deploy{'s' if len(reading) == 1 else ''} after {name} ({DEPLOY_AFTER_KEY})"
            )
    if reasons:
        everyone = ", ".join(n for n in planning.select(prepared.stacks, None) if n in deployed)
        raise PipelineError(
            f"destroy refused: deployed stacks depend on what it removes: {'; '.join(reasons)}. Destroy "
            f"{everyone} in the same run (they go first), or pass --force-dependents"
        )


def check_build_deployed(
    workspace: auto.LocalWorkspace, backend: Backend, stacks: Mapping[str, StackInfo], plan: planning.Plan
) -> None:
    build = planning.build_of(stacks)
    qualified = backend.qualified(build.name)
    if not is_deployed(workspace, qualified):
        environments = ", ".join(s.name for s in planning.environments_of(plan, stacks))
        raise PipelineError(
            f"the build stack {qualified} is not deployed on {backend.url}, so {environments} cannot read "
            f"its outputs: deploy it first with `python -m components.pipeline up --stacks {build.name}`"
        )


def promoted_requests(
    workspace: auto.LocalWorkspace, backend: Backend, prepared: Prepared
) -> list[ImageRequest]:
    """``promote --from``: the digest of each repository the target stacks run, as the source stack
    runs it (its ``images`` output)."""
    source = prepared.source
    assert source is not None
    qualified = backend.qualified(source)
    try:
        outputs = auto.Stack.select(qualified, workspace).outputs()
    except auto.StackNotFoundError:
        raise PipelineError(
            f"stack {qualified} is not deployed on {backend.url}: there is nothing to promote"
        ) from None
    running = digests_running(source, _value(outputs, IMAGES))
    check_rollouts_held(source, _value(outputs, ECS_SERVICES), _value(outputs, TASK_DEFINITION_ARNS))
    targets = planning.environments_of(prepared.plan, prepared.stacks)
    requests = []
    for repository in repositories_run_by(targets):
        if repository not in running:
            users = ", ".join(
                t.name for t in targets if any(s.get("repository") == repository for s in t.services)
            )
            raise PipelineError(
                f"{source} runs no {repository} image, which {users} runs: promote only carries what "
                f"{source} runs (it runs {', '.join(sorted(running))})"
            )
        requests.append(ImageRequest(repository, digest=running[repository]))
    return requests


def _value(outputs: Mapping[str, auto.OutputValue], name: str) -> Any:
    output = outputs.get(name)
    return None if output is None or output.secret else output.value


def build_registry_of(stacks: Mapping[str, StackInfo]) -> BuildRegistry:
    build = planning.build_of(stacks)
    config = parse_stack_config(build.name, build.config)  # valid: prepare planned every stack
    return build_registry(config.account_id, config.region, build.config)


def _confirmed(prepared: Prepared, environment: Environment, errors: Console) -> bool:
    question = (
        f"Destroy every resource of {', '.join(prepared.plan.order)} (backend {prepared.url})? "
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
