"""What a pipeline run will do, as plain values: which stacks, in which waves, with which config.

Nothing here calls Pulumi or AWS; the runner executes a ``Plan`` wave by wave.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from components.config.credentials import CREDENTIAL_KEYS
from components.config.stack_names import resolve_stack_name
from components.pipeline.images import ConfigChange, digest_pins, repositories_run_by
from components.pipeline.stacks import DEPLOY_AFTER_KEY, Backend, PipelineError, StackInfo
from components.plan.project import ProjectError, ProjectPlan, plan_stacks
from components.project import BUILD, ENVIRONMENT, PROJECT, key

COMMANDS = ("preview", "up", "promote", "refresh", "destroy", "outputs")
# Commands that run the engine against AWS with the stack's credentials.
ENGINE_COMMANDS = ("preview", "up", "refresh", "destroy")
# Commands that deploy images: each environment service is pinned to its repository's digest.
IMAGE_COMMANDS = ("preview", "up")
BUILD_STACK_KEY = key("buildStack")


@dataclass(frozen=True)
class Stage:
    """A wave: stacks that run at the same time. The next wave starts only when this one succeeded."""

    stacks: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    command: str
    """The Pulumi operation run on each stack (``promote`` runs ``up``)."""
    stages: tuple[Stage, ...]

    @property
    def order(self) -> tuple[str, ...]:
        return tuple(name for stage in self.stages for name in stage.stacks)

    def describe(self) -> str:
        """``build -> dev, staging (at once) -> prod`` or ``build -> dev -> staging -> prod``."""
        return " -> ".join(
            stage.stacks[0] if len(stage.stacks) == 1 else f"{', '.join(stage.stacks)} (at once)"
            for stage in self.stages
        )


def select(stacks: Mapping[str, StackInfo], names: Sequence[str] | None, flag: str = "--stacks") -> list[str]:
    """The stacks named by ``--stacks`` in the order given, which must keep every ``deployAfter``;
    when absent, every stack: the environments in file-name order, each moved after the
    environments its ``deployAfter`` names."""
    after = deploy_after(stacks)
    if names is None:
        builds = [name for name in stacks if stacks[name].kind == BUILD]
        return builds + _after_their_predecessors([n for n in stacks if n not in builds], after)
    if not names:
        raise PipelineError(
            f"{flag} names no stack (an unset variable?): name the stacks, or leave out {flag} for every stack"
        )
    for name in names:
        if name not in stacks:
            known = ", ".join(stacks)
            raise PipelineError(f"Pulumi.{name}.yaml not found: no stack named {name!r} (stacks: {known})")
    chosen = list(dict.fromkeys(names))
    check_order(stacks, chosen, after, flag)
    return chosen


def deploy_after(stacks: Mapping[str, StackInfo]) -> dict[str, frozenset[str]]:
    """Each environment's ``deployAfter``, checked across the project: environment stacks of it,
    and no cycle."""
    environments = [name for name, stack in stacks.items() if stack.kind == ENVIRONMENT]
    after: dict[str, frozenset[str]] = {}
    for name in environments:
        for before in stacks[name].deploy_after:
            if before not in environments:
                raise PipelineError(
                    f"{stacks[name].file}: {DEPLOY_AFTER_KEY} names {before!r}, which is not an environment "
                    f"stack of this project (environments: {', '.join(environments)})"
                )
        after[name] = frozenset(stacks[name].deploy_after)
    for name in environments:
        cycle = _cycle(name, after, [])
        if cycle:
            raise PipelineError(
                f"{DEPLOY_AFTER_KEY} makes a cycle, {' after '.join(cycle)}: no order deploys each stack after "
                f"the ones it names (see {', '.join(str(stacks[n].file) for n in dict.fromkeys(cycle))})"
            )
    return after


def _cycle(name: str, after: Mapping[str, frozenset[str]], path: list[str]) -> list[str]:
    """A path back to a stack already on ``path`` (a cycle through ``name``), or none."""
    if name in path:
        return [*path[path.index(name) :], name]
    for before in sorted(after.get(name, ())):
        found = _cycle(before, after, [*path, name])
        if found:
            return found
    return []


def _after_their_predecessors(order: list[str], after: Mapping[str, frozenset[str]]) -> list[str]:
    """``order`` with each stack moved just far enough to follow what it deploys after (acyclic)."""
    placed: list[str] = []
    pending = list(order)
    while pending:
        ready = next(n for n in pending if not after.get(n, frozenset()) & set(pending))
        placed.append(ready)
        pending.remove(ready)
    return placed


def check_order(
    stacks: Mapping[str, StackInfo], order: Sequence[str], after: Mapping[str, frozenset[str]], flag: str
) -> None:
    """A stack given before one it deploys after would run first: refused, naming both."""
    for index, name in enumerate(order):
        for before in sorted(after.get(name, ())):
            if before in order[index + 1 :]:
                raise PipelineError(
                    f"{flag} runs {name} before {before}, but {stacks[name].file} deploys it after {before} "
                    f"({DEPLOY_AFTER_KEY}): name {before} first"
                )


def make_plan(
    command: str,
    stacks: Mapping[str, StackInfo],
    selected: Sequence[str],
    *,
    promote: Sequence[str] | None = None,
    parallel: int = 2,
) -> Plan:
    """The build stack first, then the environments in the order given: in waves of ``parallel``
    stacks (a stack never in the wave of one it deploys after), or one at a time in ``promote`` order. ``destroy`` runs the same waves in reverse, so no
    environment outlives the registry it pulls from."""
    if command not in COMMANDS:
        raise PipelineError(f"unknown command {command!r} (commands: {', '.join(COMMANDS)})")
    if parallel < 1:
        raise PipelineError(f"--parallel must be at least 1, not {parallel}")
    builds = [name for name in selected if stacks[name].kind == BUILD]
    environments = [name for name in selected if stacks[name].kind == ENVIRONMENT]
    stages = [Stage((name,)) for name in builds]
    if promote is not None:
        order = _promotion(stacks, environments, promote)
        check_order(stacks, order, deploy_after(stacks), "--promote")
        stages += [Stage((name,)) for name in order]
    else:
        size = 1 if command == "outputs" else parallel
        stages += _waves(environments, size, deploy_after(stacks))
    if command == "destroy":
        stages = [Stage(tuple(reversed(s.stacks))) for s in reversed(stages)]
    return Plan(command="up" if command == "promote" else command, stages=tuple(stages))


def _waves(order: list[str], size: int, after: Mapping[str, frozenset[str]]) -> list[Stage]:
    """Waves of up to ``size`` stacks in ``order``; a stack that deploys after one in the wave being
    filled starts the next wave."""
    waves: list[list[str]] = []
    for name in order:
        if not waves or len(waves[-1]) == size or after.get(name, frozenset()) & set(waves[-1]):
            waves.append([])
        waves[-1].append(name)
    return [Stage(tuple(wave)) for wave in waves]


def _promotion(stacks: Mapping[str, StackInfo], environments: list[str], promote: Sequence[str]) -> list[str]:
    if not promote:
        raise PipelineError("--promote names no stack: name the environments in promotion order")
    for name in promote:
        if name not in stacks or stacks[name].kind != ENVIRONMENT:
            raise PipelineError(f"--promote: {name!r} is not an environment stack")
    if len(set(promote)) != len(promote) or set(promote) != set(environments):
        raise PipelineError(
            f"--promote must list each selected environment stack once (selected: {', '.join(environments)})"
        )
    return list(promote)


def environments_of(plan: Plan, stacks: Mapping[str, StackInfo]) -> list[StackInfo]:
    return [stacks[name] for name in plan.order if stacks[name].kind == ENVIRONMENT]


def build_of(stacks: Mapping[str, StackInfo]) -> StackInfo:
    """The project's build stack (``discover`` checked there is exactly one)."""
    return next(stack for stack in stacks.values() if stack.kind == BUILD)


