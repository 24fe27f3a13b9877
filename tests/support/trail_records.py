"""CloudTrail records of ECR events in the documented format (CloudTrail user guide "CloudTrail record
contents" and "userIdentity element"; ECR user guide "Logging Amazon ECR actions with AWS
CloudTrail"), and trail log files holding them in the documented key layout: for the audit's tests,
its benchmark and the README's example.

``scenario`` is the committed project's week: dev and staging pull from the build registry across
accounts (each call delivered to both accounts, with one sharedEventID), prod pulls from its own
replicas, prod's role also tries the build registry and is refused, staging's role is refused once,
CI pushes, the Lambda service pulls for a function nobody granted, a scanner of another account is
refused, and a stranger's role pulls once (as if a policy had let it) and sets a repository policy.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

BUILD, DEV, STAGING, PROD, STRANGER = (
    "111111111111",
    "222222222222",
    "333333333333",
    "444444444444",
    "555555555555",
)
REGION = "us-east-1"
CONFIG_DIGEST = "sha256:" + "c" * 64
LAYER_DIGEST = "sha256:" + "d" * 64


def assumed_role(account: str, role: str, session: str = "ecs-task") -> dict[str, Any]:
    return {
        "type": "AssumedRole",
        "principalId": f"AROAEXAMPLE{account[-4:]}:{session}",
        "arn": f"arn:aws:sts::{account}:assumed-role/{role}/{session}",
        "accountId": account,
        "accessKeyId": "ASIAEXAMPLE",
        "sessionContext": {
            "sessionIssuer": {
                "type": "Role",
                "principalId": f"AROAEXAMPLE{account[-4:]}",
                "arn": f"arn:aws:iam::{account}:role/{role}",
                "accountId": account,
                "userName": role,
            },
            "attributes": {"creationDate": "2026-11-01T00:00:00Z", "mfaAuthenticated": "false"},
        },
    }


def aws_service(service: str) -> dict[str, Any]:
    """An AWS service calling on its own behalf: no account, only ``invokedBy``."""
    return {"type": "AWSService", "invokedBy": service}


def record(
    event: str,
    time: datetime,
    identity: dict[str, Any],
    *,
    registry: str,
    repository: str | None,
    recipient: str,
    region: str = REGION,
    error: str | None = None,
    shared: str | None = None,
    source: str = "ecr.amazonaws.com",
) -> dict[str, Any]:
    seed = f"{event}{time.isoformat()}{json.dumps(identity, sort_keys=True)}{registry}{repository}{recipient}"
    event_id = hashlib.sha256(seed.encode()).hexdigest()
    parameters: dict[str, Any] | None = {"registryId": registry}
    if repository is not None:
        parameters = {"registryId": registry, "repositoryName": repository}
        if event == "BatchGetImage":
            parameters["imageIds"] = [{"imageTag": "v1.2.3"}]
            parameters["acceptedMediaTypes"] = ["application/vnd.docker.distribution.manifest.v2+json"]
        elif event == "GetDownloadUrlForLayer":
            parameters["layerDigest"] = LAYER_DIGEST
    found: dict[str, Any] = {
        "eventVersion": "1.08",
        "userIdentity": identity,
        "eventTime": time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "eventSource": source,
        "eventName": event,
        "awsRegion": region,
        "sourceIPAddress": identity.get("invokedBy", "AWS Internal"),
        "userAgent": identity.get("invokedBy", "AWS Internal"),
        "requestParameters": parameters,
        "responseElements": None,
        "requestID": event_id[:36],
        "eventID": f"{event_id[:8]}-{event_id[8:12]}-{event_id[12:16]}-{event_id[16:20]}-{event_id[20:32]}",
        "readOnly": event.startswith(("Batch", "Get", "Describe", "List")),
        "eventType": "AwsApiCall",
        "managementEvent": True,
        "recipientAccountId": recipient,
        "eventCategory": "Management",
    }
    if repository is not None:
        found["resources"] = [
            {"accountId": registry, "ARN": f"arn:aws:ecr:{region}:{registry}:repository/{repository}"}
        ]
    if error is not None:
        found["errorCode"] = error
        found["errorMessage"] = (
            f"User: {identity.get('arn', identity.get('invokedBy'))} is not authorized to perform: ecr:{event}"
        )
    if shared is not None:
        found["sharedEventID"] = shared
    return found


def pull(
    time: datetime,
    identity: dict[str, Any],
    registry: str,
    repository: str,
    *,
    error: str | None = None,
    layers: int = 2,
) -> list[dict[str, Any]]:
    """One image pull as ECR records it: BatchGetImage, then GetDownloadUrlForLayer per layer. A
    cross-account call goes to both accounts (one sharedEventID per call)."""
    caller = identity.get("accountId")
    events = ["BatchGetImage"] + ([] if error else ["GetDownloadUrlForLayer"] * layers)
    found = []
    for index, event in enumerate(events):
        at = time + timedelta(seconds=index)
        # A cross-account call is delivered to both accounts, as one event (the same shared ID).
        cross = bool(caller) and caller != registry
        shared = (
            hashlib.sha256(f"{at}{caller}{registry}{repository}{event}".encode()).hexdigest()[:36]
            if cross
            else None
        )
        found += [
            record(
                event,
                at,
                identity,
                registry=registry,
                repository=repository,
                recipient=recipient,
                error=error,
                shared=shared,
            )
            for recipient in ((caller, registry) if cross else (registry,))
        ]
    return found


def role(account: str, stack: str) -> dict[str, Any]:
    return assumed_role(account, f"ecr-share-{stack}-execution")


def noise(time: datetime, account: str) -> dict[str, Any]:
    """A record of another service, as an organization trail holds many."""
    return record(
        "GetObject",
        time,
        assumed_role(account, "app"),
        registry=account,
        repository=None,
        recipient=account,
        source="s3.amazonaws.com",
    )


def scenario(first_day: date, days: int = 7) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for offset in range(days):
        day = datetime(first_day.year, first_day.month, first_day.day) + timedelta(days=offset)
        found += pull(day + timedelta(hours=9), role(DEV, "dev"), BUILD, "web-app")
        found += pull(day + timedelta(hours=10), role(STAGING, "staging"), BUILD, "web-app")
        found += pull(day + timedelta(hours=11), role(PROD, "prod"), PROD, "web-app")
        found += pull(day + timedelta(hours=11, minutes=5), role(PROD, "prod"), PROD, "worker")
        found.append(
            record(
                "PutImage",
                day + timedelta(hours=8),
                assumed_role(BUILD, "ci"),
                registry=BUILD,
                repository="web-app",
                recipient=BUILD,
            )
        )
        found.append(noise(day + timedelta(hours=12), DEV))
    middle = datetime(first_day.year, first_day.month, first_day.day) + timedelta(days=days // 2, hours=15)
    # prod's role tries the build registry: its policy names only its replicas.
    found += pull(middle, role(PROD, "prod"), BUILD, "web-app", error="AccessDenied")
    # A Lambda function of an account nobody granted pulls through the Lambda service.
    found += pull(
        middle + timedelta(minutes=1), aws_service("lambda.amazonaws.com"), BUILD, "worker", layers=1
    )
    found = [
        r if r["userIdentity"].get("type") != "AWSService" else {**r, "recipientAccountId": BUILD}
        for r in found
    ]
    # staging's role is refused once: a broken grant.
    found += pull(
        middle + timedelta(minutes=6),
        role(STAGING, "staging"),
        BUILD,
        "web-app",
        error="AccessDeniedException",
    )
    # A scanner of an account nobody granted tries, and is refused.
    found += pull(
        middle + timedelta(minutes=4),
        assumed_role("999999999999", "scanner", "cli"),
        BUILD,
        "web-app",
        error="AccessDeniedException",
    )
    # A stranger's role pulls once, and sets a repository policy.
    stranger = assumed_role(STRANGER, "intruder", "cli")
    found += pull(middle + timedelta(minutes=2), stranger, BUILD, "worker", layers=1)
    found += [
        record(
            "SetRepositoryPolicy",
            middle + timedelta(minutes=3),
            stranger,
            registry=BUILD,
            repository="worker",
            recipient=BUILD,
        ),
        record(
            "SetRepositoryPolicy",
            middle + timedelta(minutes=3),
            stranger,
            registry=BUILD,
            repository="worker",
            recipient=STRANGER,
            shared="s" * 36,
        ),
    ]
    return sorted(found, key=lambda r: (r["eventTime"], r["eventID"]))


def log_files(
    records: Iterable[dict[str, Any]], *, organization: str | None = "o-abc123def4", per_file: int = 500
) -> Iterator[tuple[str, bytes]]:
    """(key below the trail's prefix, gzip bytes): each record in the folder of the account it was
    delivered to, its Region and its day, ``per_file`` records a file."""
    folders: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for item in records:
        folders[item["recipientAccountId"], item["awsRegion"], item["eventTime"][:10]].append(item)
    for (account, region, day), items in sorted(folders.items()):
        year, month, dd = day.split("-")
        above = f"AWSLogs/{organization}/" if organization else "AWSLogs/"
        for start in range(0, len(items), per_file):
            stamp = f"{year}{month}{dd}T2355Z"
            name = f"{account}_CloudTrail_{region}_{stamp}_{hashlib.sha256(f'{account}{day}{start}'.encode()).hexdigest()[:16]}.json.gz"
            body = json.dumps({"Records": items[start : start + per_file]}, separators=(",", ":")).encode()
            yield (
                f"{above}{account}/CloudTrail/{region}/{year}/{month}/{dd}/{name}",
                gzip.compress(body, mtime=0),
            )


def write_trail(folder: Path, records: Iterable[dict[str, Any]], **options: Any) -> Path:
    for key, body in log_files(records, **options):
        path = folder / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
    return folder


# The embedded engine reads the generated gzip files as the Athena table CloudTrail documents: its
# columns, lower case, useridentity a struct and requestparameters JSON text.
_CLOUDTRAIL_VIEW = """
CREATE VIEW cloudtrail AS
SELECT r.eventTime AS eventtime, r.eventSource AS eventsource, r.eventName AS eventname, r.awsRegion AS awsregion,
  struct_pack(type := r.userIdentity.type, arn := r.userIdentity.arn, accountid := r.userIdentity.accountId,
    invokedby := r.userIdentity.invokedBy,
    sessioncontext := struct_pack(sessionissuer := struct_pack(arn := r.userIdentity.sessionContext.sessionIssuer.arn))
  ) AS useridentity,
  CAST(r.requestParameters AS VARCHAR) AS requestparameters, r.errorCode AS errorcode,
  r.recipientAccountId AS recipientaccountid, r.sharedEventID AS sharedeventid
FROM (SELECT unnest(Records) AS r FROM read_json('{files}', format = 'auto', columns = {{'Records':
  'STRUCT(eventTime VARCHAR, eventSource VARCHAR, eventName VARCHAR, awsRegion VARCHAR, userIdentity STRUCT(type
  VARCHAR, arn VARCHAR, accountId VARCHAR, invokedBy VARCHAR, sessionContext STRUCT(sessionIssuer STRUCT(arn
  VARCHAR))), requestParameters JSON, errorCode VARCHAR, recipientAccountId VARCHAR, sharedEventID VARCHAR)[]'}}))
"""


def cloudtrail_view(folder: Path) -> str:
    """DuckDB's ``cloudtrail`` view over the log files under ``folder``."""
    return _CLOUDTRAIL_VIEW.format(files=folder / "AWSLogs" / "**" / "*.json.gz")
