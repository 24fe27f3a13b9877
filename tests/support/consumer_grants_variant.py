"""The committed stack files with their commented examples of the narrower grants uncommented:
``Pulumi.build.yaml``'s ``roles`` and ``lambdaAccounts``, ``Pulumi.dev.yaml``'s ``pullRoles``. Tests
plan, register and verify these, so the examples stay valid."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from components.config.files import list_stacks, load_stack_config
from tests.support.pulumi_harness import PROJECT_DIR

BUILD_EXAMPLE = "    # roles:"
DEV_EXAMPLE = "  # ecr-share:pullRoles:"
CI_ROLE = "arn:aws:iam::555555555555:role/ci/integration-tests"
CODEBUILD_ROLE = "arn:aws:iam::222222222222:role/service-role/codebuild-integration-tests"
DEV_EXECUTION_ROLE = "arn:aws:iam::222222222222:role/ecr-share-dev-execution"
DEV_NODE_ROLE = "arn:aws:iam::222222222222:role/eks-node-role"


def uncommented(text: str, first: str) -> str:
    """The text with the comment block that starts with the line beginning ``first`` uncommented:
    that line and the lines after it that are comments at the same indentation."""
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.startswith(first)), None)
    assert start is not None, f"{first!r} is no longer a line of the stack file"
    prefix = first[: first.index("#") + 2]
    end = start
    while end < len(lines) and lines[end].startswith(prefix):
        end += 1
    body = [prefix[:-2] + line[len(prefix) :] for line in lines[start:end]]
    return "".join(lines[:start] + body + lines[end:])


def with_examples(folder: Path) -> Path:
    """Write the build and dev stack files, examples uncommented, and the rest as committed."""
    for path in PROJECT_DIR.glob("Pulumi*.yaml"):
        text = path.read_text(encoding="utf-8")
        if path.name == "Pulumi.build.yaml":
            text = uncommented(text, BUILD_EXAMPLE)
        elif path.name == "Pulumi.dev.yaml":
            text = uncommented(text, DEV_EXAMPLE)
        (folder / path.name).write_text(text, encoding="utf-8")
    return folder


def example_config(stack: str) -> dict[str, Any]:
    """One stack's config map with the examples, read through the one stack-file loader."""
    with tempfile.TemporaryDirectory() as folder:
        return load_stack_config(with_examples(Path(folder)), stack)


def example_stacks() -> dict[str, dict[str, Any]]:
    """Every stack's config map, the examples uncommented."""
    with tempfile.TemporaryDirectory() as folder:
        project = with_examples(Path(folder))
        return {name: load_stack_config(project, name) for name in list_stacks(project)}


def dev_granted_by_role(stacks: dict[str, dict[str, Any]], roles: list[str]) -> dict[str, dict[str, Any]]:
    """The build stack grants dev's account no longer whole, only these roles of it (and the CI role)."""
    access = stacks["build"]["ecr-share:access"]
    access["accounts"].remove("222222222222")
    access["roles"] = [*access["roles"], *roles]
    return stacks