def config_changes(
    plan: Plan, stacks: Mapping[str, StackInfo], digests: Mapping[str, str] | None
) -> dict[str, ConfigChange]:
    """The digest pins each environment stack gets right before its operation."""
    if digests is None:
        return {}
    return {stack.name: digest_pins(stack, digests) for stack in environments_of(plan, stacks)}


def check_configs(
    plan: Plan,
    stacks: Mapping[str, StackInfo],
    configured: Callable[[StackInfo], Mapping[str, Any]] = lambda stack: stack.config,
) -> ProjectPlan | None:
    """Plan every stack, release images applied (``configured``), exactly as the program plans it:
    a bad ``Pulumi.prod.yaml``, an environment its build stack would refuse, or two stacks owning
    one registry singleton stop the run before any stack is touched."""
    if plan.command not in IMAGE_COMMANDS:
        return None
    configs = {
        name: configured(stack) if name in plan.order else stack.config for name, stack in stacks.items()
    }
    try:
        return plan_stacks(configs, lambda name: str(stacks[name].file))
    except ProjectError as error:
        raise PipelineError(str(error)) from None


def check_build_references(plan: Plan, stacks: Mapping[str, StackInfo], backend: Backend) -> None:
    """Each environment's ``buildStack`` must name the build stack on this backend: a StackReference
    to ``organization/...`` finds nothing on Pulumi Cloud (a short ``build`` always does)."""
    if plan.command not in IMAGE_COMMANDS:
        return
    wanted = backend.qualified(build_of(stacks).name)
    for stack in environments_of(plan, stacks):
        named = stack.config.get(BUILD_STACK_KEY)
        # A short name (`build`) resolves on this backend, as the program resolves it (config.stack_names).
        resolved = (
            str(resolve_stack_name(named, backend.organization, PROJECT)) if isinstance(named, str) else named
        )
        if resolved != wanted:
            raise PipelineError(
                f"{stack.file}: {BUILD_STACK_KEY} is {named}, but the build stack is {wanted} on "
                f"{backend.url}: set {BUILD_STACK_KEY}: {wanted}"
            )


