"""The access report: exit code, summary, and the table, JSON and Markdown renderings."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from components.access.evaluator import Decision
from components.access.matrix import OTHERS, SEED_CHECKS, AccessMatrix, Cell, Status
from components.build_outputs import access_output
from components.model import AccountsAccess

EXIT_OK = 0
EXIT_PROBLEM = 1  # an intended consumer cannot pull, someone else can, or (live) drift
EXIT_ERROR = 2  # the report could not be made: stack files, config or credentials
EXIT_UNPROVEN = 3  # nothing wrong found, but some access could not be proven
NOT_EVALUATED = "SCPs, RCPs, permissions boundaries, session policies and VPC endpoint policies"
CELL_TEXT = {
    Status.ALLOWED: "allowed",
    Status.DENIED: "DENIED",
    Status.UNKNOWN: "unknown",
    Status.NOT_USED: "-",
    Status.UNINTENDED: "UNINTENDED",
}
OTHERS_NOTE = (
    "any other account: a role in an account that was not granted, outside any organization, "
    "whose own policy allows ecr:* on *"
)
LEGEND = (
    "allowed: uses the repository and can pull; DENIED: uses it but cannot pull; "
    "-: does not use it and cannot pull; UNINTENDED: can pull without using it; unknown: cannot be proven"
)


@dataclass(frozen=True)
class Report:
    live: bool
    source: str
    matrices: tuple[AccessMatrix, ...]

    def cells(self, *statuses: Status) -> list[Cell]:
        return [c for m in self.matrices for c in m.with_status(*statuses)]

    @property
    def drift(self) -> list[str]:
        return [d for m in self.matrices for d in m.drift]

    @property
    def exit_code(self) -> int:
        if self.cells(Status.DENIED, Status.UNINTENDED) or self.drift:
            return EXIT_PROBLEM
        return EXIT_UNPROVEN if self.cells(Status.UNKNOWN) else EXIT_OK

    @property
    def summary(self) -> str:
        intended = [c for m in self.matrices for c in m.cells if c.intended]
        allowed = self.cells(Status.ALLOWED)
        problems = []
        if denied := self.cells(Status.DENIED):
            problems.append(f"{len(denied)} of {_count(len(intended), 'intended pull')} denied")
        if unintended := self.cells(Status.UNINTENDED):
            problems.append(
                f"{_count(len(unintended), 'pull')} allowed to roles that do not use the repository"
            )
        if self.drift:
            problems.append(f"{_count(len(self.drift), 'drift finding')} in the deployed documents")
        if unknown := self.cells(Status.UNKNOWN):
            problems.append(f"{_count(len(unknown), 'pull')} cannot be proven either way")
        if problems:
            return "; ".join(problems)
        tail = "; the deployed policies match the intended ones" if self.live else ""
        pulls = "the 1 intended pull is" if len(allowed) == 1 else f"all {len(allowed)} intended pulls are"
        return f"{pulls} allowed; no other role or account can pull{tail}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _mode_line(report: Report) -> str:
    if report.live:
        return f"live: policies read from AWS, intended state from the stack files in {report.source}"
    return f"offline: policies built from the stack files in {report.source}, as the program deploys them"


def _grant(matrix: AccessMatrix) -> str:
    access = matrix.build.access
    if isinstance(access, AccountsAccess):
        return f"grants accounts {', '.join(access.accounts)}"
    paths = f" below {', '.join(access.organization_paths)}" if access.organization_paths else ""
    return f"grants organization {access.organization_id}{paths}"


def _heading(matrix: AccessMatrix) -> str:
    build = matrix.build
    return f"build stack {build.stack}: account {build.account_id}, {build.region}, {_grant(matrix)}"


def _arrow(cell: Cell, arrow: str = "->") -> str:
    who = "any other account" if cell.consumer == OTHERS else cell.consumer
    return f"{who} {arrow} {cell.repository}"


def _check_text(decision: Decision) -> str:
    return {Decision.ALLOW: "ok", Decision.DENY: "FAIL", Decision.UNKNOWN: "unknown"}[decision]


def _why(cell: Cell) -> str:
    if cell.status is Status.UNINTENDED:
        return "can pull, but none of its services uses this repository"
    prefix = "not used; " if cell.status is Status.NOT_USED else ""
    return prefix + "; ".join(cell.reasons)


def render_table(report: Report) -> str:
    lines = [f"ecr-share verify ({_mode_line(report)})", f"Not evaluated: {NOT_EVALUATED}.", ""]
    for matrix in report.matrices:
        lines += [_heading(matrix), ""]
        header = ["consumer", *matrix.repositories]
        rows = [
            [consumer.label, *(CELL_TEXT[matrix.cell(consumer.name, r).status] for r in matrix.repositories)]
            for consumer in matrix.consumers
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, ["-" * w for w in widths], *rows]:
            lines.append(
                "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True)).rstrip()
            )
        lines += ["", LEGEND, OTHERS_NOTE, ""]
        checks = ", ".join(f"{n} {name}" for n, name in enumerate(SEED_CHECKS, 1))
        lines.append(f"Seed checks for each intended pull ({checks}):")
        intended = [c for c in matrix.cells if c.intended]
        width = max((len(_arrow(c)) for c in intended), default=0)
        for cell in intended:
            results = "  ".join(f"{n} {_check_text(d)}" for n, d in enumerate(cell.checks, 1))
            lines.append(f"  {_arrow(cell).ljust(width)}  {results}")
        explained = [c for c in matrix.cells if c.status is not Status.ALLOWED]
        if explained:
            lines += ["", "Why not:"]
            lines += [f"  {_arrow(c)}: {_why(c)}" for c in explained]
        for title, items in (("Notes:", matrix.notes), ("Drift:", matrix.drift)):
            if items:
                lines += ["", title, *(f"  {item}" for item in items)]
        lines.append("")
    lines.append(f"Result: {report.summary} (exit code {report.exit_code})")
    return "\n".join(lines) + "\n"


def render_json(report: Report) -> str:
    document: dict[str, Any] = {
        "mode": "live" if report.live else "offline",
        "source": report.source,
        "exitCode": report.exit_code,
        "summary": report.summary,
        "notEvaluated": NOT_EVALUATED,
        "builds": [_matrix_json(m) for m in report.matrices],
    }
    return json.dumps(document, indent=2) + "\n"


def _matrix_json(matrix: AccessMatrix) -> dict[str, Any]:
    build = matrix.build
    return {
        "stack": build.stack,
        "accountId": build.account_id,
        "region": build.region,
        "access": access_output(build.access),
        "repositories": list(matrix.repositories),
        "consumers": [
            {
                "stack": None if c.name == OTHERS else c.name,
                "label": c.label,
                "accountId": c.account_id,
                "roleArn": c.role_arn,
                "organizationPath": c.organization_path,
                "repositories": list(c.repositories),
                "pullsFrom": dict(c.sources),
            }
            for c in matrix.consumers
        ],
        "cells": [
            {
                "consumer": cell.consumer,
                "repository": cell.repository,
                "repositoryArn": cell.source_arn,
                "intended": cell.intended,
                "decision": cell.decision.value,
                "status": cell.status.value,
                "checks": {name: d.value for name, d in zip(SEED_CHECKS, cell.checks, strict=True)},
                "reasons": list(cell.reasons),
            }
            for cell in matrix.cells
        ],
        "notes": list(matrix.notes),
        "drift": list(matrix.drift),
    }


def render_markdown(report: Report) -> str:
    lines = [
        "# ecr-share access report",
        "",
        f"Mode: {_mode_line(report)}.",
        f"Not evaluated: {NOT_EVALUATED}.",
        "",
    ]
    for matrix in report.matrices:
        lines += [
            f"## Build stack `{matrix.build.stack}`",
            "",
            f"Account {matrix.build.account_id}, {matrix.build.region}, {_grant(matrix)}.",
            "",
        ]
        lines += ["```mermaid", *_mermaid(matrix), "```", ""]
        lines.append("| consumer | " + " | ".join(f"`{r}`" for r in matrix.repositories) + " |")
        lines.append("|---" * (len(matrix.repositories) + 1) + "|")
        for consumer in matrix.consumers:
            texts = [CELL_TEXT[matrix.cell(consumer.name, r).status] for r in matrix.repositories]
            lines.append(f"| {consumer.label} | " + " | ".join(texts) + " |")
        lines += ["", LEGEND + ".", "", OTHERS_NOTE + ".", "", "### Seed checks for each intended pull", ""]
        lines.append("| pull | " + " | ".join(f"{n}. {name}" for n, name in enumerate(SEED_CHECKS, 1)) + " |")
        lines.append("|---" * (len(SEED_CHECKS) + 1) + "|")
        for cell in (c for c in matrix.cells if c.intended):
            lines.append(
                f"| {cell.consumer} → `{cell.repository}` | "
                + " | ".join(_check_text(d) for d in cell.checks)
                + " |"
            )
        explained = [c for c in matrix.cells if c.status is not Status.ALLOWED]
        if explained:
            lines += ["", "### Why not", ""]
            lines += [f"- {_arrow(c, '→')}: {_why(c)}" for c in explained]
        for title, items in (("### Notes", matrix.notes), ("### Drift", matrix.drift)):
            if items:
                lines += ["", title, "", *(f"- {item}" for item in items)]
        lines.append("")
    lines.append(f"**Result:** {report.summary} (exit code {report.exit_code}).")
    return "\n".join(lines) + "\n"


def _node(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def _build_arn(matrix: AccessMatrix, repository: str) -> str:
    """The build account's repository ARN, which the "others" row always pulls from."""
    return matrix.cell(OTHERS, repository).source_arn


