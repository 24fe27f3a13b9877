"""The registrar on a plan of its own: inputs that refer to another planned resource's output get
that output (and a dependency on it), nested components register their own children, and a
component's ``depends_on`` holds for each of its children."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi_harness import run_program
from registration import assert_registers_exactly

from components.plan.children import CHILDREN, expanded
from components.plan.model import COMPONENT_PREFIX, OutputRef, Resource, StackPlan, key
from components.plan.register import PlannedComponent, register_stack

OUTER = f"{COMPONENT_PREFIX}Outer"
INNER = f"{COMPONENT_PREFIX}Inner"
GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/rolePolicy:RolePolicy"


def outer_children(name: str, args: Any) -> tuple[Resource, ...]:
    role = Resource(
        ROLE, f"{name}-role", {"name": args["role"], "assume_role_policy": "{}"}, parent=key(OUTER, name)
    )
    inner = Resource(INNER, f"{name}-inner", {"group": args["group"]}, parent=key(OUTER, name))
    # The policy names the role by its output: the registration must get the role's registered name.
    policy = Resource(
        POLICY,
        f"{name}-policy",
        {"role": OutputRef(role.key, "name"), "policy": "{}"},
        parent=key(OUTER, name),
        depends_on=(inner.key,),
    )
    return role, inner, policy


def inner_children(name: str, args: Any) -> tuple[Resource, ...]:
    return (Resource(GROUP, f"{name}-logs", {"name": args["group"]}, parent=key(INNER, name)),)


class Outer(PlannedComponent):
    _type_token = OUTER

    def __init__(self, name: str, args: Any, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, outer_children(name, args), opts)


class Inner(PlannedComponent):
    _type_token = INNER

    def __init__(self, name: str, args: Any, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(name, inner_children(name, args), opts)


def test_references_nesting_and_component_dependencies_register_as_planned(
    monkeypatch: Any,
) -> None:
    monkeypatch.setitem(CHILDREN, OUTER, outer_children)
    monkeypatch.setitem(CHILDREN, INNER, inner_children)
    first = Resource(OUTER, "first", {"role": "first-role", "group": "/first"})
    second = Resource(OUTER, "second", {"role": "second-role", "group": "/second"}, depends_on=(first.key,))
    plan = StackPlan("test", "build", "000000000000", "us-east-1", expanded([first, second]), {})
    assert plan.named(POLICY, "second-policy").depends_on == (first.key, key(INNER, "second-inner"))

    def program() -> None:
        register_stack(plan)

    run = run_program("test", {}, program=program)
    assert_registers_exactly(plan, run)
    assert run.one(POLICY, "first-policy").inputs["role"] == "first-role"
