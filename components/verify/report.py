"""The access report: exit code, summary, and the table, JSON and Markdown renderings."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from components.repositories.config import access_output
from components.repositories.model import Access, AccountsAccess
from components.verify.access.actions import (
    CLASSES,
    PARTIAL_PULL_CHECK,
    class_actions,
)
from components.verify.access.analyzer import Opinion, opinion_json
from components.verify.access.findings import Analysis, Finding, FindingStatus
from components.verify.access.principals import OWN_POLICY_ROWS, Row, RowKind
from components.verify.access.resources import ResourceKind
from components.verify.evaluator.evaluator import Decision
from components.verify.intended import Registry
from components.verify.matrix import SEED_CHECKS, AccessMatrix, Cell, Status
from components.verify.summary import (
    CELL_TEXT,
    MAX_DRAWN_REPOSITORIES,
    FindingLine,
    Line,
    accounts_text,
    cell_lines,
    finding_lines,
    in_order,
    listed,
    registry_table,
    repositories_text,
)

EXIT_OK = 0
EXIT_PROBLEM = 1  # a pull meant to work is denied, one not meant is allowed, or (live) drift
EXIT_ERROR = 2  # the report could not be made: stack files, config or credentials
EXIT_UNPROVEN = 3  # nothing wrong found, but some access could not be proven
NOT_EVALUATED = "SCPs, RCPs, permissions boundaries, session policies and VPC endpoint policies"
# The JSON report's shape: raised whenever a key is renamed or removed (output without the key is 1).
FORMAT_VERSION = 2
# The seed's three checks, by stable ID (JSON keys), in SEED_CHECKS' order.
SEED_CHECK_IDS = ("SEED-REPOSITORY-POLICY", "SEED-AUTHORIZATION-TOKEN", "SEED-ROLE-POLICY")
ANALYZER_TITLE = (
    "IAM Access Analyzer custom policy checks of the planned policies (AWS, then the offline analysis)"
)
FINDING_TEXT = {FindingStatus.UNINTENDED: "UNINTENDED", FindingStatus.UNKNOWN: "unknown"}
LEGEND = (
    "allowed: meant to pull and can; DENIED: meant to pull but cannot; -: not meant to and cannot; "
    "UNINTENDED: can pull without being meant to; unknown: cannot be proven"
)
ROWS_NOTE = (
    "role: the stack's ECS task execution role, meant to pull what its services run; account: a role "
    "there whose own policy allows ecr:* on *, meant to reach a registry its grant names or that it "
    "owns; any other account: the same in an account nobody granted, outside any organization"
)
# What the rows of the other kinds are, said only when a report has such rows.
MORE_ROWS_NOTES = {
    RowKind.ATTACHED_ROLE: "<stack> role <name>: an existing role the stack attaches the pull policy to, "
    "meant to pull what the stack's services run (offline: with only that policy; --live reads its others)",
    RowKind.GRANTED_ROLE: "role <name> (<account>): a role a grant or a policy names by ARN, whose own policy "
    "allows ecr:* on *",
    RowKind.LAMBDA: "Lambda functions of <account>: its container-image functions in the registry's Region, "
    "created by a role there whose own policy allows ecr:* on *; both the Lambda service and that role "
    "must be let in",
    RowKind.LAMBDA_STRANGER: "Lambda functions of any other account: the same in an account nobody granted",
}
PROBLEMS = (Status.DENIED, Status.UNINTENDED, Status.UNKNOWN)


@dataclass(frozen=True)
class Report:
    live: bool
    source: str
    matrices: tuple[AccessMatrix, ...]

    def cells(self, *statuses: Status) -> list[Cell]:
        return [c for m in self.matrices for c in m.with_status(*statuses)]

    def findings(self, status: FindingStatus) -> list[Finding]:
        return [f for m in self.matrices if m.analysis for f in m.analysis.with_status(status)]

    @property
    def drift(self) -> list[str]:
        return [d for m in self.matrices for d in m.drift]

    @property
    def unproven(self) -> int:
        """Pulls of the pull tables, and accesses of every other kind, not provable either way."""
        return len(self.cells(Status.UNKNOWN)) + len(self.findings(FindingStatus.UNKNOWN))

    @property
    def disagreements(self) -> list[Opinion]:
        """IAM Access Analyzer answers (``--access-analyzer``) that differ from the offline ones."""
        return [o for m in self.matrices for o in m.opinions if not o.agrees]

    @property
    def exit_code(self) -> int:
        if (
            self.cells(Status.DENIED, Status.UNINTENDED)
            or self.findings(FindingStatus.UNINTENDED)
            or self.drift
            or self.disagreements
        ):
            return EXIT_PROBLEM
        return EXIT_UNPROVEN if self.unproven else EXIT_OK

    @property
    def summary(self) -> str:
        intended = [c for m in self.matrices for c in m.cells if c.intended]
        problems = []
        if denied := self.cells(Status.DENIED):
            problems.append(f"{len(denied)} of {_count(len(intended), 'intended pull')} denied")
        if unintended := self.findings(FindingStatus.UNINTENDED):
            checks: dict[str, int] = {}
            for finding in unintended:
                checks[finding.check] = checks.get(finding.check, 0) + 1
            by_check = ", ".join(f"{check} {n:,}" for check, n in sorted(checks.items()))
            problems.append(
                f"{_count(len(unintended), 'access')} allowed that the config does not declare ({by_check})"
            )
        if self.drift:
            problems.append(f"{_count(len(self.drift), 'drift finding')} in the deployed documents")
        if disagreements := self.disagreements:
            problems.append(f"IAM Access Analyzer disagrees on {_count(len(disagreements), 'check')}")
        if unknown := self.unproven:
            problems.append(f"{_count(unknown, 'access')} cannot be proven either way")
        if problems:
            return "; ".join(problems)
        tail = "; the deployed policies match the plan" if self.live else ""
        if any(m.opinions for m in self.matrices):
            tail += "; IAM Access Analyzer agrees"
        allowed = len(self.cells(Status.ALLOWED))
        pulls = "the 1 intended pull is" if allowed == 1 else f"all {allowed:,} intended pulls are"
        return f"{pulls} allowed; no access of any class goes beyond what the config declares{tail}"


def _count(n: int, noun: str) -> str:
    plural = f"{noun[:-1]}ies" if noun.endswith("y") else f"{noun}es" if noun.endswith("s") else f"{noun}s"
    return f"{n} {noun}" if n == 1 else f"{n:,} {plural}"


def _mode_line(report: Report) -> str:
    if report.live:
        return f"live: policies read from AWS, compared with the plans of the stack files in {report.source}"
    return f"offline: the policies the plans of the stack files in {report.source} register"


def _grant(access: Access | None) -> str:
    if access is None:
        return "grants no other account"
    parts: list[str] = []
    if isinstance(access, AccountsAccess):
        if access.accounts:
            parts.append(accounts_text(access.accounts))
    else:
        paths = f" below {', '.join(access.organization_paths)}" if access.organization_paths else ""
        parts.append(f"organization {access.organization_id}{paths}")
    if access.roles:
        parts.append(f"roles {', '.join(access.roles)}")
    if access.lambda_accounts:
        functions = ", ".join(
            g.account_id + (f" (in {g.region})" if g.region else "")
            for g in sorted(access.lambda_accounts, key=lambda g: (g.account_id, g.region or ""))
        )
        parts.append(f"the Lambda functions of {functions}")
    return "grants " + "; ".join(parts)


def _rows_note(matrix: AccessMatrix) -> str:
    kinds = {row.kind for row in matrix.rows}
    return "; ".join([ROWS_NOTE, *(note for kind, note in MORE_ROWS_NOTES.items() if kind in kinds)])


def _heading(matrix: AccessMatrix) -> str:
    build = matrix.build
    return f"build stack {build.stack}: account {build.account_id}, {build.region}, {_grant(build.access)}"


def _registry_heading(registry: Registry) -> str:
    return f"{registry.label}: {_grant(registry.grant)}; policies from {registry.source}"


def _arrow(matrix: AccessMatrix, line: Line, arrow: str = "->") -> str:
    """Who, and which repositories of which registry, a line of the report is about."""
    first = line.cells[0]
    row = matrix.row(first.row)
    who = row.stack if row.kind is RowKind.ROLE else row.label
    registry = next(r for r in matrix.registries if r.key == first.registry)
    return f"{who} {arrow} {repositories_text(line.cells, registry.label)}"


def _check_text(decision: Decision | None) -> str:
    if decision is None:
        return "n/a"
    return {Decision.ALLOW: "ok", Decision.DENY: "FAIL", Decision.UNKNOWN: "unknown"}[decision]


def _why(cell: Cell) -> str:
    if cell.status is Status.UNINTENDED:
        return "can pull, but no grant means it to"
    return "; ".join(cell.reasons) or "no reason recorded"


def _explained(matrix: AccessMatrix) -> list[Cell]:
    """Problems, and why the principals outside every grant cannot pull."""
    outsiders = (RowKind.STRANGER, RowKind.OUTSIDE_PATHS, RowKind.LAMBDA_STRANGER)
    return [
        c
        for c in matrix.cells
        if c.status in PROBLEMS or (matrix.row(c.row).kind in outsiders and c.status is not Status.ALLOWED)
    ]


def _intended_role_pulls(matrix: AccessMatrix) -> list[Line]:
    cells = [c for c in matrix.cells if c.intended and matrix.row(c.row).kind in OWN_POLICY_ROWS]
    return cell_lines(cells, lambda c: " ".join(_check_text(d) for d in c.checks))


def _why_lines(matrix: AccessMatrix) -> list[Line]:
    return cell_lines(_explained(matrix), _why)


EVALUATED_CHECKS = tuple(c.klass.check_id for c in CLASSES if c.evaluated)


def _analysis_heading(analysis: Analysis, documents: int) -> str:
    kinds = [r.kind for r in analysis.resources]
    nouns = {kind: kind.value for kind in ResourceKind}
    counted = [_count(kinds.count(kind), noun) for kind, noun in nouns.items() if kind in kinds]
    return (
        f"Access analysis ({', '.join(EVALUATED_CHECKS)}) of {_count(documents, 'document')}, "
        f"{_count(len(analysis.principals), 'principal')} against {_and_joined(counted)}"
    )


def _and_joined(words: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return " and ".join(filter(None, (", ".join(words[:-1]), words[-1])))


def _finding_text(finding: Finding) -> str:
    """What is allowed, then (a line each) the statements that grant it, or why it is unknown."""
    lines = [", ".join(finding.actions)]
    if finding.status is FindingStatus.UNKNOWN:
        lines += [f"cannot be proven: {r}" for r in finding.reasons]
    lines += [f"granted by {g.quoted}" for g in finding.grants]
    return "\n".join(lines)


def _finding_lines(matrix: AccessMatrix) -> list[FindingLine]:
    return finding_lines(matrix.analysis.findings if matrix.analysis else (), _finding_text)


def _finding_title(line: FindingLine) -> str:
    first = line.findings[0]
    return f"{first.check} {FINDING_TEXT[first.status]}: {line.subject}"


def _verdict(opinion: Opinion) -> str:
    if opinion.result is None:
        return f"not asked ({opinion.question.skipped})"
    offline = "FAIL" if opinion.question.offline else "PASS"
    return f"AWS {opinion.result}, offline {offline}" + ("" if opinion.agrees else ", DISAGREE")


def _opinion_lines(matrix: AccessMatrix) -> list[str]:
    """A line per planned policy (or per group of four or more of one kind with the same answers):
    each check's verdict, checks with one verdict together; AWS's reasons under a disagreement."""
    by_policy: dict[str, list[Opinion]] = {}
    for opinion in matrix.opinions:
        by_policy.setdefault(opinion.question.policy.label, []).append(opinion)

    def verdicts(opinions: list[Opinion]) -> str:
        checks: dict[str, list[str]] = {}
        for o in opinions:
            checks.setdefault(_verdict(o), []).append(o.question.check)
        return "; ".join(f"{', '.join(c)}: {v}" for v, c in checks.items())

    lines: list[str] = []
    policies = list(by_policy.values())
    for group in in_order(policies, lambda ops: (ops[0].question.policy.kind_words, verdicts(ops))):
        first = group[0][0].question.policy
        if len(group) == 1:
            subject = first.label
        else:
            plural = first.kind_words.replace("policy", "policies")
            subject = f"{len(group)} {plural} ({listed([ops[0].question.policy.name for ops in group])})"
        lines.append(f"  {subject}: {verdicts(group[0])}")
        lines += [
            f"    AWS on {o.question.policy.label}, {o.question.check}: {reason}"
            for ops in group
            for o in ops
            if not o.agrees
            for reason in o.reasons
        ]
    return lines


def render_table(report: Report) -> str:
    lines = [f"ecr-share verify ({_mode_line(report)})", f"Not evaluated: {NOT_EVALUATED}.", ""]
    for matrix in report.matrices:
        lines += [_heading(matrix), ""]
        for registry in matrix.registries:
            lines += [_registry_heading(registry), ""]
            table = registry_table(matrix, registry)
            header = ["principal", *table.columns]
            lines += _aligned([header, *([row.label, *row.texts] for row in table.rows)], rule_after=1)
            lines.append("")
        lines += [LEGEND, _rows_note(matrix), ""]
        checks = ", ".join(f"{n} {name}" for n, name in enumerate(SEED_CHECKS, 1))
        lines.append(f"Seed checks for each pull an execution role is meant to make ({checks}):")
        lines += _aligned(
            [
                [f"  {_arrow(matrix, line)}", *(f"{n} {t}" for n, t in enumerate(line.text.split(" "), 1))]
                for line in _intended_role_pulls(matrix)
            ]
        )
        if explained := _why_lines(matrix):
            lines += ["", "Why not:"]
            lines += [f"  {_arrow(matrix, line)}: {line.text}" for line in explained]
        if matrix.analysis is not None:
            lines += ["", _analysis_heading(matrix.analysis, len(matrix.documents)) + ":"]
            found = _finding_lines(matrix)
            if not found:
                lines.append("  nothing is allowed beyond what the config declares")
            for finding_line in found:
                what, *grants = finding_line.text.split("\n")
                lines.append(f"  {_finding_title(finding_line)}: {what}")
                lines += [f"    {g}" for g in grants]
        if matrix.opinions:
            lines += ["", f"{ANALYZER_TITLE}:", *_opinion_lines(matrix)]
        for title, items in (("Notes:", matrix.notes), ("Drift:", matrix.drift)):
            if items:
                lines += ["", title, *(f"  {item}" for item in items)]
        lines.append("")
    lines.append(f"Result: {report.summary} (exit code {report.exit_code})")
    return "\n".join(lines) + "\n"


def _aligned(rows: Sequence[Sequence[str]], rule_after: int | None = None) -> list[str]:
    """Columns padded to their widest cell; with ``rule_after``, a line of dashes after that many rows."""
    if not rows:
        return []
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = [list(row) for row in rows]
    if rule_after is not None:
        lines.insert(rule_after, ["-" * w for w in widths])
    return ["  ".join(t.ljust(w) for t, w in zip(row, widths, strict=True)).rstrip() for row in lines]


def render_json(report: Report) -> str:
    document: dict[str, Any] = {
        "formatVersion": FORMAT_VERSION,
        "mode": "live" if report.live else "offline",
        "source": report.source,
        "exitCode": report.exit_code,
        "summary": report.summary,
        "notEvaluated": NOT_EVALUATED,
        "checks": _checks_json(),
        "builds": [_matrix_json(m) for m in report.matrices],
    }
    return json.dumps(document, indent=2) + "\n"


def _matrix_json(matrix: AccessMatrix) -> dict[str, Any]:
    build = matrix.build
    documents: dict[str, list[dict[str, str]]] = {}
    for d in matrix.documents:
        documents.setdefault(d.stack, []).append({"resource": d.resource, "input": d.input, "text": d.text})
    return {
        "stack": build.stack,
        "accountId": build.account_id,
        "region": build.region,
        "access": access_output(build.access),
        "registries": [
            {
                "registry": r.key,
                "accountId": r.account_id,
                "region": r.region,
                "replica": r.replica,
                "repositories": list(r.repositories),
                "grant": None if r.grant is None else access_output(r.grant),
                "policiesFrom": r.source,
            }
            for r in matrix.registries
        ],
        "principals": [_principal_json(row) for row in matrix.rows],
        "cells": [
            {
                "principal": cell.row,
                "registry": cell.registry,
                "repository": cell.repository,
                "repositoryArn": cell.arn,
                "intended": cell.intended,
                "decision": cell.decision.value,
                "status": cell.status.value,
                "checks": {
                    check: "not needed" if d is None else d.value
                    for check, d in zip(SEED_CHECK_IDS, cell.checks, strict=True)
                },
                "reasons": list(cell.reasons),
            }
            for cell in matrix.cells
        ],
        "documents": documents,
        "analysis": None if matrix.analysis is None else _analysis_json(matrix.analysis),
        "accessAnalyzer": [opinion_json(o) for o in matrix.opinions] if matrix.opinions else None,
        "notes": list(matrix.notes),
        "drift": list(matrix.drift),
    }


def _checks_json() -> list[dict[str, Any]]:
    """Every check ID the report may use, with what it means and where its actions come from."""
    checks = [
        {
            "id": spec.klass.check_id,
            "service": spec.service,
            "evaluated": spec.evaluated,
            "what": spec.what,
            "actions": list(class_actions(spec.klass).actions),
            "ownAccountOnly": list(class_actions(spec.klass).own_only),
            "source": spec.source,
        }
        for spec in CLASSES
    ]
    checks.append(
        {
            "id": PARTIAL_PULL_CHECK,
            "service": "ecr",
            "evaluated": True,
            "what": "fetch an image's manifest or its layers, not both",
            "actions": [],
            "ownAccountOnly": [],
            "source": "one of ECR-PULL's BatchGetImage and GetDownloadUrlForLayer",
        }
    )
    checks += [{"id": check, "seed": name} for check, name in zip(SEED_CHECK_IDS, SEED_CHECKS, strict=True)]
    return checks


def _principal_json(row: Row) -> dict[str, Any]:
    return {
        "principal": row.name,
        "kind": row.kind.value,
        "label": row.label,
        "accountId": row.account_id,
        "roleArn": row.role_arn or None,
        "service": row.service,
        "stack": row.stack,
        "organizationPath": row.organization_path,
        "pulls": list(row.uses),
        "reads": list(row.reads),
    }


def _analysis_json(analysis: Analysis) -> dict[str, Any]:
    return {
        "botocore": analysis.botocore,
        "principals": [_principal_json(row) for row in analysis.principals],
        "resources": [
            {
                "resource": r.arn,
                "kind": r.kind.value,
                "label": r.label,
                "accountId": r.account_id,
                "region": r.region,
                "registry": r.registry.key if r.registry else None,
                "stack": r.stack,
                "policies": [p.label for p in r.policies],
                "checks": [c.check_id for c in r.classes],
            }
            for r in analysis.resources
        ],
        "findings": [
            {
                "id": f.id,
                "check": f.check,
                "status": f.status.value,
                "principal": f.principal.name,
                "resource": f.resource.arn,
                "actions": list(f.actions),
                "grants": [
                    {"policy": g.policy, "sid": g.sid, "index": g.index, "statement": json.loads(g.text)}
                    for g in f.grants
                ],
                "reasons": list(f.reasons),
            }
            for f in analysis.findings
        ],
        "questions": analysis.questions,
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
        build = matrix.build
        lines += [
            f"## Build stack `{build.stack}`",
            "",
            f"Account {build.account_id}, {build.region}, {_grant(build.access)}.",
            "",
        ]
        drawn = sum(len(r.repositories) for r in matrix.registries)
        if drawn <= MAX_DRAWN_REPOSITORIES:
            lines += ["```mermaid", *_mermaid(matrix), "```", ""]
        else:
            lines += [
                f"No diagram: {drawn:,} repositories are too many to draw; the tables hold every verdict.",
                "",
            ]
        for registry in matrix.registries:
            lines += [f"### {registry.label}", "", f"{_registry_heading(registry)}.", ""]
            table = registry_table(matrix, registry)
            names = table.columns if table.counts else [f"`{r}`" for r in table.columns]
            lines.append("| principal | " + " | ".join(names) + " |")
            lines.append("|---" * (len(names) + 1) + "|")
            lines += [f"| {row.label} | " + " | ".join(row.texts) + " |" for row in table.rows]
            lines.append("")
        lines += [
            LEGEND + ".",
            "",
            _rows_note(matrix) + ".",
            "",
            "### Seed checks for each pull of an execution role",
            "",
        ]
        lines.append("| pull | " + " | ".join(f"{n}. {name}" for n, name in enumerate(SEED_CHECKS, 1)) + " |")
        lines.append("|---" * (len(SEED_CHECKS) + 1) + "|")
        for line in _intended_role_pulls(matrix):
            lines.append(f"| {_arrow(matrix, line, '→')} | " + " | ".join(line.text.split(" ")) + " |")
        if explained := _why_lines(matrix):
            lines += ["", "### Why not", ""]
            lines += [f"- {_arrow(matrix, line, '→')}: {line.text}" for line in explained]
        if matrix.analysis is not None:
            lines += [
                "",
                "### Access analysis",
                "",
                _analysis_heading(matrix.analysis, len(matrix.documents)) + ".",
                "",
            ]
            found = _finding_lines(matrix)
            if not found:
                lines.append("Nothing is allowed beyond what the config declares.")
            for finding_line in found:
                what, *grants = finding_line.text.split("\n")
                lines.append(f"- **{_finding_title(finding_line)}**: {what}")
                lines += [f"  - {g}" for g in grants]
        if matrix.opinions:
            lines += [
                "",
                f"### {ANALYZER_TITLE}",
                "",
                *(f"- {line.strip()}" for line in _opinion_lines(matrix)),
            ]
        for title, items in (("### Notes", matrix.notes), ("### Drift", matrix.drift)):
            if items:
                lines += ["", title, "", *(f"- {item}" for item in items)]
        lines.append("")
    lines.append(f"**Result:** {report.summary} (exit code {report.exit_code}).")
    return "\n".join(lines) + "\n"


def _node(*parts: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", "_".join(parts))


def _mermaid(matrix: AccessMatrix) -> list[str]:
    """The seed's architecture picture, drawn from the real configuration and the verdicts."""
    build = matrix.build
    lines = ["graph TB"]
    edges: list[str] = []
    source = matrix.registries[0]
    for registry in matrix.registries:
        title = (
            f"Build account ({build.account_id}) · stack {build.stack}"
            if not registry.replica
            else f"Replicas in {registry.account_id}, {registry.region}"
        )
        lines.append(f'    subgraph {_node("registry", registry.key)}["{title}"]')
        lines += [f'        {_node("repo", registry.key, r)}[("ECR {r}")]' for r in registry.repositories]
        lines.append("    end")
        if registry.replica:
            edges += [
                f"    {_node('repo', source.key, r)} -.->|replicates| {_node('repo', registry.key, r)}"
                for r in registry.repositories
            ]
    for row in (r for r in matrix.rows if r.kind in OWN_POLICY_ROWS):
        role = _node("role", row.name)
        what = "ECS execution role" if row.kind is RowKind.ROLE else "existing role"
        lines += [
            f'    subgraph {_node("account", row.name)}["{row.stack} ({row.account_id})"]',
            f'        {role}["{what}<br/>{row.role_name}"]',
            "    end",
        ]
        for registry in matrix.registries:
            for repository in registry.repositories:
                cell = matrix.cell(row.name, registry.key, repository)
                repo = _node("repo", registry.key, repository)
                if cell.status is Status.ALLOWED:
                    edges.append(f"    {repo} -->|pull| {role}")
                elif cell.status in PROBLEMS:
                    edges.append(f"    {repo} -.->|{CELL_TEXT[cell.status]}| {role}")
    return lines + edges
