"""Issue 8: verify covers every registry that holds shared images (the build registry, the build
account's replicas in other Regions, each destination account's replicas), reports a pull nobody
means as UNINTENDED, and lists the documents it evaluated exactly as the plans register them."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from components.consumers.resources import ROLE, ROLE_POLICY
from components.plan.project import plan_project
from components.replication.resources import CREATION_TEMPLATE, REGISTRY_POLICY
from components.repositories.resources import REPOSITORY_POLICY
from components.verify.intended import DeployedState, intended_state
from components.verify.matrix import Status, build_matrix
from components.verify.report import Report, render_table
from tests.support.committed import committed_deployment
from tests.support.stack_edits import grant_prod_replicas
from tests.support.verify_cli import BUILD_REGISTRY, PROD_REPLICAS, WEST_REPLICAS, registry_table, run

ROOT = Path(__file__).resolve().parents[2]
PROD = "444444444444"
BUILD_WEB_APP = "arn:aws:ecr:us-east-1:111111111111:repository/web-app"
ROLES = ("dev role (222222222222)", "prod role (444444444444)", "staging role (333333333333)")
ACCOUNTS = ("account 222222222222 (dev)", "account 333333333333 (staging)", "account 444444444444 (prod)")
STRANGER = "any other account"


def each(labels: tuple[str, ...], *cells: str) -> dict[str, list[str]]:
    """The same table cells for several principals."""
    return {label: list(cells) for label in labels}


# Every cell of the committed stacks: the build stack's grant reaches the build registry and the
# build account's own replicas; prod's replicas serve prod alone (no receiveReplication.access).
COMMITTED = {
    BUILD_REGISTRY: {
        ROLES[0]: ["allowed", "-"],
        ROLES[1]: ["-", "-"],  # prod pulls its replicas instead
        ROLES[2]: ["allowed", "allowed"],
        **each(ACCOUNTS, "allowed", "allowed"),
        STRANGER: ["-", "-"],
    },
    WEST_REPLICAS: {**each(ROLES, "-"), **each(ACCOUNTS, "allowed"), STRANGER: ["-"]},
    PROD_REPLICAS: {
        ROLES[0]: ["-", "-"],
        ROLES[1]: ["allowed", "allowed"],
        ROLES[2]: ["-", "-"],
        ACCOUNTS[0]: ["-", "-"],
        ACCOUNTS[1]: ["-", "-"],
        ACCOUNTS[2]: ["allowed", "allowed"],
        STRANGER: ["-", "-"],
    },
}


def with_policies(state: DeployedState, account: str, policy: dict[str, Any] | None) -> DeployedState:
    """The state with every repository of ``account`` carrying ``policy``."""
    return replace(
        state,
        repositories={
            arn: replace(repo, policy=policy) if repo.account_id == account else repo
            for arn, repo in state.repositories.items()
        },
    )


def test_the_report_covers_every_registry_and_every_principal() -> None:
    code, out, _ = run("--stacks-dir", str(ROOT))
    assert code == 0
    for registry, table in COMMITTED.items():
        assert registry_table(out, registry) == table, registry
    assert (
        "replicas 444444444444 us-east-1: grants no other account; policies from creation templates of "
        "stack prod\n" in out
    )
    _, out, _ = run("--stacks-dir", str(ROOT), "--format", "json")
    (build,) = json.loads(out)["builds"]
    assert [
        (r["registry"], r["replica"], r["repositories"], r["policiesFrom"]) for r in build["registries"]
    ] == [
        ("111111111111/us-east-1", False, ["web-app", "worker"], "stack build"),
        ("111111111111/us-west-2", True, ["web-app"], "creation templates of stack build"),
        ("444444444444/us-east-1", True, ["web-app", "worker"], "creation templates of stack prod"),
    ]
    assert [r["grant"] for r in build["registries"]][1:] == [build["access"], None]


def test_prods_replicas_carry_no_repository_policy() -> None:
    """Least privilege: prod's own roles need none, and its receiveReplication grants nobody else."""
    replicas = [
        r for r in intended_state(committed_deployment()).repositories.values() if r.account_id == PROD
    ]
    assert [(r.name, r.replica, r.policy) for r in replicas] == [
        ("web-app", True, None),
        ("worker", True, None),
    ]


def test_prod_replicas_granting_dev_and_staging_are_unintended() -> None:
    """The old bug: prod's creation template gave every replica the build stack's grant. The config
    cannot produce it any more, so the documents are those a stack deployed before the fix left."""
    deployment = committed_deployment()
    state = intended_state(deployment)
    old_bug = with_policies(state, PROD, state.repositories[BUILD_WEB_APP].policy)
    report = Report(False, str(ROOT), (build_matrix(deployment, old_bug),))
    assert report.exit_code == 1
    out = render_table(report)
    table = registry_table(out, PROD_REPLICAS)
    assert table[ACCOUNTS[0]] == table[ACCOUNTS[1]] == ["UNINTENDED", "UNINTENDED"]
    assert {label: table[label] for label in (*ROLES, ACCOUNTS[2], STRANGER)} == {
        label: COMMITTED[PROD_REPLICAS][label] for label in (*ROLES, ACCOUNTS[2], STRANGER)
    }
    assert (
        "  account 333333333333 (staging) -> worker (replicas 444444444444 us-east-1): can pull, but no "
        "grant means it to\n" in out
    )
    unintended = {(c.row, c.registry) for c in report.cells(Status.UNINTENDED)}
    assert unintended == {
        ("account 222222222222", "444444444444/us-east-1"),
        ("account 333333333333", "444444444444/us-east-1"),
    }
    # The statement that grants them is quoted; its push-side action is no pull's companion there.
    assert (
        "  ECR-PULL UNINTENDED: account 222222222222 (dev) -> web-app (replicas 444444444444 us-east-1): "
        "ecr:GetAuthorizationToken, ecr:BatchGetImage, ecr:GetDownloadUrlForLayer\n"
        "    granted by repository policy of web-app (replicas 444444444444 us-east-1) statement "
        "'AllowCrossAccountPull': " in out
    )
    assert out.endswith(
        "Result: 8 accesses allowed that the config does not declare (ECR-PULL 4, ECR-PUSH 4) (exit code 1)\n"
    )


