"""docs/performance.md states what the code computes: the capacities (benchmarks/capacity.py) and
the dependency edges an environment registers (the registrar's rule, as tests/support/registration.py
states it)."""

from __future__ import annotations

import sys

from components.aws.policy import iam_policy_length
from components.consumers.documents import execution_role_policy
from components.plan.model import output_refs
from components.plan.project import plan_stacks
from components.repositories.documents import most_accounts_in_one_policy
from tests.support.pulumi_harness import PROJECT_DIR
from tests.support.registration import dependency_keys
from tests.support.scale_project import account, build_config, environment_config, repository

PERFORMANCE = (PROJECT_DIR / "docs" / "performance.md").read_text(encoding="utf-8")
sys.path.insert(0, str(PROJECT_DIR / "benchmarks"))
import capacity  # noqa: E402


def test_the_capacities_stated_are_the_ones_computed() -> None:
    inline = capacity.most(
        lambda n: iam_policy_length(execution_role_policy(*capacity.service_arns(n))) <= 10_240, 1_000
    )
    split = capacity.most(capacity.split_fits, 1_000)
    accounts = most_accounts_in_one_policy()
    assert f"compact form {accounts}" in PERFORMANCE
    assert f"one inline policy {inline}; inline and 10 managed policies {split}" in PERFORMANCE


def test_the_dependency_edges_stated_are_the_ones_registered() -> None:
    """At 100 services, as registered (tests/plan/test_register_program.py proves the registrar sends
    exactly ``dependency_keys``)."""
    names = [repository(n) for n in range(100)]
    configs = {"build": build_config(100, 1), "env": environment_config(account(0), names)}
    plan = plan_stacks(configs).plans["env"]
    edges = sum(
        len(
            dependency_keys(
                plan,
                (*r.depends_on, *(() if r.is_component else (ref.resource for ref in output_refs(r.inputs)))),
                r.type,
            )
        )
        for r in plan.resources
    )
    assert edges == 421
    assert "| 100 services | 6,721 | 421 |" in PERFORMANCE
