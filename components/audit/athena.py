"""``--athena DATABASE.TABLE``: the audit's aggregation (``sql.AGGREGATION``) run in Amazon Athena,
reading back only the aggregate rows (Athena API: StartQueryExecution, GetQueryExecution until the
query ends, GetQueryResults page by page, its first row the column names)."""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Callable
from typing import Any

from components.audit.records import Row, rows_from
from components.audit.sources import AuditError, Window
from components.audit.sql import aggregation

_TABLE = re.compile(r"[A-Za-z0-9_]+\.[A-Za-z0-9_]+")
ENDED = ("SUCCEEDED", "FAILED", "CANCELLED")


def run_athena(
    athena: Any,
    args: argparse.Namespace,
    window: Window,
    progress: Callable[[str], None],
    sleep: Callable[[float], None] = time.sleep,
) -> list[tuple[Row, int]]:
    if not _TABLE.fullmatch(args.athena):
        raise AuditError(f"--athena {args.athena}: expected DATABASE.TABLE (letters, digits and _)")
    if not (args.athena_output or args.workgroup):
        raise AuditError("--athena needs --athena-output s3://BUCKET/PREFIX or --workgroup")
    database, table = args.athena.split(".")
    request: dict[str, Any] = {
        "QueryString": aggregation(table, window.since_text, window.until_text, args.athena_day_partition),
        "QueryExecutionContext": {"Database": database},
    }
    if args.athena_output:
        request["ResultConfiguration"] = {"OutputLocation": args.athena_output}
    if args.workgroup:
        request["WorkGroup"] = args.workgroup
    query = athena.start_query_execution(**request)["QueryExecutionId"]
    delay = 0.5
    while True:
        status = athena.get_query_execution(QueryExecutionId=query)["QueryExecution"]["Status"]
        if status["State"] in ENDED:
            break
        progress(f"Athena query {query}: {status['State']}")
        sleep(delay)
        delay = min(delay * 2, 10.0)
    if status["State"] != "SUCCEEDED":
        raise AuditError(
            f"Athena query {query} {status['State']}: {status.get('StateChangeReason', 'no reason given')}"
        )
    values: list[list[str]] = []
    params: dict[str, Any] = {"QueryExecutionId": query}
    while True:
        page = athena.get_query_results(**params)
        values += [[c.get("VarCharValue", "") for c in r["Data"]] for r in page["ResultSet"]["Rows"]]
        if not page.get("NextToken"):
            break
        params["NextToken"] = page["NextToken"]
    return rows_from(values[1:])