def _mermaid(matrix: AccessMatrix) -> list[str]:
    """The seed's architecture picture, drawn from the real configuration and the verdicts."""
    build = matrix.build
    lines = [
        "graph TB",
        f'    subgraph {_node("build", build.stack)}["Build account ({build.account_id}) · stack {build.stack}"]',
    ]
    lines += [f'        {_node("repo", r)}[("ECR {r}")]' for r in matrix.repositories]
    lines.append("    end")
    edges: list[str] = []
    for consumer in matrix.consumers:
        if consumer.name == OTHERS:
            continue
        role = _node("role", consumer.name)
        lines += [
            f'    subgraph {_node("account", consumer.name)}["{consumer.name} ({consumer.account_id})"]',
            f'        {role}["ECS execution role<br/>{consumer.role_arn.rsplit("/", 1)[1]}"]',
            "    end",
        ]
        for repository in matrix.repositories:
            cell = matrix.cell(consumer.name, repository)
            source = _node("repo", repository)
            if cell.source_arn != _build_arn(matrix, repository):
                replica = _node("replica", consumer.name, repository)
                lines.insert(-1, f'        {replica}[("replica {repository}")]')
                edges.append(f"    {source} -.->|replicates| {replica}")
                source = replica
            if cell.status is Status.ALLOWED:
                edges.append(f"    {source} -->|pull| {role}")
            elif cell.status in (Status.DENIED, Status.UNKNOWN, Status.UNINTENDED):
                edges.append(f"    {source} -.->|{CELL_TEXT[cell.status]}| {role}")
    return lines + edges
