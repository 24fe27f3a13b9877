"""The README and the configuration reference are part of the product: the reference's table names
every key the program accepts, and the outputs, policies and figures they show are the real ones."""

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
CONFIGURATION = (PROJECT_DIR / "docs" / "configuration.md").read_text(encoding="utf-8")
sys.path.insert(0, str(PROJECT_DIR / "benchmarks"))
import capacity  # noqa: E402


def table_keys() -> set[str]:
    """The first-column names of the configuration reference table, split on ``,`` and ``/``."""
    section = CONFIGURATION.split("\n## Keys\n", 1)[1].split("\n## ", 1)[0]
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


def test_readme_shows_an_excerpt_of_the_real_verify_output(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each piece between the excerpt's ``...`` lines is in the real output, in order (docs/verify.md
    shows the whole output: tests/docs/test_verify_docs.py)."""
    monkeypatch.chdir(PROJECT_DIR)
    out, err = io.StringIO(), io.StringIO()
    assert verify_main(["verify"], out=out, err=err) == 0, err.getvalue()
    shown = README.split("$ python -m components verify\n", 1)[1].split("\n```", 1)[0]
    pieces = [piece.strip("\n") for piece in re.split(r"^\.\.\.$", shown, flags=re.MULTILINE)]
    assert pieces[0] == "" and len(pieces) == 3  # "...", the build registry's table, "...", the result
    output, at = out.getvalue(), 0
    for piece in pieces[1:]:
        at = output.index(piece, at) + len(piece)
    assert output.rstrip("\n").endswith(pieces[-1])


def test_the_deploy_page_shows_the_pipelines_complete_deploy_from_its_checked_docs() -> None:
    # docs/pipeline.md's examples are re-run by tests/docs/test_pipeline_docs.py.
    docs = (PROJECT_DIR / "docs" / "pipeline.md").read_text(encoding="utf-8")
    deploy = (PROJECT_DIR / "docs" / "deploy.md").read_text(encoding="utf-8")
    example = docs.split("<!-- example: first-deploy -->\n```text\n", 1)[1].split("\n```", 1)[0]
    assert f"```text\n{example}\n```" in deploy


def test_the_compact_grant_shown_is_the_one_rendered() -> None:
    (statement,) = account_condition_policy(["222222222222", "333333333333"])["Statement"]
    assert f"```json\n{json.dumps(statement, separators=(',', ':'))}\n```" in CONFIGURATION


def test_the_capacities_stated_are_the_ones_computed() -> None:
    """The figures of "Large grants and many services", from benchmarks/capacity.py."""
    assert most_accounts_in_one_policy() == 662
    section = CONFIGURATION.split("## Large grants and many services", 1)[1].split("\n## ", 1)[0]
    assert "holds 662 accounts" in section and "(304\naccounts in the `aws` partition" in section
    inline = capacity.most(
        lambda n: iam_policy_length(execution_role_policy(*capacity.service_arns(n))) <= 10_240, 1_000
    )
    split = capacity.most(capacity.split_fits, 1_000)
    assert (inline, split) == (72, 502)
    assert f"about\n{inline} services" in section and f"({split} services with such names)" in section
