"""The repositories' records: a lifecycle's policy text is a property of the record, rendered once."""

from __future__ import annotations

import pytest

from components.config.stack import parse_stack_config
from components.plan.build import plan_build_stack
from components.repositories.documents import lifecycle_policy_text
from components.repositories.model import KeepTagged, Lifecycle
from tests.support.call_count import calls_of
from tests.support.committed import LIFECYCLE_TEXT, committed
from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_stack_file

COMMITTED = Lifecycle(14, (KeepTagged("dev-", 20),))


def test_a_lifecycle_renders_its_policy_text_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Equality and hashing ignore the text the record keeps: they are the rules'."""
    renders = calls_of(monkeypatch, lifecycle_policy_text)
    lifecycle = Lifecycle(14, (KeepTagged("dev-", 20),))
    assert lifecycle.policy_text == LIFECYCLE_TEXT
    assert lifecycle.policy_text is lifecycle.policy_text
    assert renders == [(lifecycle,)]
    assert lifecycle == COMMITTED and hash(lifecycle) == hash(COMMITTED)
    assert repr(lifecycle) == repr(COMMITTED)
    assert Lifecycle(7) != COMMITTED


def test_a_run_of_the_build_stack_renders_its_lifecycle_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both repositories take the stack's ``lifecycle``, one record: its parse renders it (to check
    its size), and the repositories and the us-west-2 replicas' template take that text."""
    renders = calls_of(monkeypatch, lifecycle_policy_text)
    run = run_stack_file("build")
    assert renders == [(COMMITTED,)]
    policies = [
        r.inputs["policy"] for r in run.resources if r.typ == "aws:ecr/lifecyclePolicy:LifecyclePolicy"
    ]
    templates = [
        r.inputs["lifecyclePolicy"]
        for r in run.resources
        if r.typ == "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
    ]
    assert policies == [LIFECYCLE_TEXT, LIFECYCLE_TEXT]
    assert templates == [LIFECYCLE_TEXT]


def test_a_repository_with_its_own_lifecycle_renders_its_own_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each lifecycle record of the stack once, however many repositories take it."""
    config = committed()["build"]
    config["ecr-share:repositories"].append({"name": "tools", "lifecycle": {"expireUntaggedAfterDays": 7}})
    renders = calls_of(monkeypatch, lifecycle_policy_text)
    plan_build_stack(parse_stack_config("build", config))
    assert renders == [(COMMITTED,), (Lifecycle(7),)]


def test_a_run_of_prod_renders_each_lifecycle_read_back_once(
    monkeypatch: pytest.MonkeyPatch, build: ProgramRun
) -> None:
    """Issue 20: the build stack's outputs give each repository its lifecycle; their parse renders
    each once (to check its size), and the replicas' templates take the text of web-app's record."""
    renders = calls_of(monkeypatch, lifecycle_policy_text)
    run = run_stack_file("prod", {BUILD_STACK: build.exports})
    assert renders == [(COMMITTED,), (COMMITTED,)]
    (template,) = [
        r for r in run.resources if r.typ == "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate"
    ]
    assert template.inputs["lifecyclePolicy"] == LIFECYCLE_TEXT
