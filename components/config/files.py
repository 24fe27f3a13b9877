"""The one loader of ``Pulumi.<stack>.yaml`` files: the program's tests, ``verify`` and the pipeline read
stack files only through it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

PROJECT_FILE = "Pulumi.yaml"


class StackFileError(Exception):
    """A stack file that is missing, unreadable or not shaped like a Pulumi stack settings file."""


def project_dir_default() -> Path:
    """The project is the folder holding Pulumi.yaml: the current folder or the nearest one above it,
    as the Pulumi CLI finds it (the current folder if there is none)."""
    here = Path.cwd()
    return next((d for d in (here, *here.parents) if (d / PROJECT_FILE).is_file()), here)


def stack_file(project_dir: Path, stack: str) -> Path:
    return project_dir / f"Pulumi.{stack}.yaml"


def list_stacks(project_dir: Path) -> list[str]:
    """Stack names, from the ``Pulumi.<stack>.yaml`` files next to ``Pulumi.yaml``, sorted."""
    if not (project_dir / PROJECT_FILE).is_file():
        raise StackFileError(f"{project_dir / PROJECT_FILE} not found: point at the ecr-share project folder")
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in project_dir.glob("Pulumi.*.yaml"))


class StackFileLoader(yaml.SafeLoader):
    """YAML as the Pulumi CLI reads a stack file (Go's yaml.v3): a key written twice is an error, not
    a silent "last one wins" that could add a grant nobody sees; ``yes``/``no``/``on``/``off`` and
    ``1:20`` stay strings (yaml.v3 reads YAML 1.1 booleans only into typed bools, and has no base-60
    numbers) and dates stay strings, so ``verify`` and the pipeline see what ``pulumi up`` sees."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, yaml.Node] = {}
        for key_node, _ in node.value:
            name = self.construct_object(key_node, deep=deep)
            if name in seen:
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {name!r} appears twice (first on line {seen[name].start_mark.line + 1}): "
                    "YAML keeps only the last, so say it once",
                    key_node.start_mark,
                )
            seen[name] = key_node
        return super().construct_mapping(node, deep=deep)


# Booleans and integers as YAML 1.2 (and yaml.v3) write them; no timestamps: a date stays a string.
REDEFINED_TAGS = ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:timestamp")
StackFileLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in REDEFINED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StackFileLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
StackFileLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?(?:0|[1-9][0-9_]*)|0o?[0-7_]+|0x[0-9a-fA-F_]+|0b[01_]+)$"),
    list("-+0123456789"),
)


def load_stack_config(project_dir: Path, stack: str) -> dict[str, Any]:
    """The ``config:`` map of one stack file, keys as written (``ecr-share:access``, ``aws:region``)."""
    path = stack_file(project_dir, stack)
    if not path.is_file():
        known = ", ".join(list_stacks(project_dir)) or "none"
        raise StackFileError(f"{path} not found: no stack named {stack!r} (stacks: {known})")
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        raise StackFileError(
            f"{path} is not UTF-8 text (byte {error.start}: {error.reason}): save it as UTF-8"
        ) from None
    try:
        document = yaml.load(text, Loader=StackFileLoader)  # a SafeLoader
    except yaml.YAMLError as error:
        raise StackFileError(f"{path} is not valid YAML: {error}") from None
    if document is None:
        return {}
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        raise StackFileError(
            f"{path} is not a Pulumi stack file: expected a mapping with a 'config:' mapping"
        )
    config: dict[str, Any] = document.get("config") or {}
    return config
