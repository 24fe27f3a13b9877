"""The README is part of the product: its configuration table names every key the program accepts,
and the `verify` output it shows is what the command prints for the committed stack files."""

from __future__ import annotations

import io
import json
import re
import sys

import pytest

from components.aws.policy import iam_policy_length
from components.config.stack import BUILD_KEYS, ENVIRONMENT_KEYS
from components.consumers.config import ECS_SERVICE_KEYS, SECRET_KEYS, SERVICE_KEYS
from components.consumers.documents import execution_role_policy
from components.encryption.config import KMS_KEYS_KEYS
from components.replication.config import RECEIVE_KEYS, REPLICATION_KEYS, RULE_KEYS, SOURCE_KEYS
from components.replication.scanning import SCANNING_KEYS, SCANNING_RULE_KEYS
from components.repositories.config import ACCESS_KEYS, LIFECYCLE_KEYS, REPOSITORY_KEYS
from components.repositories.documents import account_condition_policy, most_accounts_in_one_policy
from components.verify.cli import main as verify_main
from tests.support.pulumi_harness import PROJECT_DIR

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
sys.path.insert(0, str(PROJECT_DIR / "benchmarks"))
import capacity  # noqa: E402


def table_keys() -> set[str]:
    """The first-column names of the configuration reference table, split on ``,`` and ``/``."""
    section = README.split("## Configuration reference", 1)[1].split("\n## ", 1)[0]
    keys: set[str] = set()
    for row in re.findall(r"^\| `([^|]+)` \|", section, flags=re.MULTILINE):
        keys.update(part.strip(" `.") for part in re.split(r"[,/]", row.replace("` / `", ",")))
    return keys


@pytest.mark.parametrize("key", sorted({*BUILD_KEYS, *ENVIRONMENT_KEYS}))
def test_every_top_level_key_is_documented(key: str) -> None:
    assert key in table_keys()


@pytest.mark.parametrize(
    "key",
    [f"repositories[i].{k}" for k in REPOSITORY_KEYS]
    + [f"access.{k}" for k in ACCESS_KEYS]
    + [f"services[i].{k}" for k in SERVICE_KEYS if k not in ("imageDigest", "memory")]
    + [f"services[i].ecsService.{k}" for k in ECS_SERVICE_KEYS]
    + [f"services[i].secrets[j].{k}" for k in SECRET_KEYS]
    + [f"replication.{k}" for k in REPLICATION_KEYS if k != "rules"]
    + [f"replication.rules[i].{k}" for k in RULE_KEYS]
    + [f"receiveReplication.{k}" for k in RECEIVE_KEYS]
    + [f"registryScanning.{k}" for k in SCANNING_KEYS if k != "rules"]
    + [f"registryScanning.rules[i].{k}" for k in SCANNING_RULE_KEYS]
    + [f"receiveReplication.otherSources[i].{k}" for k in SOURCE_KEYS]
    + [f"lifecycle.{k}" for k in LIFECYCLE_KEYS]
    + [f"kmsKeys.{k}" for k in KMS_KEYS_KEYS],
)
def test_every_nested_key_is_documented(key: str) -> None:
    assert key in table_keys()


def test_readme_shows_the_real_verify_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(PROJECT_DIR)
    out, err = io.StringIO(), io.StringIO()
    assert verify_main(["verify"], out=out, err=err) == 0, err.getvalue()
    shown = README.split("$ python -m components verify\n", 1)[1].split("\n```", 1)[0]
    assert shown == out.getvalue().rstrip("\n")


def test_readme_shows_the_pipelines_complete_deploy_from_its_checked_docs() -> None:
    # docs/pipeline.md's examples are re-run by tests/docs/test_pipeline_docs.py.
    docs = (PROJECT_DIR / "docs" / "pipeline.md").read_text(encoding="utf-8")
    example = docs.split("<!-- example: first-deploy -->\n```text\n", 1)[1].split("\n```", 1)[0]
    assert f"```text\n{example}\n```" in README


def test_the_compact_grant_shown_is_the_one_rendered() -> None:
    (statement,) = account_condition_policy(["222222222222", "333333333333"])["Statement"]
    assert f"```json\n{json.dumps(statement, separators=(',', ':'))}\n```" in README


def test_the_capacities_stated_are_the_ones_computed() -> None:
    """The figures of "Large grants and many services" and "Performance", from benchmarks/capacity.py."""
    assert most_accounts_in_one_policy() == 662
    section = README.split("## Large grants and many services", 1)[1].split("\n## ", 1)[0]
    assert "holds 662 accounts" in section and "(304\naccounts in the `aws` partition" in section
    inline = capacity.most(
        lambda n: iam_policy_length(execution_role_policy(*capacity.service_arns(n))) <= 10_240, 1_000
    )
    split = capacity.most(capacity.split_fits, 1_000)
    assert (inline, split) == (72, 502)
    assert f"about\n{inline} services" in section and f"({split} services with such names)" in section
