"""Where the audit reads ECR's CloudTrail records from.

- A trail's log files (``--trail s3://bucket/prefix`` or a local copy of them): the key layout
  ``AWSLogs/[<org-id>/]<account>/CloudTrail/<region>/<yyyy>/<mm>/<dd>/<file>.json.gz``, each file a
  gzip JSON object ``{"Records": [...]}`` (CloudTrail user guide, cloudtrail-find-log-files.html,
  cloudtrail-log-file-examples.html). Only the days of the window are listed; a file is delivered
  after its records, so a day's folder holds no record of an earlier day's window end, and the days
  from ``since`` on are read. One file is held at a time (flat memory); a file that does not mention
  ``ecr.amazonaws.com`` is not parsed. A truncated or malformed file is skipped and counted.
- LookupEvents, for one account and Region: management events of the last 90 days, at most two
  requests a second per account and Region (CloudTrail API reference, LookupEvents), with backoff on
  ThrottlingException and progress on standard error.
"""

from __future__ import annotations

import gzip
import json
import re
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any, Protocol

from botocore.exceptions import ClientError

from components.audit.records import ECR_SOURCE, Tally

_DAY_FOLDER = re.compile(
    r"(?:.*/)?AWSLogs/(?:o-[a-z0-9]{10,32}/)?([0-9]{12})/CloudTrail/([a-z0-9-]+)/(\d{4})/(\d{2})/(\d{2})/[^/]+\.json\.gz"
)
LOOKUP_DAYS = 90


class AuditError(Exception):
    """A problem that stops the audit before any report (exit code 2)."""


@dataclass(frozen=True)
class Window:
    since: datetime
    until: datetime

    @property
    def since_text(self) -> str:
        return self.since.strftime("%Y-%m-%dT%H:%M:%SZ")

    @property
    def until_text(self) -> str:
        return self.until.strftime("%Y-%m-%dT%H:%M:%SZ")

    def days(self) -> list[date]:
        first, last = self.since.date(), self.until.date()
        return [first + timedelta(days=n) for n in range((last - first).days + 1)]


class LogFiles(Protocol):
    """A trail's log files: S3 or a local folder."""

    def folders(self, path: str) -> list[str]: ...
    def files(self, path: str) -> list[str]: ...
    def open(self, key: str) -> IO[bytes]: ...


class S3LogFiles:
    def __init__(self, s3: Any, bucket: str) -> None:
        self.s3 = s3
        self.bucket = bucket

    def folders(self, path: str) -> list[str]:
        found: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=path, Delimiter="/"
        ):
            found += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        return found

    def files(self, path: str) -> list[str]:
        found: list[str] = []
        for page in self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=path):
            found += [o["Key"] for o in page.get("Contents", [])]
        return found

    def open(self, key: str) -> IO[bytes]:
        body: IO[bytes] = self.s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        return body


class LocalLogFiles:
    """A local copy of the bucket (``aws s3 sync``), the same layout under a folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folders(self, path: str) -> list[str]:
        folder = self.root / path
        return sorted(f"{path}{p.name}/" for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []

    def files(self, path: str) -> list[str]:
        folder = self.root / path
        return sorted(f"{path}{p.name}" for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []

    def open(self, key: str) -> IO[bytes]:
        return (self.root / key).open("rb")


def log_files(trail: str, s3_client: Callable[[], Any]) -> tuple[LogFiles, str]:
    """``s3://bucket/prefix`` or a local folder: the files and the prefix above ``AWSLogs/``."""
    if trail.startswith("s3://"):
        bucket, _, prefix = trail[5:].partition("/")
        if not bucket:
            raise AuditError(f"--trail {trail}: expected s3://BUCKET[/PREFIX]")
        prefix = prefix.strip("/")
        return S3LogFiles(s3_client(), bucket), f"{prefix}/" if prefix else ""
    root = Path(trail)
    if not root.is_dir():
        raise AuditError(f"--trail {trail}: expected s3://BUCKET[/PREFIX] or a folder holding AWSLogs/")
    return LocalLogFiles(root), ""


