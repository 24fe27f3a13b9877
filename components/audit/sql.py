"""The audit's aggregation as SQL, for Athena over the table the Athena user guide documents for
CloudTrail logs ("Create a table for CloudTrail logs in Athena": lower-case columns, ``useridentity``
a struct, ``requestparameters`` the JSON text of the parameters, ``eventtime`` ISO 8601 text).

The same text runs in the embedded engine of the tests (DuckDB) over the same generated log files,
through a view with that table's columns (``tests/audit/test_sources.py``), so it keeps to what both
accept: no JSON functions (a regular expression reads the two parameters), ``regexp_extract`` with
NULLIF (Athena answers NULL where DuckDB answers ''), no array subscripts. It counts exactly the rows
``records.Tally`` counts.
"""

from __future__ import annotations

from components.audit.records import ECR_SOURCE, FIELDS

AGGREGATION = """\
WITH ecr AS (
  SELECT
    substr(eventtime, 1, 10) AS day,
    eventname AS event,
    awsregion AS region,
    COALESCE(useridentity.sessioncontext.sessionissuer.arn, useridentity.arn, useridentity.invokedby, '') AS principal,
    COALESCE(useridentity.accountid, '') AS principal_account,
    COALESCE(useridentity.invokedby, '') AS invoked_by,
    COALESCE(NULLIF(regexp_extract(requestparameters, '"registryId"\\s*:\\s*"([0-9]{{12}})"', 1), ''), recipientaccountid) AS registry,
    COALESCE(NULLIF(regexp_extract(requestparameters, '"repositoryName"\\s*:\\s*"([^"]*)"', 1), ''), '') AS repository,
    COALESCE(errorcode, '') AS error,
    recipientaccountid AS recipient,
    sharedeventid AS shared
  FROM {table}
  WHERE eventsource = '{source}'
    AND eventtime >= '{since}' AND eventtime < '{until}'{partition}
)
SELECT {fields}, count(*) AS events
FROM ecr
WHERE shared IS NULL OR recipient = registry OR registry NOT IN (SELECT DISTINCT recipient FROM ecr)
GROUP BY {fields}
ORDER BY {fields}
"""


def aggregation(table: str, since: str, until: str, day_partition: str | None = None) -> str:
    """The query for ``table`` over [since, until) (ISO 8601 UTC text); with ``day_partition``, a
    partition column holding ``yyyy/MM/dd`` (the partition projection table's ``timestamp``) is
    bounded too, so Athena reads only the window's days."""
    partition = ""
    if day_partition:
        partition = f"\n    AND \"{day_partition}\" >= '{since[:10].replace('-', '/')}'"
    return AGGREGATION.format(
        table=table,
        source=ECR_SOURCE,
        since=since,
        until=until,
        partition=partition,
        fields=", ".join(FIELDS),
    )