def dependents_left(plan: Plan, stacks: Mapping[str, StackInfo]) -> dict[str, list[str]]:
    """``destroy``: for each stack it destroys, the stacks outside the run that depend on it: every
    environment depends on the build stack (a StackReference to its outputs), and a stack depends on
    each stack its ``deployAfter`` names. Stacks in the run are destroyed first, so they are left out."""
    if plan.command != "destroy":
        return {}
    after = deploy_after(stacks)
    left: dict[str, list[str]] = {}
    for name in plan.order:
        dependents = [
            other
            for other in select(stacks, None)
            if other not in plan.order
            and stacks[other].kind == ENVIRONMENT
            and (stacks[name].kind == BUILD or name in after.get(other, frozenset()))
        ]
        if dependents:
            left[name] = dependents
    return left


def untested(plan: Plan, stacks: Mapping[str, StackInfo]) -> list[str]:
    """Repositories that would reach an environment of the run without running in any stack it
    deploys after (directly or through them): what a staging gate does not test. One sentence each."""
    if plan.command not in IMAGE_COMMANDS:
        return []
    after = deploy_after(stacks)
    gaps = []
    for stack in environments_of(plan, stacks):
        before = _all_before(stack.name, after)
        if not before:
            continue
        tested = set(repositories_run_by(stacks[name] for name in before))
        for repository in repositories_run_by([stack]):
            if repository not in tested:
                names = sorted(before)
                gaps.append(
                    f"{repository} reaches {stack.name} untested: {stack.name} deploys after "
                    f"{', '.join(names)} ({DEPLOY_AFTER_KEY}), and no service of {' or '.join(names)} runs it"
                )
    return gaps


def _all_before(name: str, after: Mapping[str, frozenset[str]]) -> set[str]:
    found: set[str] = set()
    pending = list(after.get(name, ()))
    while pending:
        before = pending.pop()
        if before not in found:
            found.add(before)
            pending.extend(after.get(before, ()))
    return found


def credential_warnings(plan: Plan, stacks: Mapping[str, StackInfo]) -> list[str]:
    if plan.command not in ENGINE_COMMANDS:
        return []
    return [
        f"warning: {stacks[name].file.name} sets none of {', '.join(CREDENTIAL_KEYS)}, so stack {name} "
        "uses the ambient AWS credentials (aws:allowedAccountIds still refuses any other account)"
        for name in plan.order
        if not stacks[name].names_credentials()
    ]
