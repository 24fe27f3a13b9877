"""The registrar on a plan of its own: inputs that refer to another planned resource's output get
that output (and a dependency on it), nested components register their own children, and a
component's ``depends_on`` holds for each of its children."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.catalog import CLASSES
from components.plan.children import CHILDREN, expanded
from components.plan.model import COMPONENT_PREFIX, Alias, OutputRef, Resource, StackPlan, key
from components.plan.register import PROVIDER_TYPES, PlannedComponent, provider_class, register_stack
from tests.support.pulumi_harness import BUILD_STACK, run_program, run_stack_file
from tests.support.registration import assert_registers_exactly

OUTER = f"{COMPONENT_PREFIX}Outer"
INNER = f"{COMPONENT_PREFIX}Inner"
GROUP = "aws:cloudwatch/logGroup:LogGroup"
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/rolePolicy:RolePolicy"
ROOT = Path(__file__).resolve().parent.parent.parent


def outer_children(name: str, args: Any) -> tuple[Resource, ...]:
    role = Resource(
        ROLE, f"{name}-role", {"name": args["role"], "assume_role_policy": "{}"}, parent=key(OUTER, name)
    )
    inner = Resource(
        INNER,
        f"{name}-inner",
        model={"group": args["group"]},
        parent=key(OUTER, name),
        aliases=(Alias(type=f"{COMPONENT_PREFIX}OldInner"),),
    )
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
    group = Resource(
        GROUP,
        f"{name}-logs",
        {"name": args["group"]},
        parent=key(INNER, name),
        aliases=(Alias(name=f"{name}-log"),),
    )
    return (group,)


ARGS = {"role": "first-role", "group": "/first"}


class Outer(PlannedComponent):
    _type_token = OUTER


class Inner(PlannedComponent):
    _type_token = INNER


def test_references_nesting_and_component_dependencies_register_as_planned(
    monkeypatch: Any,
) -> None:
    monkeypatch.setitem(CHILDREN, OUTER, outer_children)
    monkeypatch.setitem(CHILDREN, INNER, inner_children)
    monkeypatch.setitem(CLASSES, OUTER, Outer)
    monkeypatch.setitem(CLASSES, INNER, Inner)
    first = Resource(OUTER, "first", model={"role": "first-role", "group": "/first"})
    second = Resource(
        OUTER, "second", model={"role": "second-role", "group": "/second"}, depends_on=(first.key,)
    )
    plan = StackPlan("test", "build", "000000000000", "us-east-1", expanded([first, second]), {})
    assert plan.named(POLICY, "second-policy").depends_on == (first.key, key(INNER, "second-inner"))

    def program() -> None:
        register_stack(plan)

    run = run_program("test", {}, program=program)
    assert_registers_exactly(plan, run)
    assert run.one(POLICY, "first-policy").inputs["role"] == "first-role"


def test_aliases_go_as_the_urns_the_engine_would_compute_at_any_depth(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Each planned alias is sent as a URN, built from the full chain of parent types (the mock
    engine's own URNs keep only the nearest parent's type, so this is checked on the literal)."""
    monkeypatch.setitem(CHILDREN, OUTER, outer_children)
    monkeypatch.setitem(CHILDREN, INNER, inner_children)
    monkeypatch.setitem(CLASSES, OUTER, Outer)
    monkeypatch.setitem(CLASSES, INNER, Inner)
    plan = StackPlan(
        "test", "build", "000000000000", "us-east-1", expanded([Resource(OUTER, "first", model=ARGS)]), {}
    )

    def program() -> None:
        register_stack(plan)

    run = run_program("test", {}, program=program)
    assert_registers_exactly(plan, run)
    assert run.one(INNER).aliases == (
        "urn:pulumi:test::ecr-share::ecr-share:index:Outer$ecr-share:index:OldInner::first-inner",
    )
    assert run.one(GROUP).aliases == (
        "urn:pulumi:test::ecr-share::ecr-share:index:Outer$ecr-share:index:Inner$aws:cloudwatch/logGroup:LogGroup::first-inner-log",
    )


def test_under_a_parent_of_the_programs_own_aliases_go_as_specs(monkeypatch: pytest.MonkeyPatch) -> None:
    """A component under a parent it did not register (another program's component, or the
    provider's construct path, which passes the parent as a URN) cannot know that parent's URN
    type: its aliases, and its children's, go as specs for the engine to resolve."""
    monkeypatch.setitem(CHILDREN, OUTER, outer_children)
    monkeypatch.setitem(CHILDREN, INNER, inner_children)
    monkeypatch.setitem(CLASSES, INNER, Inner)

    def program() -> None:
        app = pulumi.ComponentResource("user:index:App", "app")
        Outer("first", ARGS, pulumi.ResourceOptions(parent=app))

    run = run_program("test", {}, program=program)
    assert run.one(INNER).aliases == ("spec::ecr-share:index:OldInner",)
    assert run.one(GROUP).aliases == ("spec:first-inner-log:",)


def test_each_provider_type_is_its_pulumi_aws_class() -> None:
    for type_ in PROVIDER_TYPES:
        cls = provider_class(type_)
        assert issubclass(cls, pulumi.CustomResource), type_
        assert (cls.__module__.split(".")[1], cls.__name__) == (
            type_.split(":")[1].split("/")[0],
            type_.split(":")[2],
        )
    with pytest.raises(KeyError, match="aws:s3/bucket:Bucket is not a pulumi-aws type ecr-share registers"):
        provider_class("aws:s3/bucket:Bucket")


def test_the_program_imports_pulumi_aws_only_to_register() -> None:
    """A stack imports the pulumi-aws modules it registers, when it registers them: loading the
    program imports none (a refused stack, none at all)."""
    code = (
        "import sys, components.program; print(sorted(m for m in sys.modules if m.startswith('pulumi_aws')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout == "[]\n"


def test_children_are_computed_once_per_run_by_the_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """The registrar registers the children the stack's plan holds: each component's pure children
    function runs once per run (for the plan), never again while registering."""
    build = run_stack_file("build")
    calls: Counter[str] = Counter()

    def counted(type_: str) -> Any:
        compute = CHILDREN[type_]

        def children(name: str, model: Any) -> tuple[Resource, ...]:
            calls[name] += 1
            return compute(name, model)

        return children

    for type_ in list(CHILDREN):
        monkeypatch.setitem(CHILDREN, type_, counted(type_))
    run = run_stack_file("prod", {BUILD_STACK: build.exports})
    components = [r for r in run.resources if r.typ.startswith(COMPONENT_PREFIX)]
    assert len(components) >= 3
    assert calls == Counter({r.name: 1 for r in components})