def day_folders(files: LogFiles, prefix: str, window: Window) -> Iterator[tuple[str, str, str]]:
    """(account, Region, folder) of every day of the window, for every account and Region present."""
    logs = f"{prefix}AWSLogs/"
    accounts: list[str] = []
    for folder in files.folders(logs):
        name = folder[len(logs) :].rstrip("/")
        if name.startswith("o-"):
            accounts += files.folders(folder)
        elif re.fullmatch(r"[0-9]{12}", name):
            accounts.append(folder)
    if not accounts and not files.folders(prefix):
        raise AuditError(f"no CloudTrail log files under {prefix}AWSLogs/")
    for account_folder in accounts:
        account = account_folder.rstrip("/").rsplit("/", 1)[1]
        for region_folder in files.folders(f"{account_folder}CloudTrail/"):
            region = region_folder.rstrip("/").rsplit("/", 1)[1]
            for day in window.days():
                yield account, region, f"{region_folder}{day:%Y/%m/%d}/"


def read_trail(files: LogFiles, prefix: str, window: Window, progress: Callable[[str], None]) -> Tally:
    tally = Tally()
    for _account, region, folder in day_folders(files, prefix, window):
        for key in files.files(folder):
            if not key.endswith(".json.gz"):
                continue
            read_file(tally, files, key, region, window)
        if tally.files and tally.files % 500 == 0:
            progress(f"read {tally.files:,} files, {tally.records:,} records")
    return tally


def read_file(tally: Tally, files: LogFiles, key: str, region: str, window: Window) -> None:
    """One log file into the tally; a file that cannot be read is skipped and named."""
    tally.files += 1
    try:
        with files.open(key) as raw, gzip.GzipFile(fileobj=raw) as unzipped:
            data = unzipped.read()
    except (OSError, EOFError, zlib.error) as failure:
        tally.skipped_files.append((key, f"not a complete gzip file ({failure})"))
        return
    if ECR_SOURCE.encode() not in data:
        # Counted as read, not parsed: the file holds no ECR event. Its records still count.
        tally.records += data.count(b'"eventVersion"')
        return
    try:
        document = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError) as failure:
        tally.skipped_files.append((key, f"not JSON ({failure})"))
        return
    records = document.get("Records") if isinstance(document, dict) else None
    if not isinstance(records, list):
        tally.skipped_files.append((key, 'not a CloudTrail log file (no "Records" list)'))
        return
    for record in records:
        if isinstance(record, dict):
            tally.add(record, window.since_text, window.until_text, region)
        else:
            tally.skipped_records["not a JSON object"] += 1


def read_lookup_events(
    cloudtrail: Any,
    account: str,
    window: Window,
    progress: Callable[[str], None],
    *,
    sleep: Callable[[float], None] | None = None,
    now: datetime | None = None,
) -> tuple[Tally, str | None]:
    """Every ECR event LookupEvents holds for the window; a note when the window starts before the
    90 days it keeps."""
    sleep = sleep or time.sleep
    now = now or datetime.now(UTC)
    note = None
    since = window.since
    if since < now - timedelta(days=LOOKUP_DAYS):
        since = now - timedelta(days=LOOKUP_DAYS)
        note = (
            f"LookupEvents holds {LOOKUP_DAYS} days: read from {since:%Y-%m-%d}, not {window.since:%Y-%m-%d}"
        )
    tally = Tally()
    params: dict[str, Any] = {
        "LookupAttributes": [{"AttributeKey": "EventSource", "AttributeValue": ECR_SOURCE}],
        "StartTime": since,
        "EndTime": window.until,
        "MaxResults": 50,
    }
    pages, delay = 0, 0.5
    while True:
        try:
            page = cloudtrail.lookup_events(**params)
        except ClientError as failure:
            if failure.response.get("Error", {}).get("Code") != "ThrottlingException" or delay > 60:
                raise
            progress(f"LookupEvents throttled: waiting {delay:g} s")
            sleep(delay)
            delay *= 2
            continue
        delay = 0.5
        pages += 1
        for event in page.get("Events", []):
            try:
                record = json.loads(event.get("CloudTrailEvent", ""))
            except json.JSONDecodeError:
                tally.skipped_records["not JSON"] += 1
                continue
            tally.add(record, window.since_text, window.until_text)
        if pages % 20 == 0:
            progress(f"LookupEvents: {pages} pages, {tally.ecr_events:,} ECR events")
        if not page.get("NextToken"):
            return tally, note
        params["NextToken"] = page["NextToken"]
        # Two requests a second per account and Region at most.
        sleep(0.5)


def parse_since(text: str, now: datetime) -> datetime:
    """``30d``, ``12h`` or an ISO date/time (UTC)."""
    match = re.fullmatch(r"(\d+)([dh])", text)
    if match:
        amount = int(match.group(1))
        return now - (timedelta(days=amount) if match.group(2) == "d" else timedelta(hours=amount))
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise AuditError(
            f"--since {text}: expected a duration (30d, 12h) or an ISO date (2026-01-31)"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
