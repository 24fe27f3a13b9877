"""``python -m components verify`` offline: the committed stack files, the three formats, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.scale_project import account, build_config, environment_config, repository, write_project
from tests.support.stack_edits import GRANTED_OU, grant_organization, set_organization_path
from tests.support.verify_cli import (
    BUILD_REGISTRY,
    PROD_REPLICAS,
    WEST_REPLICAS,
    json_cells,
    registry_table,
    run,
)

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = {"222222222222": "dev", "333333333333": "staging", "444444444444": "prod"}


def test_committed_stacks_verify_clean() -> None:
    code, out, err = run("--stacks-dir", str(ROOT))
    assert (code, err) == (0, "")
    assert out.startswith(
        f"ecr-share verify (offline: the policies the plans of the stack files in {ROOT} register)\n"
    )
    assert "build stack build: account 111111111111, us-east-1" in out
    assert registry_table(out, PROD_REPLICAS)["prod role (444444444444)"] == ["allowed", "allowed"]
    assert "  dev -> web-app (build registry 111111111111 us-east-1)      1 ok   2 ok  3 ok\n" in out
    # Within prod's own account the identity policy is enough: check 1 does not apply.
    assert "  prod -> worker (replicas 444444444444 us-east-1)            1 n/a  2 ok  3 ok\n" in out
    assert (
        "  any other account -> web-app (build registry 111111111111 us-east-1): repository policy of "
        "web-app does not grant any other account\n" in out
    )
    assert out.rstrip().endswith(
        "Result: all 16 intended pulls are allowed; no access of any class goes beyond what the config declares (exit code 0)"
    )


def test_json_format_lists_every_cell_with_the_seed_checks() -> None:
    code, out, _ = run("--stacks-dir", str(ROOT), "--format", "json")
    report = json.loads(out)
    assert code == report["exitCode"] == 0
    assert report["formatVersion"] == 2
    assert {c["id"] for c in report["checks"]} >= {
        "ECR-PULL",
        "ECR-PULL-PARTIAL",
        "ECR-PUSH",
        "ECR-REPLICATE-IN",
        "ECR-DELETE",
        "ECR-ADMIN",
        "KMS-USE",
        "KMS-ADMIN",
        "IAM-ASSUME",
        "SEED-REPOSITORY-POLICY",
    }
    (build,) = report["builds"]
    assert build["analysis"]["findings"] == []
    assert build["access"] == {
        "mode": "accounts",
        "accounts": ["222222222222", "333333333333", "444444444444"],
        "roles": [],
        "lambdaAccounts": [],
    }
    cells = json_cells(build)
    # 3 roles, 3 accounts and any other account, against 2 + 1 + 2 repositories in three registries.
    assert len(cells) == 7 * 5
    prod_worker = cells[("prod", "444444444444/us-east-1", "worker")]
    assert prod_worker["status"] == "allowed"
    assert prod_worker["checks"] == {
        "SEED-REPOSITORY-POLICY": "not needed",
        "SEED-AUTHORIZATION-TOKEN": "allow",
        "SEED-ROLE-POLICY": "allow",
    }
    dev_worker = cells[("dev", "111111111111/us-east-1", "worker")]
    assert dev_worker["status"] == "not used"
    assert dev_worker["checks"]["SEED-REPOSITORY-POLICY"] == "allow"
    assert dev_worker["reasons"] == [
        "role ecr-share-dev-execution may not pull arn:aws:ecr:us-east-1:111111111111:repository/worker"
    ]


def test_markdown_format_draws_the_real_accounts() -> None:
    code, out, _ = run("--stacks-dir", str(ROOT), "--format", "markdown")
    assert code == 0
    assert "```mermaid\ngraph TB\n" in out
    assert 'subgraph registry_111111111111_us_east_1["Build account (111111111111) · stack build"]' in out
    assert 'subgraph registry_444444444444_us_east_1["Replicas in 444444444444, us-east-1"]' in out
    assert 'subgraph account_prod["prod (444444444444)"]' in out
    # prod pulls its own replicas (pullFrom: replica in Pulumi.prod.yaml).
    assert (
        "    repo_111111111111_us_east_1_worker -.->|replicates| repo_444444444444_us_east_1_worker\n" in out
    )
    assert "    repo_444444444444_us_east_1_worker -->|pull| role_prod\n" in out
    assert "    repo_111111111111_us_east_1_web_app -->|pull| role_dev\n" in out
    assert "worker -->|pull| role_dev" not in out
    assert f"### {PROD_REPLICAS}\n" in out
    assert "| dev role (222222222222) | allowed | - |" in out
    assert "| prod → worker (replicas 444444444444 us-east-1) | n/a | ok | ok |" in out


def test_stack_selection(project: Path) -> None:
    code, out, _ = run("--stacks-dir", str(project), "--stack", "dev", "--format", "json")
    principals = [p["label"] for p in json.loads(out)["builds"][0]["principals"]]
    # The granted accounts stay rows: every registry is still reported.
    assert (code, principals) == (
        0,
        [
            "dev role (222222222222)",
            "account 222222222222 (dev)",
            "account 333333333333",
            "account 444444444444",
            "any other account",
        ],
    )
    _, out, _ = run("--stacks-dir", str(project), "--stack", "build", "--format", "json")
    assert len(json.loads(out)["builds"][0]["principals"]) == 7


def test_organization_mode_without_an_organization_path_is_unproven(project: Path) -> None:
    grant_organization(project)
    set_organization_path(project, "dev")
    code, out, _ = run("--stacks-dir", str(project))
    assert code == 3
    build = registry_table(out, BUILD_REGISTRY)
    assert build["dev role (222222222222)"] == ["allowed", "-"]
    assert build["staging role (333333333333)"] == ["unknown", "unknown"]
    assert build["account 333333333333 (staging)"] == ["unknown", "unknown"]
    # prod pulls replicas in its own account: within one account its identity policy is enough.
    assert registry_table(out, PROD_REPLICAS)["prod role (444444444444)"] == ["allowed", "allowed"]
    assert (
        "staging sets no ecr-share:organizationPath, so whether account 333333333333 is in organization "
        "o-abc123def4 cannot be proven" in out
    )
    assert (
        "  staging -> web-app (build registry 111111111111 us-east-1): whether account 333333333333 is in "
        "organization o-abc123def4 is not known: set ecr-share:organizationPath in its stack; " in out
    )
    # staging's role and account rows on both registries that serve the grant, prod's account on both.
    assert "Result: 8 accesses cannot be proven either way (exit code 3)" in out


def test_organization_mode_the_account_outside_the_granted_ous_cannot_pull(project: Path) -> None:
    grant_organization(project, f"{GRANTED_OU}*")
    for stack in ("dev", "staging", "prod"):
        set_organization_path(project, stack)
    code, out, _ = run("--stacks-dir", str(project))
    assert code == 0, out
    assert (
        "build stack build: account 111111111111, us-east-1, grants organization o-abc123def4 below "
        "o-abc123def4/r-ab12/ou-ab12-11111111/*\n" in out
    )
    roles = {
        "dev role (222222222222)": ["allowed", "-"],
        "prod role (444444444444)": ["-", "-"],
        "staging role (333333333333)": ["allowed", "allowed"],
    }
    members = {f"account {a} ({s})": ["allowed", "allowed"] for a, s in ACCOUNTS.items()}
    outsiders = {"organization account outside the granted OUs": ["-", "-"], "any other account": ["-", "-"]}
    assert registry_table(out, BUILD_REGISTRY) == roles | members | outsiders
    assert registry_table(out, WEST_REPLICAS) == {
        **{label: ["-"] for label in roles},
        **{label: ["allowed"] for label in members},
        **{label: ["-"] for label in outsiders},
    }
    assert (
        "  organization account outside the granted OUs -> web-app (build registry 111111111111 us-east-1): "
        "repository policy of web-app does not grant accounts of organization o-abc123def4 outside the "
        "granted OU paths; resource policy statement 'AllowOrganizationPull': condition "
        "ForAnyValue:StringLike aws:PrincipalOrgPaths fails: the request has aws:PrincipalOrgPaths = "
        "o-abc123def4/r-0000/ou-0000-00000000/\n" in out
    )
    _, out, _ = run("--stacks-dir", str(project), "--format", "json")
    (build,) = json.loads(out)["builds"]
    (outside,) = [
        p for p in build["principals"] if p["kind"] == "organization account outside the granted OU paths"
    ]
    assert outside["organizationPath"] == "o-abc123def4/r-0000/ou-0000-00000000/"
    cells = [c for c in build["cells"] if c["principal"] == outside["principal"]]
    assert len(cells) == 5 and {(c["decision"], c["status"]) for c in cells} == {("deny", "not used")}


def test_module_entry_point_runs() -> None:
    """The documented command, as a subprocess."""
    result = subprocess.run(
        [sys.executable, "-m", "components", "verify", "--stacks-dir", str(ROOT), "--format", "json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["summary"].startswith("all 16 intended pulls are allowed")


def test_a_role_split_over_managed_policies_is_evaluated_whole(tmp_path: Path) -> None:
    names = [repository(n) for n in range(80)]
    write_project(tmp_path, {"build": build_config(80, 1), "big": environment_config(account(0), names)})
    code, out, _ = run("--stacks-dir", str(tmp_path), "--format", "json")
    (build,) = json.loads(out)["builds"]
    assert code == 0
    role_cells = [c for c in build["cells"] if c["principal"] == "big"]
    assert len(role_cells) == 80 and {c["status"] for c in role_cells} == {"allowed"}
    assert [d["resource"] for d in build["documents"]["big"]] == [
        "aws:iam/role:Role::execution-role",
        "aws:iam/rolePolicy:RolePolicy::execution-pull",
        *(f"aws:iam/policy:Policy::execution-pull-{n}" for n in range(1, 11)),
    ]
