"""Compare what the program registered under mocks with the stack's plan, resource by resource."""

from __future__ import annotations

import json
from typing import Any

from components.plan.model import OutputRef, Resource, StackPlan, engine_inputs, engine_name, output_refs
from tests.support.pulumi_harness import PROJECT, ProgramRun, Registered, urn_key

STACK_REFERENCE = "pulumi:pulumi:StackReference"


# An execution role's permissions: only an ECS service, which starts tasks, waits for them.
PULL_EXECUTION_ROLE = "ecr-share:index:PullExecutionRole"
PERMISSIONS = (
    "aws:iam/rolePolicy:RolePolicy",
    "aws:iam/policy:Policy",
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
)
ECS_SERVICE = "aws:ecs/service:Service"


def dependency_keys(plan: StackPlan, keys: tuple[str, ...], dependent_type: str) -> set[str]:
    """What the engine records for ``depends_on`` of a resource of ``dependent_type``: a provider
    resource itself; a component as every provider resource planned under it, at any depth
    (``components.plan.register.waits_for``; the SDK alone would stop at the component's direct
    children), but an execution role's permissions only for an ECS service."""
    found: set[str] = set()
    for key in keys:
        depended = plan.resource(key)
        if not depended.is_component:
            found.add(key)
            continue
        found |= {
            r.key
            for r in plan.provider_resources()
            if under(plan, r.parent, key)
            and not (
                depended.type == PULL_EXECUTION_ROLE
                and dependent_type != ECS_SERVICE
                and r.type in PERMISSIONS
            )
        }
    return found


def under(plan: StackPlan, parent: str | None, ancestor: str) -> bool:
    while parent is not None:
        if parent == ancestor:
            return True
        parent = plan.resource(parent).parent
    return False


def protected(plan: StackPlan, key: str) -> bool:
    """``protect`` as registered: exactly the plan's, never inherited from a protected parent (a
    lifecycle policy under its protected repository must stay replaceable)."""
    return plan.resource(key).protect


def sent_aliases(plan: StackPlan, resource: Resource, stack: str) -> tuple[str, ...]:
    """Each planned alias as the registrar sends it from a plan: the URN of the earlier type or name
    (unset: the resource's own) under the current parent, as the engine builds a URN: the parents'
    types and the type, ``$``-separated (the stack itself left out), then the name."""
    parents: list[str] = []
    parent = resource.parent
    while parent is not None:
        parents.insert(0, plan.resource(parent).type)
        parent = plan.resource(parent).parent
    return tuple(
        f"urn:pulumi:{stack}::{PROJECT}::{'$'.join([*parents, a.type or resource.type])}::{a.name or resource.name}"
        for a in resource.aliases
    )


def assert_registers_exactly(plan: StackPlan, run: ProgramRun) -> None:
    registered = {r.key: r for r in run.resources if r.typ != STACK_REFERENCE}
    assert sorted(registered) == sorted(r.key for r in plan.resources)
    for resource in plan.resources:
        seen = registered[resource.key]
        # A component's args are not sent to the engine: only the children they reach depend on them.
        refs = () if resource.is_component else tuple(ref.resource for ref in output_refs(resource.inputs))
        assert seen.parent_key == resource.parent, resource.key
        assert seen.custom is not resource.is_component, resource.key
        dependencies = dependency_keys(plan, (*resource.depends_on, *refs), resource.type)
        assert {urn_key(d) for d in seen.dependencies} == dependencies, resource.key
        assert seen.protect == protected(plan, resource.key), resource.key
        assert seen.aliases == sent_aliases(plan, resource, run.stack), resource.key
        if not resource.is_component:
            expected = _with_outputs(engine_inputs(resource.inputs), registered)
            assert seen.inputs == _json(expected), resource.key


def assert_exports_exactly(plan: StackPlan, run: ProgramRun) -> None:
    """The stack's outputs are the plan's exports, each output reference replaced by what the mocks
    answered for that resource's attribute."""
    registered = {r.key: r for r in run.resources}
    assert run.exports == _json(_with_outputs(dict(plan.exports), registered))


def _with_outputs(value: Any, registered: dict[str, Registered]) -> Any:
    """Planned inputs with each output reference replaced by what the mocks answered for it."""
    if isinstance(value, OutputRef):
        return registered[value.resource].outputs[engine_name(value.attribute)]
    if isinstance(value, dict):
        return {k: _with_outputs(v, registered) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_outputs(v, registered) for v in value]
    return value


def _json(value: Any) -> Any:
    return json.loads(json.dumps(value))
