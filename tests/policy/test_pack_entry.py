"""The pack as the Pulumi CLI loads it: ``policy/__main__.py`` builds one PolicyPack of every policy,
the facts the pack shares with the ecr-share package are the same values, and the rules it shares
with the program come from the package's pure modules."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path
from typing import Any

import ecr_security
import pulumi_policy
import pytest
import yaml
from ecr_security import aws

from components.aws import rules

PACK_DIR = Path(__file__).resolve().parents[2] / "policy"


def test_the_entry_module_builds_the_pack_of_every_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[dict[str, Any]] = []
    # The real PolicyPack starts a gRPC server and blocks; record what the entry module passes it.
    monkeypatch.setattr(pulumi_policy, "PolicyPack", lambda **kwargs: built.append(kwargs))
    runpy.run_path(str(PACK_DIR / "__main__.py"), run_name="__main__")
    (pack,) = built
    assert pack["name"] == ecr_security.PACK_NAME
    assert re.fullmatch(r"[a-zA-Z0-9-_.]{1,100}", pack["name"])  # the SDK's pack name rule
    assert pack["policies"] == ecr_security.POLICIES


def test_policy_names_are_unique_and_descriptions_say_what_to_change() -> None:
    names = [p.name for p in ecr_security.POLICIES]
    assert len(set(names)) == len(names) == 16
    for policy in ecr_security.POLICIES:
        assert re.search(
            r"\b(set|add|remove|name|list|use|replace|write|merge|scope)\b", policy.description
        ), policy.name


def test_the_pack_project_file_and_requirements() -> None:
    project = yaml.safe_load((PACK_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"] == {"name": "python", "options": {"virtualenv": "venv"}} and project["version"]
    assert (PACK_DIR / ".gitignore").read_text() == "venv/\n"
    pack_requirements = (PACK_DIR / "requirements.txt").read_text().splitlines()
    # CI's virtualenv: requirements-dev.txt, which includes requirements.txt.
    root_requirements = [
        line
        for name in ("requirements.txt", "requirements-dev.txt")
        for line in (PACK_DIR.parent / name).read_text().splitlines()
    ]
    pinned = [line for line in pack_requirements if line and not line.startswith("#")]
    assert pinned == ["pulumi-policy==1.21.0", "pulumi==3.272.0", ".."]
    assert set(pinned[:2]) <= set(root_requirements)  # CI's venv runs the pack's tests with the same versions


# The package's modules the pack may import: the pure rules it shares with the program.
SHARED_RULES = ("components.aws.globs", "components.aws.overgrants", "components.aws.rules")


def test_the_pack_imports_only_the_packages_pure_rule_modules() -> None:
    for module in (PACK_DIR / "ecr_security").glob("*.py"):
        imported = re.findall(r"^(?:from|import) (components[\w.]*)", module.read_text(), re.MULTILINE)
        assert set(imported) <= set(SHARED_RULES), module.name


def test_the_shared_rule_modules_import_no_pulumi_sdk() -> None:
    """The pack's venv holds the package's dependencies, but the rules must not need them: they load
    with every Pulumi and AWS SDK module blocked."""
    blocked = ["pulumi", "pulumi_aws", "pulumi_policy", "boto3", "botocore", "yaml"]
    code = (
        "import sys\n"
        f"for name in {blocked!r}: sys.modules[name] = None\n"
        f"for module in {SHARED_RULES!r}: __import__(module)\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=PACK_DIR.parent, check=True)


def test_facts_shared_with_the_package_are_equal() -> None:
    assert aws.PULL_ACTIONS == rules.PULL_ACTIONS
    assert aws.ACCOUNT_ID.pattern == rules.ACCOUNT_ID.pattern
    assert aws.ORGANIZATION_ID.pattern == rules.ORGANIZATION_ID.pattern
    assert aws.IMAGE_DIGEST.pattern == rules.IMAGE_DIGEST.pattern
    assert set(aws.WRITE_ACTIONS).isdisjoint(rules.REPLICATION_ACTIONS + rules.PULL_ACTIONS)
