"""The examples the committed stack files carry commented out are documentation: switched on, each is
exactly the variant the other tests plan, register and verify (``tests/support/*_variant.py``), and
``verify`` passes on the project with it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.config.files import load_stack_config
from tests.support.commented_examples import uncommented
from tests.support.committed import committed
from tests.support.consumer_grants_variant import example_stacks
from tests.support.ecs_service_variant import prod_with_ecs_service
from tests.support.kms_variant import with_kms_keys, with_tag_exclusions
from tests.support.pulumi_harness import PROJECT_DIR
from tests.support.verify_cli import run

# Per example: the commented keys switched on in each stack file, a line the example replaces (if
# any), and the variant it documents (every stack's config map), if the tests use one.
EXAMPLES: dict[str, tuple[dict[str, list[str]], str, Callable[[], dict[str, dict[str, Any]]] | None]] = {
    "kms keys": ({"build": ["ecr-share:kmsKeys"], "prod": ["kmsKeys"]}, "", with_kms_keys),
    "tag exclusions": (
        {"build": ["imageTagMutability", "imageTagMutabilityExclusionFilters"]},
        "      imageTagMutability: IMMUTABLE\n",
        with_tag_exclusions,
    ),
    "narrower grants": (
        {"build": ["roles", "lambdaAccounts"], "dev": ["ecr-share:pullRoles"]},
        "",
        example_stacks,
    ),
    "ecs service": ({"prod": ["ecsService"]}, "", lambda: {**committed(), "prod": prod_with_ecs_service()}),
    "registry policy": ({"prod": ["otherSources", "registryPolicyStatements"]}, "", None),
}


def switched_on(folder: Path, keys: dict[str, list[str]], replacing: str) -> Path:
    """A copy of the project with the commented ``keys`` of each stack file uncommented."""
    for path in PROJECT_DIR.glob("Pulumi*.yaml"):
        shutil.copy(path, folder / path.name)
    for stack, names in keys.items():
        path = folder / f"Pulumi.{stack}.yaml"
        text = path.read_text(encoding="utf-8")
        if replacing and stack == "build":
            assert text.count(replacing) == 1, replacing
            text = text.replace(replacing, "")
        for name in names:
            text = uncommented(text, name)
        path.write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize("example", [name for name, (_, _, variant) in EXAMPLES.items() if variant])
def test_each_commented_example_is_the_variant_the_tests_use(example: str, tmp_path: Path) -> None:
    keys, replacing, variant = EXAMPLES[example]
    assert variant is not None
    project = switched_on(tmp_path, keys, replacing)
    assert {stack: load_stack_config(project, stack) for stack in variant()} == variant()


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_commented_example_verifies(example: str, tmp_path: Path) -> None:
    keys, replacing, _ = EXAMPLES[example]
    project = switched_on(tmp_path, keys, replacing)
    code, out, err = run("--stacks-dir", str(project))
    assert (code, err) == (0, ""), out