def test_receive_replication_access_grants_only_the_named_account(project: Path) -> None:
    grant_prod_replicas(project, "333333333333")
    code, out, _ = run("--stacks-dir", str(project))
    assert code == 0, out
    assert (
        "replicas 444444444444 us-east-1: grants accounts 333333333333; policies from creation templates "
        "of stack prod\n" in out
    )
    table = registry_table(out, PROD_REPLICAS)
    assert table[ACCOUNTS[1]] == ["allowed", "allowed"]
    assert table[ACCOUNTS[0]] == ["-", "-"]
    # The grant is to the account: staging's execution role still pulls only what its services run.
    assert table[ROLES[2]] == ["-", "-"]
    assert (
        "Result: all 18 intended pulls are allowed; no access of any class goes beyond what the config declares (exit code 0)"
        in out
    )


def test_selecting_one_stack_keeps_the_replica_grant_of_the_stack_that_receives_them(project: Path) -> None:
    """prod's replicas are reported with ``--stack dev`` too: their grant is still prod's."""
    grant_prod_replicas(project, "333333333333")
    code, out, _ = run("--stacks-dir", str(project), "--stack", "dev")
    assert code == 0, out
    assert registry_table(out, PROD_REPLICAS) == {
        "dev role (222222222222)": ["-", "-"],
        "account 222222222222 (dev)": ["-", "-"],
        "account 333333333333": ["allowed", "allowed"],
        "account 444444444444": ["allowed", "allowed"],
        STRANGER: ["-", "-"],
    }


def test_a_build_policy_that_drops_an_account_is_denied_with_the_reason() -> None:
    """The seed's first troubleshooting item. The plans refuse such a config (test_verify_errors), so
    the dropped account is simulated in the documents, as a hand edit would leave them."""
    deployment = committed_deployment()
    state = intended_state(deployment)
    policy = copy.deepcopy(state.repositories[BUILD_WEB_APP].policy)
    assert policy is not None
    policy["Statement"][0]["Principal"]["AWS"].remove("arn:aws:iam::333333333333:root")
    edited = replace(
        state,
        repositories={
            **state.repositories,
            BUILD_WEB_APP: replace(state.repositories[BUILD_WEB_APP], policy=policy),
        },
    )
    out = render_table(Report(False, str(ROOT), (build_matrix(deployment, edited),)))
    assert registry_table(out, BUILD_REGISTRY)[ROLES[2]] == ["DENIED", "allowed"]
    assert "  staging -> web-app (build registry 111111111111 us-east-1)  1 FAIL  2 ok  3 ok\n" in out
    assert (
        "  staging -> web-app (build registry 111111111111 us-east-1): repository policy of web-app does "
        "not grant account 333333333333\n" in out
    )
    # The account row too: no role of staging's account can pull web-app any more.
    assert registry_table(out, BUILD_REGISTRY)[ACCOUNTS[1]] == ["DENIED", "allowed"]
    assert out.endswith("Result: 2 of 16 intended pulls denied (exit code 1)\n")


def planned_documents(project: Path) -> dict[str, list[dict[str, str]]]:
    """Every repository, registry, role (trust and identity) and replica-template policy the plans
    register, per stack, as sent."""
    inputs = {
        REPOSITORY_POLICY: "policy",
        ROLE_POLICY: "policy",
        CREATION_TEMPLATE: "repository_policy",
        REGISTRY_POLICY: "policy",
        ROLE: "assume_role_policy",
    }
    documents: dict[str, list[dict[str, str]]] = {}
    for stack, plan in plan_project(project).plans.items():
        for resource in plan.resources:
            name = inputs.get(resource.type)
            if name is not None and name in resource.inputs:
                documents.setdefault(stack, []).append(
                    {"resource": resource.key, "input": name, "text": resource.inputs[name]}
                )
    return documents


@pytest.mark.parametrize("prod_grants", [(), ("333333333333",)], ids=["committed", "prod-grants-staging"])
def test_json_lists_every_evaluated_document_as_the_plan_registers_it(
    project: Path, prod_grants: tuple[str, ...]
) -> None:
    if prod_grants:
        grant_prod_replicas(project, *prod_grants)
    _, out, _ = run("--stacks-dir", str(project), "--format", "json")
    (build,) = json.loads(out)["builds"]
    by_resource = {
        stack: sorted(documents, key=lambda d: d["resource"])
        for stack, documents in build["documents"].items()
    }
    expected = planned_documents(project)
    assert by_resource == {stack: sorted(d, key=lambda d: d["resource"]) for stack, d in expected.items()}
    prod_templates = [d for d in build["documents"]["prod"] if d["input"] == "repository_policy"]
    assert len(prod_templates) == (1 if prod_grants else 0)  # the ROOT template, only when it grants
    # The defect of issue 19: prod's registry policy is evaluated, and listed, like every other document.
    (registry_policy,) = [
        d for d in build["documents"]["prod"] if d["input"] == "policy" and "registryPolicy" in d["resource"]
    ]
    assert registry_policy["resource"] == "aws:ecr/registryPolicy:RegistryPolicy::replication-registry-policy"
    assert '"ecr:ReplicateImage"' in registry_policy["text"]
