"""The audit's report: pulls by principal, account, registry and repository; the findings; and, in
markdown, a chart of image pulls per account and day drawn from the same rows (Mermaid
``xychart-beta``, one small chart per account: the chart type has no legend)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from components.audit.findings import PROBLEMS, Finding, Usage, exit_code
from components.audit.intent import ProjectIntent
from components.audit.records import IMAGE_PULL, LAMBDA_SERVICE, Row
from components.audit.sources import Window

FORMAT_VERSION = 1
CHART_ACCOUNTS = 6


@dataclass(frozen=True)
class AuditReport:
    source: str
    window: Window
    intents: tuple[ProjectIntent, ...]
    rows: tuple[tuple[Row, int], ...]
    findings: tuple[Finding, ...]
    usage: tuple[Usage, ...]
    records: int
    ecr_events: int
    files: int = 0
    skipped_files: tuple[tuple[str, str], ...] = ()
    skipped_records: tuple[tuple[str, int], ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings, bool(self.skipped_files))

    def summary(self) -> str:
        problems = [f for f in self.findings if f.kind in PROBLEMS]
        counts: dict[str, int] = defaultdict(int)
        for finding in self.findings:
            counts[finding.kind] += 1
        parts = [f"{n} {kind}" for kind, n in counts.items()] or ["no findings"]
        verdict = "problems found" if problems else "nothing unintended"
        return f"{verdict}: {', '.join(parts)} (exit code {self.exit_code})"

    def label(self, account: str) -> str:
        if account == LAMBDA_SERVICE:
            return "the Lambda service"
        for intent in self.intents:
            if account in intent.stack_accounts:
                return intent.account_label(account)
        return account or "-"


def _header(report: AuditReport) -> list[str]:
    lines = [
        f"ecr-share audit ({report.source}; {report.window.since_text} to {report.window.until_text})",
        f"read {report.records:,} records"
        + (f" in {report.files:,} files" if report.files else "")
        + f"; {report.ecr_events:,} ECR events in the window",
    ]
    lines += [f"note: {n}" for n in report.notes]
    if report.skipped_records:
        lines.append("skipped records: " + "; ".join(f"{n} {why}" for why, n in report.skipped_records))
    if report.skipped_files:
        lines.append(f"skipped {len(report.skipped_files)} unreadable files (the report may be incomplete):")
        lines += [f"  {key}: {why}" for key, why in report.skipped_files[:10]]
        if len(report.skipped_files) > 10:
            lines.append(f"  and {len(report.skipped_files) - 10} more")
    return lines


USAGE_COLUMNS = ["principal", "account", "registry", "repository", "pulls", "layers", "refused", "days"]


def _usage_rows(report: AuditReport) -> list[list[str]]:
    return [
        [
            u.principal,
            report.label(u.account),
            u.registry.label,
            u.repository,
            str(u.pulls),
            str(u.layers),
            str(u.failed),
            u.span,
        ]
        for u in report.usage
    ]


def render_table(report: AuditReport) -> str:
    lines = _header(report)
    rows = [USAGE_COLUMNS, *_usage_rows(report)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(USAGE_COLUMNS))]
    lines += [
        "",
        "Pulls (pulls: BatchGetImage, layers: GetDownloadUrlForLayer, refused: denied or failed calls):",
        "",
    ]
    for index, row in enumerate(rows):
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * w for w in widths))
    lines += ["", "Findings:" if report.findings else "Findings: none"]
    lines += [f"  [{f.id}] {f.message}" for f in report.findings]
    lines += ["", f"Result: {report.summary()}", ""]
    return "\n".join(lines)


def render_json(report: AuditReport) -> str:
    document = {
        "formatVersion": FORMAT_VERSION,
        "source": report.source,
        "window": {"since": report.window.since_text, "until": report.window.until_text},
        "read": {
            "records": report.records,
            "ecrEvents": report.ecr_events,
            "files": report.files,
            "skippedFiles": [{"file": k, "reason": r} for k, r in report.skipped_files],
            "skippedRecords": dict(report.skipped_records),
        },
        "notes": list(report.notes),
        "pulls": [
            {
                "principal": u.principal,
                "account": u.account,
                "registry": {
                    "account": u.registry.account_id,
                    "region": u.registry.region,
                    "replica": u.registry.replica,
                },
                "repository": u.repository,
                "pulls": u.pulls,
                "layers": u.layers,
                "refused": u.failed,
                "days": sorted(u.days),
            }
            for u in report.usage
        ],
        "findings": [
            {"id": f.id, "kind": f.kind, "events": f.events, "message": f.message} for f in report.findings
        ],
        "summary": report.summary(),
        "exitCode": report.exit_code,
    }
    return json.dumps(document, indent=2) + "\n"


def pulls_per_account_and_day(report: AuditReport) -> dict[str, dict[str, int]]:
    """Successful image pulls (BatchGetImage) per principal account and day, every day of the window."""
    days = [f"{d:%Y-%m-%d}" for d in report.window.days()]
    found: dict[str, dict[str, int]] = {}
    for row, count in report.rows:
        if row.event == IMAGE_PULL and row.ok:
            account = row.principal_account or row.invoked_by or row.principal
            per_day = found.setdefault(account, dict.fromkeys(days, 0))
            if row.day in per_day:
                per_day[row.day] += count
    return found


def render_markdown(report: AuditReport) -> str:
    lines = ["# ecr-share audit", "", *(f"{line}  " for line in _header(report)), "", "## Pulls", ""]
    lines += ["| " + " | ".join(USAGE_COLUMNS) + " |", "|" + "---|" * len(USAGE_COLUMNS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in _usage_rows(report)]
    lines += ["", "## Image pulls per account and day", ""]
    chart = pulls_per_account_and_day(report)
    ranked = sorted(chart, key=lambda a: (-sum(chart[a].values()), a))
    for account in ranked[:CHART_ACCOUNTS]:
        per_day = chart[account]
        top = max(per_day.values())
        lines += [
            "```mermaid",
            "xychart-beta",
            f'    title "Image pulls per day: {_who(report, account)}"',
            "    x-axis [" + ", ".join(f'"{d[5:]}"' for d in per_day) + "]",
            f'    y-axis "pulls" 0 --> {max(top, 1)}',
            "    bar [" + ", ".join(str(n) for n in per_day.values()) + "]",
            "```",
            "",
        ]
    if len(ranked) > CHART_ACCOUNTS:
        lines += [f"{len(ranked) - CHART_ACCOUNTS} more accounts pulled: see the table above.", ""]
    if not chart:
        lines += ["No image pulls in the window.", ""]
    lines += ["## Findings", ""]
    lines += [f"- `{f.id}` {f.message}" for f in report.findings] or ["None."]
    lines += ["", f"**Result:** {report.summary()}", ""]
    return "\n".join(lines)


def _who(report: AuditReport, account: str) -> str:
    label = report.label(account)
    return label if account == LAMBDA_SERVICE else f"account {label}"


RENDERERS = {"table": render_table, "json": render_json, "markdown": render_markdown}


def rows_total(rows: Sequence[tuple[Row, int]]) -> int:
    return sum(c for _, c in rows)
