"""docs/verify.md shows what ``verify`` really prints for the committed stack files, and names modules
that exist. (Its ``--live`` example is checked against moto in tests/verify/test_live.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from components.verify.cli import main
from tests.support.verify_cli import run

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "verify.md").read_text()


def shown(command: str) -> str:
    """What the doc shows a command printing: the lines after ``$ <command>`` up to the next
    command or the end of the block (its first occurrence)."""
    marker = f"\n$ {command}\n"
    assert marker in DOC, f"docs/verify.md shows no `{command}`"
    text = DOC.split(marker, 1)[1].split("\n```", 1)[0] + "\n"
    return text.split("\n$ ", 1)[0] + ("\n" if "\n$ " in text else "")


def excerpt_parts(excerpt: str) -> list[str]:
    """An excerpt's pieces between its ``...`` lines, each to be found verbatim in the real output."""
    parts, current = [], []
    for line in excerpt.splitlines():
        if line.strip() == "...":
            parts.append("\n".join(current))
            current = []
        else:
            current.append(line)
    return [*parts, "\n".join(current)]


@pytest.fixture
def in_project(monkeypatch: pytest.MonkeyPatch) -> None:
    """Run from the project folder, as the doc does (the report names the folder as given: ``.``)."""
    monkeypatch.chdir(ROOT)


def test_the_table_is_the_real_output(in_project: None) -> None:
    code, out, _ = run()
    assert code == 0
    assert shown("python -m components verify") == out


def test_the_json_excerpt_is_cut_from_the_real_output(in_project: None) -> None:
    _, out, _ = run("--format", "json")
    parts = excerpt_parts(shown("python -m components verify --format json"))
    assert len(parts) > 1
    for part in parts:
        assert part in out, part


def test_the_markdown_excerpt_and_its_picture_are_the_real_output(in_project: None) -> None:
    _, out, _ = run("--format", "markdown")
    excerpt = DOC.split("````markdown\n", 1)[1].split("\n````", 1)[0]
    for part in excerpt_parts(excerpt):
        assert part in out, part
    rendered = DOC.split("The picture above, rendered:\n\n", 1)[1].split("\n```\n", 1)[0] + "\n```"
    assert rendered.startswith("```mermaid\n")
    assert rendered in out


def test_the_error_example_is_the_real_message(in_project: None) -> None:
    code, _, err = run("--stack", "qa")
    assert code == 2
    assert shown("python -m components verify --stack qa") == err


def test_the_help_is_the_real_help(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    with pytest.raises(SystemExit):
        main(["verify", "--help"])
    assert shown("python -m components verify --help") == capsys.readouterr().out


def test_every_path_the_doc_names_exists() -> None:
    paths = set(re.findall(r"`((?:components|tests)/[\w/.]+)`", DOC))
    assert {
        "components/verify/evaluator/",
        "components/verify/intended.py",
        "tests/support/deployed.py",
    } <= paths
    assert [p for p in sorted(paths) if not (ROOT / p).exists()] == []
