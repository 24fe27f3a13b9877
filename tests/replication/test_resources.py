"""What the replication components register: the receiver's registry policy is the text its model
carries, rendered and checked once where the key (or arg) that shapes it is known."""

from __future__ import annotations

import json

import pytest

from components.plan.children import with_children
from components.plan.model import Resource
from components.plan.project import plan_stacks
from components.replication.component import ReplicationReceiver
from components.replication.documents import receiver_registry_policy, replication_statements
from components.replication.resources import (
    REGISTRY_POLICY,
    REPLICATION_RECEIVER,
    replication_receiver_args,
)
from tests.support.call_count import calls_of
from tests.support.committed import committed
from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_program, run_stack_file
from tests.support.registry_settings_variant import with_registry_settings


def test_a_run_of_prod_renders_its_registry_policy_once(
    monkeypatch: pytest.MonkeyPatch, build: ProgramRun
) -> None:
    """Issue 20: receiveReplication's parse renders the registry policy to check it; the plan and
    the receiver's children take that text as it is."""
    renders = calls_of(monkeypatch, receiver_registry_policy)
    run = run_stack_file("prod", {BUILD_STACK: build.exports})
    assert len(renders) == 1
    assert [r.name for r in run.resources if r.typ == REGISTRY_POLICY] == ["replication-registry-policy"]


def test_the_component_renders_its_registry_policy_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A program constructing ``ReplicationReceiver`` gets the policy its args check rendered (and
    checked, by arg): the children take it as it is."""
    plan = plan_stacks(committed()).plans["prod"]
    planned = plan.named(REPLICATION_RECEIVER, "replication")
    checks = ReplicationReceiver._args
    assert checks is not None
    renders = calls_of(monkeypatch, receiver_registry_policy)
    model = checks.checked('ReplicationReceiver "replication"', replication_receiver_args(planned.model))
    children = list(with_children(Resource(REPLICATION_RECEIVER, "replication", model=model)))
    assert len(renders) == 1
    assert model == planned.model
    (policy,) = [r for r in children if r.type == REGISTRY_POLICY]
    assert policy.inputs == plan.named(REGISTRY_POLICY, "replication-registry-policy").inputs


def test_statements_and_other_sources_are_checked_against_the_policy_rendered_once(
    monkeypatch: pytest.MonkeyPatch, build: ProgramRun
) -> None:
    """The replication statements a further statement's Sid and Deny are checked against are the
    ones the registry policy holds: rendered once, with it."""
    config = with_registry_settings()["prod"]
    renders = calls_of(monkeypatch, receiver_registry_policy)
    replication = calls_of(monkeypatch, replication_statements)
    run = run_program("prod", config, {BUILD_STACK: build.exports})
    assert (len(renders), len(replication)) == (1, 1)
    (policy,) = [r for r in run.resources if r.typ == REGISTRY_POLICY]
    assert [s["Sid"] for s in json.loads(policy.inputs["policy"])["Statement"]] == [
        "ReplicationFrom111111111111",
        "ReplicationFrom555555555555",
        "PullThroughCache",
    ]
