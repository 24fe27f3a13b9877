"""Each stack's config as ``pulumi up`` sees it, for ``verify`` and the pipeline's preflight.

The rule (``--config-source``, default ``auto``):

- ``file``: the stack file's ``config:`` map (``config.files``). A file with ``environment:`` imports
  (Pulumi ESC) is refused, naming the environments: its file alone is not its config.
- ``pulumi``: every stack through the Pulumi CLI, ``pulumi config --json --show-secrets --stack <s>``
  (what the Automation API's ``get_all_config`` runs), which opens the ESC environments and adds the
  project's config defaults, as ``pulumi up`` does. It needs the CLI, logged in to the backend that
  holds the stacks, and each stack's secrets provider (a passphrase, a KMS key).
- ``auto``: the file; only a file that imports ESC environments goes through the CLI, if one is on
  ``PATH``, and is refused as in ``file`` otherwise. So an offline ``verify`` of plain stack files
  never needs a login, and an ESC import is never silently ignored.

Values from the CLI come as the engine gives them to the program: scalars as text, objects and lists
as their JSON (``objectValue``); the config checks read both forms alike.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from components.config.files import StackFileError, environments_refused, read_stack_file

AUTO, FILE, PULUMI = "auto", "file", "pulumi"
SOURCES = (AUTO, FILE, PULUMI)
TIMEOUT_SECONDS = 120

# (project folder, stack) -> the stdout of `pulumi config --json --show-secrets --stack <stack>`.
PulumiConfig = Callable[[Path, str], str]


def pulumi_config_command(stack: str) -> list[str]:
    return ["config", "--json", "--show-secrets", "--stack", stack]


def run_pulumi_config(project_dir: Path, stack: str) -> str:
    """The CLI on PATH, run in the project folder (it finds Pulumi.yaml and stackConfigDir itself)."""
    cli = shutil.which("pulumi")
    if cli is None:
        raise StackFileError(
            "no pulumi command on PATH: install the Pulumi CLI, or read the stack files alone"
        )
    try:
        done = subprocess.run(
            [cli, *pulumi_config_command(stack)],
            cwd=project_dir,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StackFileError(f"pulumi config --stack {stack} did not answer in {TIMEOUT_SECONDS} s") from None
    if done.returncode != 0:
        reason = " ".join(done.stderr.split()) or f"exit code {done.returncode}"
        raise StackFileError(
            f"pulumi config --stack {stack} failed: {reason} (the stack must exist in the backend the CLI "
            "is logged in to: pulumi login, pulumi stack ls)"
        )
    return done.stdout


def cli_available() -> bool:
    return shutil.which("pulumi") is not None


def stack_config(
    project_dir: Path,
    stack: str,
    source: str = AUTO,
    pulumi_config: PulumiConfig = run_pulumi_config,
    has_cli: Callable[[], bool] = cli_available,
) -> dict[str, Any]:
    """One stack's config map, keys as ``pulumi config`` names them (``aws:region``)."""
    found = read_stack_file(project_dir, stack)
    if source == PULUMI or (source == AUTO and found.environments and has_cli()):
        return config_from_json(stack, pulumi_config(project_dir, stack))
    if found.environments:
        why = "" if source == FILE else ", and no pulumi command is on PATH"
        raise StackFileError(environments_refused(found, why))
    return found.config


def config_from_json(stack: str, text: str) -> dict[str, Any]:
    """``pulumi config --json``: ``{"<key>": {"value": "...", "objectValue": ..., "secret": bool}}``
    (pulumi/pulumi pkg/cmd/pulumi/config/config.go, configValueJSON)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise StackFileError(f"pulumi config --stack {stack} printed no JSON ({error})") from None
    if not isinstance(document, dict) or not all(isinstance(v, dict) for v in document.values()):
        raise StackFileError(f"pulumi config --stack {stack} printed JSON that is not a config map")
    config: dict[str, Any] = {}
    for key, entry in document.items():
        if "objectValue" in entry:
            config[key] = entry["objectValue"]
        elif "value" in entry:
            config[key] = entry["value"]
        else:
            raise StackFileError(
                f"pulumi config --stack {stack}: {key} is a secret it did not show (--show-secrets needs "
                "the stack's secrets provider: PULUMI_CONFIG_PASSPHRASE, or access to its key)"
            )
    return config
