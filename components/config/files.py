"""The one loader of ``Pulumi.<stack>.yaml`` files: the program's tests, ``verify`` and the pipeline read
stack files only through it."""

from __future__ import annotations

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


def load_stack_config(project_dir: Path, stack: str) -> dict[str, Any]:
    """The ``config:`` map of one stack file, keys as written (``ecr-share:access``, ``aws:region``)."""
    path = stack_file(project_dir, stack)
    if not path.is_file():
        known = ", ".join(list_stacks(project_dir)) or "none"
        raise StackFileError(f"{path} not found: no stack named {stack!r} (stacks: {known})")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
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
