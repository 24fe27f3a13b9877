"""The README is part of the product: its configuration table names every key the program accepts,
and the `verify` output it shows is what the command prints for the committed stack files."""

from __future__ import annotations

import io
import re

import pytest
from pulumi_harness import PROJECT_DIR

from components.config.stack import BUILD_KEYS, ENVIRONMENT_KEYS
from components.consumers.config import ECS_SERVICE_KEYS, SERVICE_KEYS
from components.encryption.config import KMS_KEYS_KEYS
from components.replication.config import RECEIVE_KEYS, REPLICATION_KEYS, RULE_KEYS, SOURCE_KEYS
from components.replication.scanning import SCANNING_KEYS, SCANNING_RULE_KEYS
from components.repositories.config import ACCESS_KEYS, LIFECYCLE_KEYS, REPOSITORY_KEYS
from components.verify.cli import main as verify_main

README = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")


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
    # docs/pipeline.md's examples are re-run by tests/pipeline/test_pipeline_docs.py.
    docs = (PROJECT_DIR / "docs" / "pipeline.md").read_text(encoding="utf-8")
    example = docs.split("<!-- example: first-deploy -->\n```text\n", 1)[1].split("\n```", 1)[0]
    assert f"```text\n{example}\n```" in README
