"""Every link of README.md, DEVELOPERS.md and docs/*.md resolves inside the repository: a relative link
names a file or folder of the repository, an ``#anchor`` names a heading of its page (by GitHub's slug
rules), and the only links that leave the repository are http(s) URLs. Also: the README stays short,
and its test command is the one CI runs."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import pytest

# The repository's root, found from this file so that the check needs no test helper module.
PROJECT_DIR = Path(__file__).resolve().parents[2]
PAGES = sorted(
    [PROJECT_DIR / "README.md", PROJECT_DIR / "DEVELOPERS.md", *(PROJECT_DIR / "docs").glob("*.md")]
)
FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
CODE_SPAN = re.compile(r"(`+)(.+?)\1")
# [text](target "title") and ![alt](target); the text may hold one level of brackets.
INLINE_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*<?([^()\s<>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_DEFINITION = re.compile(r"^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$")
HTML_ANCHOR = re.compile(r"<a\s[^>]*(?:name|id)=\"([^\"]+)\"")
HEADING = re.compile(r"^ {0,3}#{1,6}\s+(.*?)(?:\s+#+)?\s*$")


def prose_lines(text: str) -> list[str]:
    """The page's lines outside fenced code blocks."""
    lines, fence = [], ""
    for line in text.splitlines():
        opened = FENCE.match(line)
        if fence:
            if opened and opened.group(1)[0] == fence[0] and len(opened.group(1)) >= len(fence):
                fence = ""
        elif opened:
            fence = opened.group(1)
        else:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading (github-slugger): the rendered text in lower case, without
    punctuation other than ``-`` and ``_``, spaces as ``-``."""
    text = CODE_SPAN.sub(lambda m: m.group(2).strip(), heading)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text).replace("*", "")
    return "".join("-" if c == " " else c for c in text.lower() if c.isalnum() or c in " -_")


def anchors(page: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for line in prose_lines(page.read_text(encoding="utf-8")):
        found.update(HTML_ANCHOR.findall(line))
        heading = HEADING.match(line)
        if heading:
            base = slug(heading.group(1))
            # A repeated heading gets -1, -2, ... as GitHub numbers them.
            found.add(f"{base}-{seen[base]}" if base in seen else base)
            seen[base] = seen.get(base, 0) + 1
    return found


def links(page: Path) -> list[str]:
    found = []
    for line in prose_lines(page.read_text(encoding="utf-8")):
        definition = REFERENCE_DEFINITION.match(line)
        if definition:
            found.append(definition.group(1))
            continue
        found += INLINE_LINK.findall(CODE_SPAN.sub("", line))
    return found


def broken(page: Path, target: str) -> str | None:
    """Why ``target``, linked from ``page``, does not resolve inside the repository (None: it does)."""
    if re.match(r"https?://", target):
        return None
    if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.startswith(("/", "//")):
        return "leaves the repository (only http(s) URLs may)"
    path, _, anchor = target.partition("#")
    linked = (page.parent / unquote(path)).resolve() if path else page
    if not linked.is_relative_to(PROJECT_DIR.resolve()):
        return "leaves the repository"
    if not linked.exists():
        return f"{linked.relative_to(PROJECT_DIR.resolve())} does not exist"
    if anchor:
        if linked.suffix != ".md":
            return "an anchor into a file that is not a Markdown page"
        if unquote(anchor) not in anchors(linked):
            return f"no heading of {linked.name} has the anchor #{anchor}"
    return None


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(PROJECT_DIR)))
def test_every_link_resolves_inside_the_repository(page: Path) -> None:
    failures = [f"{target}: {why}" for target in links(page) if (why := broken(page, target))]
    assert failures == []


def test_the_link_check_sees_what_it_checks() -> None:
    """The checker finds the README's links, GitHub's anchors, and refuses what it should."""
    readme = PROJECT_DIR / "README.md"
    assert "docs/design.md" in links(readme) and "docs/configuration.md" in links(readme)
    assert slug("The design's pull test: `--live --pull`") == "the-designs-pull-test---live---pull"
    assert slug("[Lambda](x.md) functions, **single** roles") == "lambda-functions-single-roles"
    assert broken(readme, "../shared/seed/ecr-cross-account-sharing.md") == "leaves the repository"
    assert broken(readme, "file:///etc/hosts") == "leaves the repository (only http(s) URLs may)"
    assert broken(readme, "docs/missing.md") == "docs/missing.md does not exist"
    assert broken(readme, "#no-such-heading") == "no heading of README.md has the anchor #no-such-heading"
    assert broken(readme, "#quick-start") is None


def test_the_index_lists_every_page() -> None:
    """A new page of docs/ is listed in docs/index.md, so a reader finds it from the README."""
    index = PROJECT_DIR / "docs" / "index.md"
    listed = {(index.parent / target.partition("#")[0]).resolve() for target in links(index)}
    pages = {page.resolve() for page in (PROJECT_DIR / "docs").glob("*.md")} - {index.resolve()}
    assert sorted(page.name for page in pages - listed) == []


def test_the_readme_is_read_in_ten_minutes() -> None:
    assert len((PROJECT_DIR / "README.md").read_text(encoding="utf-8").splitlines()) <= 300


def test_the_readmes_test_command_is_the_one_ci_runs() -> None:
    """.ci/run runs "the README's test command": the Quick start shows exactly that line."""
    ci = (PROJECT_DIR / ".ci" / "run").read_text(encoding="utf-8")
    (command,) = re.findall(
        r"^echo \"== tests \(the README's test command\)\"\n(.+)$", ci, flags=re.MULTILINE
    )
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    quick_start = readme.split("\n## Quick start\n", 1)[1].split("\n## ", 1)[0]
    (block,) = re.findall(r"```bash\n(.*?)```", quick_start, flags=re.DOTALL)
    assert command in block.splitlines()
