"""The tests mirror the package: ``tests/<feature>/test_<module>.py`` (or ``test_<module>_<aspect>.py``)
tests ``components/<feature>/<module>.py``; what tests share lives in ``tests/support``; a few folders
test across the package, and are named here."""

from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
COMPONENTS = TESTS.parent / "components"
# Folders that test across modules, each for one reason.
CROSS_CUTTING = {
    "program": "whole-program mock runs of the stack files",
    "docs": "the README's and docs/'s tables, examples and shown output",
    "package": "the package as others use it: schema, provider, wheel, plugin",
    "policy": "the CrossGuard policy pack (policy/)",
    "tools": "tools/: the Pulumi CLI pin",
    "examples": "examples/: the GitHub Actions workflow, true to the stack files and linted",
}
# Test files directly in tests/ that test no module.
TOP_LEVEL = {"test_layout.py"}


def python_files() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def module_of(test: Path) -> Path | None:
    """The module ``test`` is named for: the longest module name its name starts with."""
    folder = COMPONENTS.joinpath(*test.parent.relative_to(TESTS).parts)
    name = test.stem.removeprefix("test_")
    modules = [m for m in folder.glob("*.py") if name == m.stem or name.startswith(m.stem + "_")]
    return max(modules, key=lambda m: len(m.stem), default=None)


def test_each_test_file_tests_one_module() -> None:
    unmapped = []
    for path in python_files():
        relative = path.relative_to(TESTS)
        if path.name in ("__init__.py", "conftest.py") or relative.parts[0] in ("support", *CROSS_CUTTING):
            continue
        if relative.as_posix() in TOP_LEVEL:
            continue
        if not path.name.startswith("test_") or module_of(path) is None:
            unmapped.append(relative.as_posix())
    assert unmapped == [], (
        "each test file is tests/<feature>/test_<module>[_<aspect>].py for components/<feature>/<module>.py; "
        "shared helpers go in tests/support"
    )


def test_shared_code_lives_in_support() -> None:
    """A helper beside the tests (not test_*.py, conftest.py or __init__.py) is shared code: in
    tests/support, where every test folder finds it under one name."""
    helpers = [
        p.relative_to(TESTS).as_posix()
        for p in python_files()
        if p.relative_to(TESTS).parts[0] != "support"
        and p.name not in ("__init__.py", "conftest.py")
        and not p.name.startswith("test_")
    ]
    assert helpers == []
    assert [p.name for p in (TESTS / "support").glob("test_*.py")] == []


def test_no_test_imports_another_test_file() -> None:
    """What two test files share is support code, not one test file's module."""
    imports = []
    for path in python_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                last = node.module.rsplit(".", 1)[-1]
                if last.startswith("test_") or last == "conftest":
                    imports.append(f"{path.relative_to(TESTS).as_posix()}: {node.module}")
    assert imports == []


def test_every_test_folder_is_a_package_of_a_feature_or_named_here() -> None:
    folders = {p.parent for p in python_files()} - {TESTS}
    assert [f for f in sorted(folders) if not (f / "__init__.py").exists()] == []
    strays = [
        f.relative_to(TESTS).as_posix()
        for f in sorted(folders)
        if f.relative_to(TESTS).parts[0] not in ("support", *CROSS_CUTTING)
        and not COMPONENTS.joinpath(*f.relative_to(TESTS).parts).is_dir()
    ]
    assert strays == []
