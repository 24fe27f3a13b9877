"""ECR's CloudTrail records, reduced to what the audit counts (docs/audit.md has the sources).

Every reader (trail files, LookupEvents, Athena) ends in the same rows: the count of ECR events per
day, event name, Region, principal, principal's account, invoking service, registry, repository and
error code. The trail readers count them here; Athena runs ``sql.AGGREGATION``, which counts the
same rows (tested on the same generated files).

- Principal: ``userIdentity.sessionContext.sessionIssuer.arn`` (the role, for an assumed role), else
  ``userIdentity.arn``, else ``userIdentity.invokedBy`` (an AWS service acting itself).
- Registry: ``requestParameters.registryId``, else the account the record was delivered to
  (``recipientAccountId``); repository: ``requestParameters.repositoryName``.
- A cross-account call may be delivered to both accounts, each copy with the same ``sharedEventID``
  (CloudTrail record contents). The copy delivered to the caller is counted only when the source holds
  no ECR event delivered to the registry's account, so an organization trail counts each call once.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

ECR_SOURCE = "ecr.amazonaws.com"
# A pull: BatchGetImage fetches the manifest, GetDownloadUrlForLayer each layer the puller lacks (ECR
# user guide, logging-using-cloudtrail.html). BatchCheckLayerAvailability is a pull action of the seed's.
PULL_EVENTS = ("BatchGetImage", "GetDownloadUrlForLayer", "BatchCheckLayerAvailability")
IMAGE_PULL = "BatchGetImage"
AUTH_EVENT = "GetAuthorizationToken"
# Read-only calls by prefix; everything else ECR records writes or administers.
READ_PREFIXES = ("Describe", "List", "Get", "BatchGet", "BatchCheck")
LAMBDA_SERVICE = "lambda.amazonaws.com"
_ACCOUNT = re.compile(r"[0-9]{12}")


def category(event: str) -> str:
    """``pull``, ``auth``, ``read`` or ``write`` (writes and administration)."""
    if event in PULL_EVENTS:
        return "pull"
    if event == AUTH_EVENT:
        return "auth"
    return "read" if event.startswith(READ_PREFIXES) else "write"


@dataclass(frozen=True, order=True)
class Row:
    """One aggregate: how many ECR events share all these fields."""

    day: str
    event: str
    region: str
    principal: str
    principal_account: str
    invoked_by: str
    registry: str
    repository: str
    error: str

    @property
    def ok(self) -> bool:
        return not self.error

    @property
    def denied(self) -> bool:
        return "AccessDenied" in self.error


FIELDS = tuple(Row.__dataclass_fields__)
_REGISTRY = FIELDS.index("registry")


@dataclass
class Tally:
    """The rows of one read, with what it read and what it had to skip."""

    counts: Counter[tuple[str, ...]] = field(default_factory=Counter)
    """Each aggregate's fields (a plain tuple: hashed once per event, the reader's hot path)."""
    records: int = 0
    ecr_events: int = 0
    files: int = 0
    skipped_files: list[tuple[str, str]] = field(default_factory=list)
    skipped_records: Counter[str] = field(default_factory=Counter)
    recipients: set[str] = field(default_factory=set)
    _caller_copies: Counter[tuple[str, ...]] = field(default_factory=Counter)

    def add(self, record: Mapping[str, Any], since: str, until: str, region: str | None = None) -> None:
        """Count one CloudTrail record if it is an ECR event in the window (``since`` <= eventTime <
        ``until``, ISO 8601 text); ``region``: the Region of the file it came from."""
        self.records += 1
        if record.get("eventSource") != ECR_SOURCE:
            return
        time = record.get("eventTime")
        if not isinstance(time, str) or not since <= time < until:
            return
        if region is not None and record.get("awsRegion") != region:
            self.skipped_records["in another Region's log folder"] += 1
            return
        row = fields_of(record)
        if row is None:
            self.skipped_records["without the fields of an ECR event"] += 1
            return
        self.ecr_events += 1
        recipient = str(record.get("recipientAccountId", ""))
        self.recipients.add(recipient)
        if record.get("sharedEventID") and recipient != row[_REGISTRY]:
            self._caller_copies[row] += 1
        else:
            self.counts[row] += 1

    def rows(self) -> list[tuple[Row, int]]:
        """Every aggregate, each call counted once (see the module's docstring)."""
        counts = Counter(self.counts)
        for row, count in self._caller_copies.items():
            if row[_REGISTRY] not in self.recipients:
                counts[row] += count
        return sorted((Row(*row), count) for row, count in counts.items())


def fields_of(record: Mapping[str, Any]) -> tuple[str, ...] | None:
    """A record's aggregate fields, in ``Row``'s order."""
    identity = record.get("userIdentity") or {}
    if not isinstance(identity, dict):
        return None
    issuer = ((identity.get("sessionContext") or {}).get("sessionIssuer") or {}).get("arn")
    invoked_by = str(identity.get("invokedBy") or "")
    principal = str(issuer or identity.get("arn") or invoked_by)
    parameters = record.get("requestParameters") or {}
    if not isinstance(parameters, dict):
        parameters = {}
    resources = record.get("resources") or [{}]
    first = (
        resources[0] if isinstance(resources, list) and resources and isinstance(resources[0], dict) else {}
    )
    registry = str(
        parameters.get("registryId") or first.get("accountId") or record.get("recipientAccountId") or ""
    )
    time, event, region = record.get("eventTime"), record.get("eventName"), record.get("awsRegion")
    if not (isinstance(time, str) and isinstance(event, str) and isinstance(region, str)):
        return None
    if not _ACCOUNT.fullmatch(registry):
        return None
    return (
        time[:10],
        event,
        region,
        principal,
        str(identity.get("accountId") or ""),
        invoked_by,
        registry,
        str(parameters.get("repositoryName") or ""),
        str(record.get("errorCode") or ""),
    )


def rows_from(table: Iterable[Iterable[Any]]) -> list[tuple[Row, int]]:
    """Aggregates read back as text rows (Athena, the embedded SQL engine): the fields, then the count."""
    found: list[tuple[Row, int]] = []
    for values in table:
        *fields, count = list(values)
        found.append((Row(*(str(f or "") for f in fields)), int(count)))
    return sorted(found)
