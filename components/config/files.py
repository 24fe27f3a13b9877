"""The one loader of ``Pulumi.<stack>.yaml`` files: the program's tests, ``verify`` and the pipeline read
stack files only through it (``config.sources`` decides when the Pulumi CLI reads them instead).

The files are found as the Pulumi CLI finds them (pulumi/pulumi sdk/go/common/workspace/paths.go,
v3.274.0): the project file is the first of ``Pulumi.json``, ``Pulumi.yaml``, ``Pulumi.yml`` in the
folder; a stack's file is ``Pulumi.<stack>`` with the project file's extension, in the project's
``stackConfigDir`` (relative to the project file; the older ``config: <dir>`` means the same) or else
next to the project file. So ``Pulumi.dev.yml`` beside ``Pulumi.yaml`` is not read by the CLI: it is
refused here rather than read or skipped."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

PROJECT_FILE = "Pulumi.yaml"
# The CLI's order (encoding.Exts): the first that exists is the project file.
PROJECT_FILES = ("Pulumi.json", "Pulumi.yaml", "Pulumi.yml")
STACK_FILE_EXTENSIONS = (".json", ".yaml", ".yml")


class StackFileError(Exception):
    """A stack file that is missing, unreadable or not shaped like a Pulumi stack settings file."""


def project_dir_default() -> Path:
    """The project is the folder holding Pulumi.yaml: the current folder or the nearest one above it,
    as the Pulumi CLI finds it (the current folder if there is none)."""
    here = Path.cwd()
    return next((d for d in (here, *here.parents) if _project_file(d) is not None), here)


def _project_file(project_dir: Path) -> Path | None:
    return next((project_dir / n for n in PROJECT_FILES if (project_dir / n).is_file()), None)


def project_file(project_dir: Path) -> Path:
    found = _project_file(project_dir)
    if found is None:
        raise StackFileError(f"{project_dir / PROJECT_FILE} not found: point at the ecr-share project folder")
    return found


def stack_dir(project_dir: Path) -> Path:
    """Where the project's stack files are: its ``stackConfigDir``, or the project folder (also when
    there is no project file: a folder of stack files alone is read as it is)."""
    path = _project_file(project_dir)
    if path is None:
        return project_dir
    try:
        project = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (yaml.YAMLError, UnicodeDecodeError) as error:
        raise StackFileError(f"{path} is not valid YAML: {error}") from None
    if not isinstance(project, dict):
        raise StackFileError(f"{path} is not a Pulumi project file: expected a mapping")
    folder = project.get("stackConfigDir")
    legacy = project.get("config")
    if isinstance(legacy, str):
        if folder is not None:
            raise StackFileError(
                f"{path}: config: {legacy!r} and stackConfigDir: {folder!r} both name the stack files' "
                "folder (the Pulumi CLI refuses both): keep stackConfigDir"
            )
        folder = legacy
    if folder is None:
        return project_dir
    if not isinstance(folder, str) or not folder:
        raise StackFileError(f"{path}: stackConfigDir: {folder!r} is not a folder relative to {path.name}")
    return project_dir / folder


def stack_file(project_dir: Path, stack: str) -> Path:
    """``Pulumi.<stack>`` with the project file's extension, in ``stack_dir`` (a ``/`` in a qualified
    stack name becomes ``-``, as the CLI names the file)."""
    extension = _extension(project_dir)
    return stack_dir(project_dir) / f"Pulumi.{stack.replace('/', '-')}{extension}"


def _extension(project_dir: Path) -> str:
    found = _project_file(project_dir)
    return found.suffix if found is not None else ".yaml"


def list_stacks(project_dir: Path) -> list[str]:
    """Stack names, from the stack files of the project (``stack_file``), sorted. A stack file the
    CLI would not read (another extension than the project file's) is refused, never skipped."""
    extension = project_file(project_dir).suffix
    folder = stack_dir(project_dir)
    for other in STACK_FILE_EXTENSIONS:
        stray = sorted(folder.glob(f"Pulumi.*{other}")) if other != extension else []
        stray = [path for path in stray if path.name.count(".") >= 2]
        if stray:
            name = stray[0].name
            raise StackFileError(
                f"{stray[0]}: the Pulumi CLI reads stack files named like the project file "
                f"(Pulumi{extension}), so it ignores this one: rename it {name[: -len(other)]}{extension}"
            )
    return sorted(path.name[len("Pulumi.") : -len(extension)] for path in folder.glob(f"Pulumi.*{extension}"))


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


@dataclass(frozen=True)
class StackFile:
    path: Path
    config: dict[str, Any]
    """The ``config:`` map, keys as written (``ecr-share:access``, ``aws:region``)."""
    environments: tuple[str, ...]
    """The Pulumi ESC environments its ``environment:`` imports (``values`` for inline values)."""
    secrets_provider: str | None = None
    """The file's record of its secrets provider, beside ``config:``: ``secretsprovider``, or
    ``PASSPHRASE`` where only an ``encryptionsalt`` is written; None: the stack was never created."""


# The secrets provider a stack file's ``encryptionsalt`` stands for.
PASSPHRASE = "passphrase"


def read_stack_file(project_dir: Path, stack: str) -> StackFile:
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
        return StackFile(path, {}, ())
    if not isinstance(document, dict) or not isinstance(document.get("config", {}), dict):
        raise StackFileError(
            f"{path} is not a Pulumi stack file: expected a mapping with a 'config:' mapping"
        )
    config: dict[str, Any] = document.get("config") or {}
    provider = document.get("secretsprovider")
    if not (isinstance(provider, str) and provider):
        provider = PASSPHRASE if document.get("encryptionsalt") else None
    return StackFile(path, config, environment_imports(document.get("environment")), provider)


def environment_imports(value: Any) -> tuple[str, ...]:
    """The environments an ``environment:`` block imports: a list of names, or an inline ESC
    definition (``imports:`` entries are names or one-key maps; ``values:`` are inline values), as
    the CLI's workspace.Environment.Imports reads it."""
    if value is None:
        return ()
    if isinstance(value, list):
        return tuple(str(name) for name in value)
    if not isinstance(value, dict):
        return (str(value),)
    names = [
        next(iter(entry)) if isinstance(entry, dict) and entry else str(entry)
        for entry in value.get("imports") or []
    ]
    return (*map(str, names), *(("values",) if value.get("values") else ()))


def load_stack_config(project_dir: Path, stack: str) -> dict[str, Any]:
    """The ``config:`` map of one stack file, keys as written (``ecr-share:access``, ``aws:region``).
    A file that imports ESC environments is refused: its file alone is not its config."""
    found = read_stack_file(project_dir, stack)
    if found.environments:
        raise StackFileError(environments_refused(found))
    return found.config


def environments_refused(found: StackFile, why: str = "") -> str:
    names = ", ".join(found.environments)
    return (
        f"{found.path}: environment: imports Pulumi ESC environments ({names}), whose values are not in "
        f"this file{why}: read the stack's config through the Pulumi CLI, logged in to the stack's "
        "backend (verify --config-source pulumi, which runs pulumi config --json --show-secrets), or see "
        f"what they add with esc env open {found.environments[0]}"
    )
