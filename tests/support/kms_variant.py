"""The committed stacks with their commented-out examples switched on: the build stack's ``kmsKeys``
(create a key per Region) and prod's ``receiveReplication.kmsKeys``, or the worker repository's tag
exclusions. Uncommenting the committed text keeps those examples valid."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from components.config.files import load_stack_config
from tests.support.commented_examples import uncommented
from tests.support.pulumi_harness import PROJECT_DIR


def stack_text(stack: str, *keys: str, replacing: str = "") -> str:
    """A committed stack file's text with the examples of ``keys`` uncommented."""
    text = (PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8")
    if replacing:
        assert text.count(replacing) == 1, replacing
        text = text.replace(replacing, "")
    for key in keys:
        text = uncommented(text, key)
    return text


def _load(stack: str, *keys: str, replacing: str = "") -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / f"Pulumi.{stack}.yaml").write_text(
            stack_text(stack, *keys, replacing=replacing), encoding="utf-8"
        )
        return load_stack_config(Path(folder), stack)


def write_kms_project(folder: Path) -> None:
    """Into a copy of the project: the build and prod files of ``with_kms_keys``."""
    (folder / "Pulumi.build.yaml").write_text(stack_text("build", "ecr-share:kmsKeys"), encoding="utf-8")
    (folder / "Pulumi.prod.yaml").write_text(stack_text("prod", "kmsKeys"), encoding="utf-8")


def committed() -> dict[str, dict[str, Any]]:
    return {name: load_stack_config(PROJECT_DIR, name) for name in ("build", "dev", "staging", "prod")}


def with_kms_keys() -> dict[str, dict[str, Any]]:
    """Every stack file; build creates its keys, prod one for its replicas."""
    stacks = committed()
    stacks["build"] = _load("build", "ecr-share:kmsKeys")
    stacks["prod"] = _load("prod", "kmsKeys")
    assert stacks["build"]["ecr-share:kmsKeys"] == {"create": True, "deletionWindowDays": 30}
    assert stacks["prod"]["ecr-share:receiveReplication"]["kmsKeys"] == {"create": True}
    return stacks


def with_tag_exclusions() -> dict[str, dict[str, Any]]:
    """Every stack file; worker's tags are immutable except latest and dev-*."""
    stacks = committed()
    stacks["build"] = _load(
        "build",
        "imageTagMutability",
        "imageTagMutabilityExclusionFilters",
        replacing="      imageTagMutability: IMMUTABLE\n",
    )
    worker = stacks["build"]["ecr-share:repositories"][1]
    assert worker["imageTagMutability"] == "IMMUTABLE_WITH_EXCLUSION"
    assert worker["imageTagMutabilityExclusionFilters"] == ["latest", "dev-*"]
    return stacks
