"""Pulumi.yaml's config schema: generated from the one list of top-level keys, shaped as the Pulumi CLI
accepts it, and harmless: the defaults the engine merges into every stack change no stack's parse.
(tests_engine/test_config_schema.py runs the real CLI on it.)"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml

from components.config.files import list_stacks, load_stack_config
from components.config.schema import NOT_SET, TOP_LEVEL_KEYS, project_config, without_engine_defaults
from components.config.stack import BUILD_KEYS, ENVIRONMENT_KEYS, parse_stack_config
from components.project import BUILD, ENVIRONMENT, NAMESPACE
from tests.support.pulumi_harness import PROJECT_DIR

STACKS = list_stacks(PROJECT_DIR)


def test_pulumi_yaml_holds_the_generated_schema() -> None:
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text(encoding="utf-8"))
    assert project["config"] == project_config(), "regenerate it: python -m components.config.schema"


def test_the_schema_declares_each_top_level_key_for_the_kinds_that_take_it() -> None:
    kinds = {BUILD: BUILD_KEYS, ENVIRONMENT: ENVIRONMENT_KEYS}
    assert [key.name for key in TOP_LEVEL_KEYS] == list(dict.fromkeys([*BUILD_KEYS, *ENVIRONMENT_KEYS]))
    for key in TOP_LEVEL_KEYS:
        assert key.kinds == tuple(kind for kind, names in kinds.items() if key.name in names), key.name


def conforms(type_name: str, items: dict[str, Any] | None, value: Any) -> bool:
    """Pulumi's ValidateConfigValue (sdk/go/common/workspace/project.go) on a YAML value."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        return (isinstance(value, int) and not isinstance(value, bool)) or (
            isinstance(value, str) and value.lstrip("-").isdigit()
        )
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "object":
        return isinstance(value, dict)
    return (
        type_name == "array"
        and items is not None
        and isinstance(value, list)
        and all(conforms(items["type"], items.get("items"), item) for item in value)
    )


def test_the_declarations_are_what_pulumis_project_validation_accepts() -> None:
    """Project.Validate: an array declares its items, a default has the declared type."""
    allowed = {"type", "items", "description", "default", "secret"}
    for name, declared in project_config().items():
        assert ":" not in name  # the project's own namespace: the only one that may be typed
        assert set(declared) <= allowed and declared["description"]
        assert declared.get("type") in (None, "string", "integer", "boolean", "array", "object")
        if declared.get("type") == "array":
            assert "items" in declared, name
        if "type" in declared and "default" in declared:
            assert conforms(declared["type"], declared.get("items"), declared["default"]), name
    # Required (no default) in every stack: only the key both kinds must set.
    assert [name for name, declared in project_config().items() if "default" not in declared] == ["stackKind"]


@pytest.mark.parametrize("stack", STACKS)
def test_each_committed_stack_passes_the_engines_type_check(stack: str) -> None:
    config = load_stack_config(PROJECT_DIR, stack)
    for name, declared in project_config().items():
        value = config.get(f"{NAMESPACE}:{name}")
        if value is not None and "type" in declared:
            assert conforms(declared["type"], declared.get("items"), value), (stack, name)


def engine_merged(config: dict[str, Any]) -> dict[str, Any]:
    """The stack's config as the engine hands it to the program: every default of a key the stack does
    not set merged in, as text (pkg/workspace/config.go, createConfigValue: a string or integer as
    itself, anything else as JSON)."""
    merged = dict(config)
    for name, declared in project_config().items():
        full_key = f"{NAMESPACE}:{name}"
        if full_key not in merged and "default" in declared:
            default = declared["default"]
            merged[full_key] = (
                str(default)
                if isinstance(default, (str, int))
                else json.dumps(default, separators=(",", ":"))
            )
    return merged


@pytest.mark.parametrize("stack", STACKS)
def test_the_engines_defaults_change_no_stacks_parse(stack: str) -> None:
    config = load_stack_config(PROJECT_DIR, stack)
    merged = engine_merged(config)
    assert len(merged) > len(config)
    assert parse_stack_config(stack, merged) == parse_stack_config(stack, config)


def test_a_marker_stated_in_a_stack_file_means_not_set() -> None:
    dev = load_stack_config(PROJECT_DIR, "dev")
    config = {**dev, f"{NAMESPACE}:pullRoles": [NOT_SET], f"{NAMESPACE}:organizationPath": NOT_SET}
    assert without_engine_defaults(config) == dev
    assert parse_stack_config("dev", config) == parse_stack_config("dev", dev)


@pytest.mark.parametrize(
    ("name", "value", "problem"),
    [
        ("pullRoles", [], "is empty"),
        ("receiveReplication", {}, "is missing"),
        ("organizationPath", "", "is not an organization path"),
    ],
)
def test_an_empty_value_written_out_is_still_checked(name: str, value: Any, problem: str) -> None:
    """Only the markers mean "not set": what a person writes is parsed, and refused, as before."""
    config = {**load_stack_config(PROJECT_DIR, "dev"), f"{NAMESPACE}:{name}": value}
    with pytest.raises(ValueError, match=rf"^ecr-share:{name}[.:\[].*{problem}"):
        parse_stack_config("dev", config)


def test_a_value_other_than_the_default_is_kept_and_checked() -> None:
    config = {**load_stack_config(PROJECT_DIR, "build"), f"{NAMESPACE}:pullRoles": ["eks-node-role"]}
    assert without_engine_defaults(config)[f"{NAMESPACE}:pullRoles"] == ["eks-node-role"]
    with pytest.raises(ValueError, match=r"^ecr-share:pullRoles: \["):
        parse_stack_config("build", config)
