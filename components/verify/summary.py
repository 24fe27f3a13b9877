"""What keeps the report readable at organization scale (a thousand accounts, hundreds of
repositories): identical rows of one kind are shown as one, a registry with many repositories is
shown as counts per status, and lines that differ only in their repository are shown as one.
Small deployments read exactly as before: nothing is summarised below these thresholds."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from components.verify.access.findings import Finding
from components.verify.access.principals import Row, RowKind
from components.verify.intended import Registry
from components.verify.matrix import AccessMatrix, Cell, Status

# A registry with more repositories is shown as counts per status, not one column each.
MAX_COLUMNS = 10
# This many identical rows (or lines) or more are shown as one.
GROUP_FROM = 4
# Names shown for a group, and the accounts shown for a grant, before "and N more".
LISTED = 3
MAX_LISTED_ACCOUNTS = 10
# The Markdown report draws the deployment only up to this many repositories in all.
MAX_DRAWN_REPOSITORIES = 30
CELL_TEXT = {
    Status.ALLOWED: "allowed",
    Status.DENIED: "DENIED",
    Status.UNKNOWN: "unknown",
    Status.NOT_USED: "-",
    Status.UNINTENDED: "UNINTENDED",
}
# The count columns of a wide registry, in reading order: what works, then the problems.
COUNTED = (Status.ALLOWED, Status.NOT_USED, Status.DENIED, Status.UNINTENDED, Status.UNKNOWN)
REPOSITORY = "<repository>"
T = TypeVar("T")


def listed(names: Sequence[str], most: int = LISTED) -> str:
    """``a, b, c`` or ``a, b, c and 997 more``."""
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[:most])} and {len(names) - most} more"


def accounts_text(accounts: Sequence[str]) -> str:
    if len(accounts) <= MAX_LISTED_ACCOUNTS:
        return f"accounts {', '.join(accounts)}"
    return f"{len(accounts):,} accounts ({listed(accounts)})"


@dataclass(frozen=True)
class TableRow:
    label: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    """A repository each, or (``counts``) a status each."""
    rows: tuple[TableRow, ...]
    counts: bool


def registry_table(matrix: AccessMatrix, registry: Registry) -> Table:
    """One registry's table: a row per principal (or per group of identical ones), a column per
    repository, or, past ``MAX_COLUMNS`` repositories, how many repositories have each status."""
    statuses = {
        row.name: tuple(matrix.cell(row.name, registry.key, r).status for r in registry.repositories)
        for row in matrix.rows
    }
    wide = len(registry.repositories) > MAX_COLUMNS

    def texts(row: Row) -> tuple[str, ...]:
        seen = statuses[row.name]
        if wide:
            return tuple(str(seen.count(s)) for s in COUNTED)
        return tuple(CELL_TEXT[s] for s in seen)

    table: list[TableRow] = []
    for rows in in_order(list(matrix.rows), lambda row: (row.kind, statuses[row.name])):
        label = group_label(rows) if len(rows) > 1 else rows[0].label
        table.append(TableRow(label, texts(rows[0])))
    columns = tuple(CELL_TEXT[s] for s in COUNTED) if wide else registry.repositories
    return Table(columns, tuple(table), wide)


def in_order(items: list[T], key: Callable[[T], Hashable]) -> list[list[T]]:
    """Each item alone in its place, except that ``GROUP_FROM`` or more items with one key make one
    group, in the place of the first of them."""
    groups: dict[Hashable, list[T]] = {}
    for item in items:
        groups.setdefault(key(item), []).append(item)
    placed: list[list[T]] = []
    for item in items:
        group = groups[key(item)]
        if len(group) < GROUP_FROM:
            placed.append([item])
        elif group[0] is item:
            placed.append(group)
    return placed


def group_label(rows: Sequence[Row]) -> str:
    kind = rows[0].kind
    if kind is RowKind.ROLE:
        return f"{len(rows):,} roles: {listed([r.stack or r.name for r in rows])}"
    if kind is RowKind.ACCOUNT:
        names = [r.account_id + (f" ({r.stack})" if r.stack else "") for r in rows]
        return f"{len(rows):,} accounts: {listed(names)}"
    return f"{len(rows):,} x {rows[0].label}"


@dataclass(frozen=True)
class Line:
    """One line about one or more cells of one row and registry: who, where, and the text."""

    cells: tuple[Cell, ...]
    text: str


def cell_lines(cells: Sequence[Cell], text: Callable[[Cell], str]) -> list[Line]:
    """A line per cell, except that ``GROUP_FROM`` or more cells of one row and registry whose
    texts differ only in the repository make one line."""
    groups = in_order(list(cells), lambda c: (c.row, c.registry, _without_repository(c, text(c))))
    return [
        Line(
            tuple(group), _without_repository(group[0], text(group[0])) if len(group) > 1 else text(group[0])
        )
        for group in groups
    ]


def _without_repository(cell: Cell, text: str) -> str:
    """The text with the cell's repository (its ARN, or its name as a word) as a placeholder."""
    return _without_name(text, cell.arn, cell.repository)


def _without_name(text: str, arn: str, name: str) -> str:
    text = text.replace(arn, f"{REPOSITORY} ARN")
    return re.sub(rf"(?<![\w./-]){re.escape(name)}(?![\w./-])", REPOSITORY, text)


def repositories_text(cells: Sequence[Cell], registry: str) -> str:
    """The repositories a line is about, in their registry: ``web-app (build registry ...)`` or
    ``6 repositories of build registry ... (a, b, c and 3 more)``."""
    names = [c.repository for c in cells]
    if len(names) == 1:
        return f"{names[0]} ({registry})"
    return f"{len(names):,} repositories of {registry} ({listed(names)})"


@dataclass(frozen=True)
class FindingLine:
    """One finding, or ``GROUP_FROM`` or more of one check, principal and registry whose texts
    differ only in the repository."""

    findings: tuple[Finding, ...]
    text: str
    """What is allowed and the statements that grant it, with ``<repository>`` for the repository
    when the line holds several."""

    @property
    def subject(self) -> str:
        first = self.findings[0]
        where = first.resource
        if len(self.findings) == 1 or where.registry is None:
            target = where.label
        else:
            names = [f.resource.name for f in self.findings]
            target = f"{len(names):,} repositories of {where.registry.label} ({listed(names)})"
        return f"{first.principal.label} -> {target}"


def finding_lines(findings: Sequence[Finding], text: Callable[[Finding], str]) -> list[FindingLine]:
    def without_resource(f: Finding) -> str:
        return _without_name(text(f), f.resource.arn, f.resource.name)

    def key(f: Finding) -> Hashable:
        registry = f.resource.registry.key if f.resource.registry else f.resource.key
        return (f.check, f.status, f.principal.name, registry, without_resource(f))

    return [
        FindingLine(tuple(group), without_resource(group[0]) if len(group) > 1 else text(group[0]))
        for group in in_order(list(findings), key)
    ]
