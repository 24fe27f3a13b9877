"""``audit --lookup-events`` (LookupEvents served around moto, checked against the model) and
``audit --athena`` (the Athena calls stubbed, checked against the model; the query text run in the
embedded engine on the same generated log files)."""

from __future__ import annotations

import argparse
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
from botocore.stub import Stubber

from components.audit import cli as audit_cli
from components.audit.athena import run_athena
from components.audit.records import rows_from
from components.audit.sources import AuditError, LocalLogFiles, Window, read_trail
from components.audit.sql import aggregation
from components.config.model import StackConfig
from components.verify.cli import main
from tests.support.audit_setup import WINDOW, account_session
from tests.support.moto_standins import LookupEvents
from tests.support.trail_records import BUILD, cloudtrail_view

ROOT = Path(__file__).resolve().parents[2]
SINCE, UNTIL = "2026-11-01T00:00:00Z", "2026-11-10T00:00:00Z"
WEEK = Window(datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 10, tzinfo=UTC))


def test_lookup_events_reads_one_accounts_history_with_backoff_and_progress(
    aws: None, week: list[dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    history = LookupEvents([r for r in week if r["recipientAccountId"] == BUILD], throttle=1)
    waits: list[float] = []
    monkeypatch.setattr("components.audit.sources.time.sleep", waits.append)
    monkeypatch.setattr(audit_cli, "now", lambda: datetime(2026, 11, 20, tzinfo=UTC))

    def session_for(stack: StackConfig, profile: str | None) -> Any:
        session = account_session(stack.account_id, stack.region)
        cloudtrail = session.client("cloudtrail", region_name=stack.region)
        history.install(cloudtrail)
        return _WithClient(session, cloudtrail)

    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["audit", "--stacks-dir", str(ROOT), *WINDOW, "--lookup-events", "build"],
        session_for=session_for,
        out=out,
        err=err,
    )
    assert code == 1
    assert out.getvalue().startswith(
        "ecr-share audit (LookupEvents of account 111111111111 in us-east-1 (stack build); "
        "2026-11-01T00:00:00Z to 2026-11-10T00:00:00Z)\n"
    )
    # The build account's history alone holds every pull from its registry (the owner's copies).
    assert (
        "[unintended-pull:9a1ab8c70a] UNINTENDED: arn:aws:iam::555555555555:role/intruder" in out.getvalue()
    )
    assert err.getvalue() == "ecr-share audit: LookupEvents throttled: waiting 0.5 s\n"
    # The throttled call, then a half second between pages: two calls a second at most.
    assert history.calls == 3 and waits == [0.5, 0.5]


class _WithClient:
    """A session that hands out one prepared client for its service."""

    def __init__(self, session: Any, cloudtrail: Any) -> None:
        self.session, self.cloudtrail = session, cloudtrail

    def client(self, service: str, region_name: str | None = None) -> Any:
        return (
            self.cloudtrail
            if service == "cloudtrail"
            else self.session.client(service, region_name=region_name)
        )


def test_lookup_events_keeps_to_its_90_days(aws: None) -> None:
    from components.audit.sources import read_lookup_events

    cloudtrail = boto3.client("cloudtrail", region_name="us-east-1")
    LookupEvents([]).install(cloudtrail)
    _, note = read_lookup_events(
        cloudtrail, BUILD, WEEK, lambda _: None, now=datetime(2027, 3, 1, tzinfo=UTC)
    )
    assert note == "LookupEvents holds 90 days: read from 2026-12-01, not 2026-11-01"


def test_the_athena_query_counts_what_the_embedded_reader_counts(week_trail: Path) -> None:
    engine = duckdb.connect()
    engine.execute(cloudtrail_view(week_trail))
    from_sql = rows_from(engine.sql(aggregation("cloudtrail", SINCE, UNTIL)).fetchall())
    from_python = read_trail(LocalLogFiles(week_trail), "", WEEK, lambda _: None).rows()
    assert from_sql == from_python
    assert sum(count for _, count in from_sql) == 99


def test_the_day_partition_bounds_the_query() -> None:
    query = aggregation("cloudtrail_logs_pp", SINCE, UNTIL, "timestamp")
    assert "  AND \"timestamp\" >= '2026/11/01'\n" in query


def athena_args(**options: Any) -> argparse.Namespace:
    values = {
        "athena": "security.cloudtrail_logs",
        "athena_output": "s3://athena-results/audit/",
        "workgroup": None,
    }
    values["athena_day_partition"] = None
    return argparse.Namespace(**{**values, **options})


def test_athena_runs_the_query_and_reads_back_only_the_aggregates() -> None:
    athena = boto3.client("athena", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    query = aggregation("cloudtrail_logs", SINCE, UNTIL)
    header = [
        "day",
        "event",
        "region",
        "principal",
        "principal_account",
        "invoked_by",
        "registry",
        "repository",
        "error",
        "events",
    ]
    row = [
        "2026-11-02",
        "BatchGetImage",
        "us-east-1",
        "arn:aws:iam::222222222222:role/ecr-share-dev-execution",
        "222222222222",
        "",
        BUILD,
        "web-app",
        "",
        "7",
    ]
    with Stubber(athena) as stub:
        stub.add_response(
            "start_query_execution",
            {"QueryExecutionId": "q-1"},
            {
                "QueryString": query,
                "QueryExecutionContext": {"Database": "security"},
                "ResultConfiguration": {"OutputLocation": "s3://athena-results/audit/"},
            },
        )
        stub.add_response(
            "get_query_execution",
            {"QueryExecution": {"Status": {"State": "RUNNING"}}},
            {"QueryExecutionId": "q-1"},
        )
        stub.add_response(
            "get_query_execution",
            {"QueryExecution": {"Status": {"State": "SUCCEEDED"}}},
            {"QueryExecutionId": "q-1"},
        )
        stub.add_response(
            "get_query_results",
            {"ResultSet": {"Rows": [{"Data": [{"VarCharValue": v} for v in header]}]}, "NextToken": "page-2"},
            {"QueryExecutionId": "q-1"},
        )
        stub.add_response(
            "get_query_results",
            {"ResultSet": {"Rows": [{"Data": [{"VarCharValue": v} for v in row]}]}},
            {"QueryExecutionId": "q-1", "NextToken": "page-2"},
        )
        progress: list[str] = []
        rows = run_athena(athena, athena_args(), WEEK, progress.append, sleep=lambda _: None)
        stub.assert_no_pending_responses()
    ((found, count),) = rows
    assert (found.principal_account, found.repository, count) == ("222222222222", "web-app", 7)
    assert progress == ["Athena query q-1: RUNNING"]


def test_athena_failures_are_one_sentence() -> None:
    athena = boto3.client("athena", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    with Stubber(athena) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q-2"})
        stub.add_response(
            "get_query_execution",
            {
                "QueryExecution": {
                    "Status": {"State": "FAILED", "StateChangeReason": "TABLE_NOT_FOUND: cloudtrail_logs"}
                }
            },
        )
        with pytest.raises(AuditError, match=r"^Athena query q-2 FAILED: TABLE_NOT_FOUND: cloudtrail_logs$"):
            run_athena(athena, athena_args(), WEEK, lambda _: None, sleep=lambda _: None)
    with pytest.raises(AuditError, match=r"needs --athena-output"):
        run_athena(athena, athena_args(athena_output=None), WEEK, lambda _: None)
    with pytest.raises(AuditError, match=r"expected DATABASE\.TABLE"):
        run_athena(athena, athena_args(athena="cloudtrail_logs"), WEEK, lambda _: None)
