"""docs/pipeline.md shows real output, and every command it shows works on an empty backend as shown.

The page is run top to bottom, as a reader would: each ``python -m components.pipeline`` line of a
```bash block runs against one fake Pulumi backend (empty at the start) and one build registry in
moto, and must exit with the code its ``# exit N`` comment gives (0 without one); each
``docker push <registry>/<repository>:<tag>`` line pushes that image; a ``<!-- example: name -->``
block is the exact output of the command just before it (stdout, then stderr; only stdout after
``2>/dev/null``). A Ctrl-C shown on the
page (``# Ctrl-C during staging's update``) is sent to the pipeline when that stack's update starts.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from components.pipeline.run import MISSING_CLI
from tests.support.pipeline_fake import FakePulumi, run_pipeline, write_project
from tests.support.registry_fake import MotoRegistry, moto_registry

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "pipeline.md"
SHOWN_PROJECT = "/src/ecr-share"
PROG = "python -m components.pipeline"
# What the scanner found in each image the page pushes (the page says so in its text).
FINDINGS = {
    ("web-app", "4f2a9c1"): {"MEDIUM": 2, "LOW": 3},
    ("worker", "4f2a9c1"): {"LOW": 1},
    ("web-app", "7d3e1b0"): {"MEDIUM": 2, "LOW": 3},
    ("web-app", "9a8b7c6"): {"CRITICAL": 1, "HIGH": 2, "MEDIUM": 2},
}
STATIC_EXAMPLES = ("missing-cli",)  # not the output of a command on the page
INTERRUPT = re.compile(r"# Ctrl-C during (\w+)'s update")
ROLLBACK = re.compile(r"# the deployment circuit breaker rolls (\w+)'s (\S+) back")


@dataclass
class Step:
    line: str
    exit_code: int = 0
    interrupt: str | None = None
    rollback: tuple[str, str] | None = None
    examples: list[str] = field(default_factory=list)


def steps(text: str) -> list[Step]:
    """Every command of the page's bash blocks, in order, each with the examples that follow it."""
    found: list[Step] = []
    for block, example in re.findall(r"```bash\n(.*?)```|<!-- example: ([\w-]+) -->", text, re.S):
        if example:
            if example not in STATIC_EXAMPLES:
                found[-1].examples.append(example)
            continue
        for line in block.splitlines():
            command, _, comment = line.partition("#")
            command = command.strip()
            if not command.startswith((PROG, "docker push")):
                continue
            code = re.search(r"exit (\d+)", comment)
            interrupt = INTERRUPT.search(line)
            rollback = ROLLBACK.search(line)
            found.append(
                Step(
                    command,
                    int(code.group(1)) if code else 0,
                    interrupt.group(1) if interrupt else None,
                    (rollback.group(1), rollback.group(2)) if rollback else None,
                )
            )
    return found


def documented(name: str) -> str:
    match = re.search(rf"<!-- example: {name} -->\n```text\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert match, f"docs/pipeline.md has no example {name!r}"
    return match.group(1)


def push(registry: MotoRegistry, line: str) -> None:
    reference = line.split()[-1]
    repository, tag = reference.split("/", 1)[1].split(":")
    registry.push(repository, tag, counts=FINDINGS.get((repository, tag), {}))


def run_page(project: Path, registry: MotoRegistry) -> Iterator[tuple[Step, int, str]]:
    """Each step of the page with its exit code and output, on one empty backend."""
    fake = FakePulumi(ecs=True)
    fake.login = f"file://{project / '.pulumi-state'}"  # the page's `pulumi login` (it is not run)
    (project / ".pulumi-state").mkdir()
    for step in steps(DOC.read_text(encoding="utf-8")):
        if step.line.startswith("docker push"):
            push(registry, step.line)
            continue
        if step.interrupt is not None:
            fake.script(step.interrupt, "up", "SIGINT")
        if step.rollback is not None:
            fake.rollbacks.add(step.rollback)
        args = shlex.split(step.line)[3:]
        quiet = args[-1:] == ["2>/dev/null"]
        run = run_pipeline(project, *args[: -1 if quiet else None], fake=fake, answer="yes")
        shown = run.out if quiet else run.out + run.err
        yield step, run.code, shown.replace(str(project), SHOWN_PROJECT)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, quick_event_log: None) -> list[tuple[Step, int, str]]:
    root = tmp_path_factory.mktemp("docs")
    with pytest.MonkeyPatch.context() as monkeypatch, moto_registry(root / "aws", monkeypatch) as registry:
        return list(run_page(write_project(root / "ecr-share"), registry))


def test_the_page_shows_a_complete_release(page: list[tuple[Step, int, str]]) -> None:
    shown = [step.line for step, _code, _out in page]
    assert shown[0] == f"{PROG} up --stacks build"  # from an empty backend
    assert any(line.startswith(f"{PROG} preview") for line in shown)
    assert any(line.startswith(f"{PROG} up --promote") for line in shown)
    assert any(line.startswith(f"{PROG} promote --from") for line in shown)


def test_every_command_on_the_page_exits_as_shown(page: list[tuple[Step, int, str]]) -> None:
    assert [(step.line, code) for step, code, _out in page] == [
        (step.line, step.exit_code) for step, _c, _o in page
    ]


def test_every_example_is_what_the_command_prints(page: list[tuple[Step, int, str]]) -> None:
    for step, _code, out in page:
        for name in step.examples:
            assert documented(name) == out, f"example {name!r} ({step.line})"


def test_the_missing_cli_example() -> None:
    assert documented("missing-cli") == MISSING_CLI + "\n"


def test_the_readme_shows_the_same_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deploy every stack: the pipeline", 1)[1].split("\n## ", 1)[0]
    page = {step.line for step in steps(DOC.read_text(encoding="utf-8"))}
    assert {step.line for step in steps(section)} <= page
