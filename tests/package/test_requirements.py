"""Each entry point's imports are satisfied by the requirements file installed beside it, and no more:
the program's (``__main__.py``) by requirements.txt, which ``pulumi install`` and a Pulumi Deployments
runner install; the policy pack's by policy/requirements.txt; the provider plugin's by the package's
own dependencies (provider/requirements.txt installs ``..``).

The imports are followed statically from each entry point through the modules of this repository,
module level only (what runs when the entry point starts; an import inside a function, under
``TYPE_CHECKING`` or under ``__name__ == "__main__"`` belongs to a command that is not ``pulumi up``), and each third-party module is
mapped to the distribution that installs it, as pip knows it.
"""

from __future__ import annotations

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

from components.plan.register import PROVIDER_TYPES
from tests.support.pulumi_harness import PROJECT_DIR

# Module folders of this repository, as each entry point's interpreter finds them.
PROGRAM_PATH = (PROJECT_DIR,)
PACK_PATH = (PROJECT_DIR / "policy", PROJECT_DIR)
# Tools that have no place where a program is deployed.
DEVELOPMENT_TOOLS = {"pytest", "pytest-xdist", "hypothesis", "moto", "mypy", "ruff", "duckdb", "flask"}


def module_file(name: str, path: tuple[Path, ...]) -> Path | None:
    """The file of a module of this repository, or None for a module from elsewhere."""
    parts = name.split(".")
    for root in path:
        for candidate in (root.joinpath(*parts, "__init__.py"), root.joinpath(*parts).with_suffix(".py")):
            if candidate.is_file():
                return candidate
    return None


def module_level_imports(file: Path, name: str) -> set[str]:
    """The modules ``file`` imports when it is loaded (not in functions, not for type checking)."""
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(statements: list[ast.stmt]) -> None:
        for node in statements:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                found.add(base)
                # `from package import module` loads the module too.
                found.update(f"{base}.{alias.name}" for alias in node.names)
            elif isinstance(node, ast.If) and not {"TYPE_CHECKING", "__name__"} & names_in(node.test):
                visit(node.body)
                visit(node.orelse)
            elif isinstance(node, ast.Try):
                visit(node.body)

    visit(ast.parse(file.read_text(encoding="utf-8")).body)
    return found


def names_in(test: ast.expr) -> set[str]:
    return {node.id for node in ast.walk(test) if isinstance(node, ast.Name)}


def third_party_imports(entry: Path, path: tuple[Path, ...]) -> set[str]:
    """The top-level names of the modules from outside this repository that starting ``entry`` loads."""
    outside: set[str] = set()
    seen: set[Path] = set()
    pending = [(entry, "__main__")]
    while pending:
        file, name = pending.pop()
        if file in seen:
            continue
        seen.add(file)
        for imported in module_level_imports(file, name):
            # Importing a.b.c loads a and a.b first.
            parts = imported.split(".")
            for depth in range(1, len(parts) + 1):
                prefix = ".".join(parts[:depth])
                found = module_file(prefix, path)
                if found is not None:
                    pending.append((found, prefix))
                elif depth == 1 and parts[0] not in sys.stdlib_module_names and parts[0] != "__future__":
                    outside.add(parts[0])
    return outside


def distributions(modules: set[str]) -> set[str]:
    """The installed distributions that provide these top-level modules (normalized names)."""
    provided = importlib.metadata.packages_distributions()
    missing = modules - provided.keys()
    assert not missing, f"no installed distribution provides {sorted(missing)}"
    return {normalized(d) for module in modules for d in provided[module]}


def with_dependencies(names: set[str]) -> set[str]:
    """These distributions and everything they install (their requirements without extras), as installed."""
    found: set[str] = set()
    pending = list(names)
    while pending:
        name = pending.pop()
        if name in found:
            continue
        found.add(name)
        for requirement in importlib.metadata.requires(name) or ():
            if "extra ==" not in requirement:
                pending.append(requirement_name(requirement))
    return found


def requirement_name(requirement: str) -> str:
    return normalized(re.split(r"[\[=<>~!; (]", requirement.strip(), maxsplit=1)[0])


def normalized(distribution: str) -> str:
    return re.sub(r"[-_.]+", "-", distribution).lower()


def pinned(file: Path) -> dict[str, str]:
    """The requirements a file names itself (not through ``-r``), by normalized name: the line."""
    lines = [line.strip() for line in file.read_text(encoding="utf-8").splitlines()]
    found = {}
    for line in lines:
        if line and not line.startswith(("#", "-r")) and line != "..":
            found[requirement_name(line)] = line
    return found


def test_requirements_txt_holds_exactly_what_the_program_imports() -> None:
    runtime = pinned(PROJECT_DIR / "requirements.txt")
    # The registrar imports each provider's module on first use (register.provider_class), which no
    # import statement shows: the package of every type token it registers.
    registered = {f"pulumi_{type_.split(':', 1)[0]}" for type_ in PROVIDER_TYPES}
    imported = third_party_imports(PROJECT_DIR / "__main__.py", PROGRAM_PATH) | registered
    assert distributions(imported) == set(runtime)
    assert set(runtime) == {"pulumi", "pulumi-aws"}
    assert not DEVELOPMENT_TOOLS & set(runtime)


def test_requirements_dev_txt_adds_the_tools_to_the_runtime_file() -> None:
    development = PROJECT_DIR / "requirements-dev.txt"
    first = next(
        line for line in development.read_text(encoding="utf-8").splitlines() if not line.startswith("#")
    )
    assert first == "-r requirements.txt"
    tools = pinned(development)
    assert set(tools) >= DEVELOPMENT_TOOLS
    # Each distribution pinned once, in one of the two files.
    assert not set(tools) & set(pinned(PROJECT_DIR / "requirements.txt"))


def test_the_command_lines_use_no_development_tool() -> None:
    """verify and the pipeline start with their own imports satisfied by the package's ``cli`` extra."""
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {
        requirement_name(line)
        for line in [*project["dependencies"], *project["optional-dependencies"]["cli"]]
    }
    for entry in ("components/__main__.py", "components/pipeline/__main__.py"):
        imported = distributions(third_party_imports(PROJECT_DIR / entry, PROGRAM_PATH))
        assert imported <= with_dependencies(declared)
        assert not DEVELOPMENT_TOOLS & imported


def test_the_policy_pack_imports_what_its_own_requirements_install() -> None:
    pack = set(pinned(PROJECT_DIR / "policy" / "requirements.txt"))
    imported = distributions(third_party_imports(PROJECT_DIR / "policy" / "__main__.py", PACK_PATH))
    # pulumi is pinned beside pulumi-policy, which requires it, to the program's version.
    assert imported == {"pulumi-policy"} and pack == {"pulumi-policy", "pulumi"}


def test_the_provider_plugin_imports_what_the_package_depends_on() -> None:
    """provider/requirements.txt installs this package, and with it pyproject.toml's dependencies."""
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    dependencies = {requirement_name(line) for line in project["dependencies"]}
    imported = distributions(third_party_imports(PROJECT_DIR / "provider" / "__main__.py", PROGRAM_PATH))
    assert imported <= dependencies
    assert (PROJECT_DIR / "provider" / "requirements.txt").read_text(encoding="utf-8").splitlines()[
        -1
    ] == ".."
