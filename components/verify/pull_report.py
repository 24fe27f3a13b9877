"""The pull test's report: per stack and service, each call and each of the design's three checks;
for a failed pull, every check with its evidence. Exit code 1 on any failed pull."""

from __future__ import annotations

import json
from collections.abc import Sequence

from components.verify.pull_test import CHECKS, FAILED, ServicePull

FORMAT_VERSION = 1
EXIT_OK, EXIT_FAILED, EXIT_UNPROVEN = 0, 1, 3
HEADER = (
    "ecr-share verify --live --pull (each service's image pulled with its stack's credentials: the "
    "design's docker login and docker pull, and IAM's policy simulator for the execution role)"
)


def exit_code(pulls: Sequence[ServicePull]) -> int:
    if any(p.failed for p in pulls):
        return EXIT_FAILED
    return EXIT_OK if all(p.pulled for p in pulls) else EXIT_UNPROVEN


def summary(pulls: Sequence[ServicePull]) -> str:
    failed = sum(p.failed for p in pulls)
    pulled = sum(p.pulled for p in pulls)
    text = f"{pulled} of {len(pulls)} images pulled"
    if failed:
        text += f"; {failed} failed"
    if len(pulls) - pulled - failed:
        text += f"; {len(pulls) - pulled - failed} not proven"
    return f"{text} (exit code {exit_code(pulls)})"


def _rows(pulls: Sequence[ServicePull]) -> list[list[str]]:
    rows = []
    for pull in pulls:
        steps = ", ".join(f"{SHORT.get(s.name, s.name)} {'ok' if s.ok else 'FAILED'}" for s in pull.steps)
        checks = " ".join(f"{c.number} {c.status}" for c in pull.checks)
        result = "pulled" if pull.pulled else "FAILED" if pull.failed else "not proven"
        rows.append([pull.stack, pull.service, pull.image, pull.registry, steps, checks, result])
    return rows


COLUMNS = ["stack", "service", "image", "registry", "calls", "role checks", "result"]
# The calls column names each call by what it fetches.
SHORT = {
    "GetAuthorizationToken": "token",
    "BatchGetImage": "manifest",
    "GetDownloadUrlForLayer": "config blob",
}


def render_table(pulls: Sequence[ServicePull]) -> str:
    rows = [COLUMNS, *_rows(pulls)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = [HEADER, ""]
    for index, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    lines += [
        "",
        "calls: token GetAuthorizationToken, manifest BatchGetImage, config blob GetDownloadUrlForLayer",
        "role checks (IAM policy simulator): " + "; ".join(f"{n} {t}" for n, t in CHECKS.items()),
    ]
    failed = [p for p in pulls if not p.pulled]
    if failed:
        lines += ["", "Failed pulls, with the design's three checks:"]
        for pull in failed:
            lines.append(f"  {pull.stack} {pull.service} ({pull.image}):")
            lines += [f"    {s.name}: {s.detail}" for s in pull.steps if not s.ok]
            lines += [f"    {c.number} {c.status:<7} {c.title}: {c.evidence}" for c in pull.checks]
    lines += ["", f"Result: {summary(pulls)}", ""]
    return "\n".join(lines)


def render_json(pulls: Sequence[ServicePull]) -> str:
    document = {
        "formatVersion": FORMAT_VERSION,
        "pulls": [
            {
                "stack": p.stack,
                "service": p.service,
                "image": p.image,
                "registry": p.registry,
                "result": "pulled" if p.pulled else "failed" if p.failed else "not proven",
                "calls": [{"call": s.name, "ok": s.ok, "detail": s.detail} for s in p.steps],
                "checks": [
                    {"check": c.number, "title": c.title, "status": c.status, "evidence": c.evidence}
                    for c in p.checks
                ],
            }
            for p in pulls
        ],
        "summary": summary(pulls),
        "exitCode": exit_code(pulls),
    }
    return json.dumps(document, indent=2) + "\n"


def render_markdown(pulls: Sequence[ServicePull]) -> str:
    lines = ["# ecr-share pull test", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in _rows(pulls)]
    for pull in (p for p in pulls if not p.pulled):
        lines += ["", f"## {pull.stack} {pull.service}: {'FAILED' if pull.failed else 'not proven'}", ""]
        lines += [f"- {s.name}: {s.detail}" for s in pull.steps if not s.ok]
        lines += [
            f"- check {c.number} ({c.title}): **{c.status}**"
            if c.status == FAILED
            else f"- check {c.number} ({c.title}): {c.status}"
            for c in pull.checks
        ]
        lines += [f"  - {c.evidence}" for c in pull.checks if c.status == FAILED]
    lines += ["", f"**Result:** {summary(pulls)}", ""]
    return "\n".join(lines)


RENDERERS = {"table": render_table, "json": render_json, "markdown": render_markdown}
