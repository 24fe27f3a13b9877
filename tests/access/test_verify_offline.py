"""``python -m components verify`` offline: the committed stack files, the three formats, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from verify_cli import run

ROOT = Path(__file__).resolve().parents[2]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new))


def test_committed_stacks_verify_clean() -> None:
    code, out, err = run("--stacks-dir", str(ROOT))
    assert (code, err) == (0, "")
    assert "build stack build: account 111111111111, us-east-1" in out
    assert "prod (444444444444)     allowed  allowed" in out
    assert "dev -> web-app      1 ok  2 ok  3 ok" in out
    assert (
        "any other account -> web-app: not used; repository policy of web-app does not grant any other account"
        in out
    )
    assert out.rstrip().endswith(
        "Result: all 4 intended pulls are allowed; no other role or account can pull (exit code 0)"
    )


def test_json_format_lists_every_cell_with_the_seed_checks() -> None:
    code, out, _ = run("--stacks-dir", str(ROOT), "--format", "json")
    report = json.loads(out)
    assert code == report["exitCode"] == 0
    (build,) = report["builds"]
    assert build["access"] == {
        "mode": "accounts",
        "accounts": ["222222222222", "333333333333", "444444444444"],
    }
    cells = {(c["consumer"], c["repository"]): c for c in build["cells"]}
    assert len(cells) == 4 * 2  # dev, staging, prod, others x web-app, worker
    assert cells[("prod", "worker")]["status"] == "allowed"
    assert cells[("prod", "worker")]["checks"] == {
        "repository policy grants the account": "allow",
        "role has ecr:GetAuthorizationToken": "allow",
        "role may pull the repository ARN": "allow",
    }
    assert cells[("dev", "worker")]["status"] == "not used"
    assert cells[("dev", "worker")]["reasons"] == [
        "role ecr-share-dev-execution may not pull arn:aws:ecr:us-east-1:111111111111:repository/worker"
    ]


def test_markdown_format_draws_the_real_accounts() -> None:
    code, out, _ = run("--stacks-dir", str(ROOT), "--format", "markdown")
    assert code == 0
    assert "```mermaid\ngraph TB\n" in out
    assert 'subgraph build_build["Build account (111111111111) · stack build"]' in out
    assert 'subgraph account_prod["prod (444444444444)"]' in out
    # prod pulls its own replicas (pullFrom: replica in Pulumi.prod.yaml).
    assert (
        "    repo_worker -.->|replicates| replica_prod_worker\n    replica_prod_worker -->|pull| role_prod"
        in out
    )
    assert "    repo_web_app -->|pull| role_dev" in out
    assert "worker -->|pull| role_dev" not in out
    assert "| dev (222222222222) | allowed | - |" in out


def test_an_account_missing_from_the_grant_is_denied_with_the_reason(project: Path) -> None:
    edit(project / "Pulumi.build.yaml", '      - "333333333333"   # staging\n', "")
    code, out, _ = run("--stacks-dir", str(project))
    assert code == 1
    assert "staging (333333333333)  DENIED" in out
    assert "staging -> web-app  1 FAIL  2 ok  3 ok" in out
    assert "staging -> web-app: repository policy of web-app does not grant account 333333333333" in out
    assert "Result: 1 of 4 intended pulls denied (exit code 1)" in out


def test_stack_selection(project: Path) -> None:
    code, out, _ = run("--stacks-dir", str(project), "--stack", "dev", "--format", "json")
    consumers = [c["label"] for c in json.loads(out)["builds"][0]["consumers"]]
    assert (code, consumers) == (0, ["dev (222222222222)", "any other account"])
    _, out, _ = run("--stacks-dir", str(project), "--stack", "build", "--format", "json")
    assert len(json.loads(out)["builds"][0]["consumers"]) == 4


def test_organization_mode_without_an_organization_path_is_unproven(project: Path) -> None:
    edit(
        project / "Pulumi.build.yaml",
        '    accounts:\n      - "222222222222"   # dev\n      - "333333333333"   # staging\n'
        '      - "444444444444"   # prod\n',
        "    organizationId: o-abc123def4\n",
    )
    edit(
        project / "Pulumi.dev.yaml",
        "  ecr-share:stackKind: environment\n",
        "  ecr-share:stackKind: environment\n  ecr-share:organizationPath: o-abc123def4/r-ab12/ou-ab12-11111111/\n",
    )
    code, out, _ = run("--stacks-dir", str(project))
    assert code == 3
    assert "dev (222222222222)      allowed  -" in out
    assert "staging (333333333333)  unknown  -" in out
    # prod pulls replicas in its own account: within one account its identity policy is enough.
    assert "prod (444444444444)     allowed  allowed" in out
    assert (
        "staging sets no ecr-share:organizationPath, so whether account 333333333333 is in organization "
        "o-abc123def4 cannot be proven" in out
    )
    assert "Result: 1 pull cannot be proven either way (exit code 3)" in out


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
    assert json.loads(result.stdout)["summary"].startswith("all 4 intended pulls are allowed")
