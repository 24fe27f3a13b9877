"""``python -m components audit``: ECR's CloudTrail events over a window, held against the plans of
the stack files (docs/audit.md)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from components.verify.deployments import VerifyError, load_deployments

if TYPE_CHECKING:
    from components.audit.records import Row, Tally
    from components.audit.sources import Window

EXIT_ERROR = 2
# The formats of report.RENDERERS: the parser is built for every command, so it imports no reader.
FORMATS = ("json", "markdown", "table")


def add_parser(commands: Any) -> None:
    audit = commands.add_parser(
        "audit",
        help="who really pulled: ECR's CloudTrail events held against the plans",
        description=(
            "Read ECR's CloudTrail events over a window (a trail's log files, LookupEvents for one account "
            "and Region, or an Athena table), and report pulls by principal, account, registry and "
            "repository, with findings: UNINTENDED pulls and writes, failed pulls of intended principals, "
            "environments pulling from the build registry instead of their replica, unused grants. Exit "
            "codes: 0 nothing unintended; 1 an unintended pull or write, or an intended principal refused; "
            "2 error; 3 nothing wrong found, but some log files could not be read."
        ),
    )
    audit.add_argument("--stacks-dir", type=Path, default=Path("."), metavar="DIR", help="the project folder")
    audit.add_argument(
        "--stack", action="append", default=[], metavar="NAME", help="audit only this stack's part"
    )
    source = audit.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--trail",
        metavar="S3URL|DIR",
        help="a trail's log files: s3://BUCKET[/PREFIX] or a local copy of them",
    )
    source.add_argument(
        "--lookup-events",
        metavar="STACK",
        help="LookupEvents in the account and Region of STACK, with its credentials (90 days at most)",
    )
    source.add_argument(
        "--athena", metavar="DATABASE.TABLE", help="run the aggregation in Athena over this table"
    )
    audit.add_argument(
        "--since", default="30d", help="start of the window: 30d, 12h or an ISO date (default 30d)"
    )
    audit.add_argument("--until", help="end of the window: an ISO date or time (default: now)")
    audit.add_argument("--athena-output", metavar="S3URL", help="with --athena: the query results location")
    audit.add_argument("--workgroup", help="with --athena: the Athena workgroup")
    audit.add_argument(
        "--athena-day-partition",
        metavar="COLUMN",
        help="with --athena: a partition column holding yyyy/MM/dd (partition projection's `timestamp`)",
    )
    audit.add_argument(
        "--profile", help="AWS profile for --trail and --athena (default: the credential chain)"
    )
    audit.add_argument(
        "--region", help="AWS Region for --athena, or for --lookup-events instead of the stack's"
    )
    audit.add_argument("--format", choices=FORMATS, default="table", help="output format")


def now() -> datetime:
    return datetime.now(UTC)


SessionFactory = Callable[[str | None, str | None], Any]


def default_session(profile: str | None, region: str | None) -> Any:
    import boto3

    return boto3.Session(profile_name=profile, region_name=region)


def run(
    args: argparse.Namespace,
    *,
    session_for: Any = None,
    session: SessionFactory = default_session,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    from components.audit.findings import findings
    from components.audit.intent import project_intent
    from components.audit.report import RENDERERS, AuditReport
    from components.audit.sources import AuditError, Window, parse_since

    out = out or sys.stdout
    err = err or sys.stderr

    def progress(text: str) -> None:
        err.write(f"ecr-share audit: {text}\n")

    try:
        deployments = load_deployments(args.stacks_dir, args.stack)
        intents = tuple(project_intent(d) for d in deployments)
        until = parse_since(args.until, now()) if args.until else now()
        window = Window(parse_since(args.since, until), until)
        if window.since >= window.until:
            raise AuditError(f"--since {args.since} is not before --until {args.until or 'now'}")
        rows, tally, source, notes = _read(args, window, deployments, session_for, session, progress)
    except (VerifyError, AuditError) as error:
        err.write(f"ecr-share audit: error: {error}\n")
        return EXIT_ERROR
    except (ClientError, BotoCoreError) as error:
        err.write(f"ecr-share audit: error: AWS call failed: {error}\n")
        return EXIT_ERROR
    found, usage = [], []
    for intent in intents:
        more, used = findings(intent, rows)
        found += more
        usage += used
    report = AuditReport(
        source=source,
        window=window,
        intents=intents,
        rows=tuple(rows),
        findings=tuple(found),
        usage=tuple(usage),
        records=tally.records,
        ecr_events=tally.ecr_events,
        files=tally.files,
        skipped_files=tuple(tally.skipped_files),
        skipped_records=tuple(sorted(tally.skipped_records.items())),
        notes=tuple(notes),
    )
    out.write(RENDERERS[args.format](report))
    return report.exit_code


def _read(
    args: argparse.Namespace,
    window: Window,
    deployments: Any,
    session_for: Any,
    session: SessionFactory,
    progress: Callable[[str], None],
) -> tuple[list[tuple[Row, int]], Tally, str, list[str]]:
    from components.audit.records import Tally
    from components.audit.sources import AuditError, log_files, read_lookup_events, read_trail

    if args.trail:
        files, prefix = log_files(args.trail, lambda: session(args.profile, args.region).client("s3"))
        tally = read_trail(files, prefix, window, progress)
        return tally.rows(), tally, f"trail {args.trail}", []
    if args.lookup_events:
        from components.verify.cli import _credentials
        from components.verify.live import Sessions
        from components.verify.live import default_session as stack_session

        for deployment in deployments:
            stack = next((s for s in deployment.reachable if s.stack == args.lookup_events), None)
            if stack is None:
                continue
            sessions = Sessions(session_for or stack_session, _credentials(deployment, [], False))
            region = args.region or stack.region
            with sessions.errors(stack):
                cloudtrail = sessions(stack).client("cloudtrail", region_name=region)
                tally, note = read_lookup_events(cloudtrail, stack.account_id, window, progress, now=now())
            where = f"LookupEvents of account {stack.account_id} in {region} (stack {stack.stack})"
            return tally.rows(), tally, where, [note] if note else []
        raise AuditError(f"--lookup-events {args.lookup_events}: no such stack among the audited ones")
    from components.audit.athena import run_athena

    rows = run_athena(session(args.profile, args.region).client("athena"), args, window, progress)
    tally = Tally(ecr_events=sum(c for _, c in rows))
    return rows, tally, f"Athena table {args.athena}", []
