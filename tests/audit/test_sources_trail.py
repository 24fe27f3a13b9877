"""``audit --trail``: an organization trail's log files in moto's S3 (and a local copy), generated in
CloudTrail's documented format (``trail_records``), held against the committed stack files."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path
from typing import Any

import boto3

from components.audit.records import Tally
from components.verify.cli import main
from tests.support.audit_setup import BUCKET, WINDOW
from tests.support.trail_records import BUILD, DEV, REGION, log_files, pull, record, role, write_trail

ROOT = Path(__file__).resolve().parents[2]
PREFIX = "cloudtrail"


def audit(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["audit", "--stacks-dir", str(ROOT), *WINDOW, *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def upload(records: list[dict[str, Any]], extra: dict[str, bytes] | None = None) -> str:
    s3 = boto3.client("s3", region_name=REGION)
    s3.create_bucket(Bucket=BUCKET)
    for key, body in log_files(records):
        s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{key}", Body=body)
    for key, body in (extra or {}).items():
        s3.put_object(Bucket=BUCKET, Key=f"{PREFIX}/{key}", Body=body)
    return f"s3://{BUCKET}/{PREFIX}"


def findings(out: str) -> list[str]:
    return [line.strip() for line in out.split("\nFindings:\n", 1)[1].split("\n\n", 1)[0].splitlines()]


def test_every_finding_kind_with_its_message(aws: None, week: list[dict[str, Any]], tmp_path: Path) -> None:
    code, out, err = audit("--trail", upload(week))
    assert (code, err) == (1, "")
    assert out.startswith(
        "ecr-share audit (trail s3://org-trail-logs/cloudtrail; 2026-11-01T00:00:00Z to 2026-11-10T00:00:00Z)\n"
        "read 154 records in 30 files; 147 ECR events in the window\n"
    )
    assert findings(out) == [
        "[unintended-pull:9a1ab8c70a] UNINTENDED: arn:aws:iam::555555555555:role/intruder of account 555555555555 "
        "pulled worker in build registry 111111111111 us-east-1 (2 events, 2026-11-05..2026-11-05); no grant of the "
        "plans names it",
        "[unintended-pull:aa8173f8a8] UNINTENDED: lambda.amazonaws.com pulled worker in build registry 111111111111 "
        "us-east-1 (2 events, 2026-11-05..2026-11-05); no grant of the plans names it",
        "[unintended-write:e54e8385f0] UNINTENDED: arn:aws:iam::555555555555:role/intruder of account 555555555555 "
        "called SetRepositoryPolicy on worker in build registry 111111111111 us-east-1 (1 event, "
        "2026-11-05..2026-11-05); the plans declare no such writer",
        "[failed-pull:64c611c7dc] failed pull: arn:aws:iam::333333333333:role/ecr-share-staging-execution of account "
        "333333333333 (staging) is meant to pull web-app in build registry 111111111111 us-east-1 but was refused "
        "(AccessDeniedException; 1 event, 2026-11-05..2026-11-05): a broken grant",
        "[wrong-registry:5b539d75bf] wrong registry: prod's roles pulled web-app from the build registry 111111111111 "
        "us-east-1 (1 event, 1 refused), but its plan pulls it from its replica",
        "[denied-attempt:9f28e0704d] denied: arn:aws:iam::999999999999:role/scanner of account 999999999999 tried "
        "BatchGetImage on web-app in build registry 111111111111 us-east-1 and was refused (1 event, "
        "2026-11-05..2026-11-05); nothing the plans declare",
        "[unused-grant:dad3babc64] unused grant: account 444444444444 (prod) may pull from build registry 111111111111 "
        "us-east-1, replicas 111111111111 us-west-2, and pulled nothing in the window: a candidate to narrow",
    ]
    # Each cross-account call is in both accounts' folders: counted once.
    assert (
        "arn:aws:iam::222222222222:role/ecr-share-dev-execution      222222222222 (dev)      build registry "
        "111111111111 us-east-1  web-app     7      14      0        2026-11-02..2026-11-08\n" in out
    )
    assert out.endswith(
        "Result: problems found: 2 unintended-pull, 1 unintended-write, 1 failed-pull, 1 wrong-registry, "
        "1 denied-attempt, 1 unused-grant (exit code 1)\n"
    )
    # A local copy of the bucket reads the same.
    _, local, _ = audit("--trail", str(write_trail(tmp_path, week)))
    assert local.split("\n", 1)[1] == out.split("\n", 1)[1]


def test_json_is_versioned_and_its_finding_ids_stay(week_trail: Path) -> None:
    trail = str(week_trail)
    _, out, _ = audit("--trail", trail, "--format", "json")
    report = json.loads(out)
    assert report["formatVersion"] == 1
    assert report["exitCode"] == 1
    ids = [f["id"] for f in report["findings"]]
    # Another window over the same events: other counts, the same IDs.
    out, err = io.StringIO(), io.StringIO()
    main(
        [
            "audit",
            "--stacks-dir",
            str(ROOT),
            "--since",
            "2026-11-05",
            "--until",
            "2026-11-06",
            "--trail",
            trail,
            "--format",
            "json",
        ],
        out=out,
        err=err,
    )
    narrower = json.loads(out.getvalue())
    assert {f["id"] for f in narrower["findings"] if f["kind"] != "unused-grant"} <= set(ids)
    dev = next(p for p in report["pulls"] if p["account"] == DEV)
    assert dev == {
        "principal": "arn:aws:iam::222222222222:role/ecr-share-dev-execution",
        "account": DEV,
        "registry": {"account": BUILD, "region": REGION, "replica": False},
        "repository": "web-app",
        "pulls": 7,
        "layers": 14,
        "refused": 0,
        "days": [f"2026-11-0{d}" for d in range(2, 9)],
    }


def test_markdown_charts_pulls_per_account_from_the_data(week_trail: Path) -> None:
    _, out, _ = audit("--trail", str(week_trail), "--format", "markdown")
    assert (
        "```mermaid\nxychart-beta\n"
        '    title "Image pulls per day: account 222222222222 (dev)"\n'
        '    x-axis ["11-01", "11-02", "11-03", "11-04", "11-05", "11-06", "11-07", "11-08", "11-09", "11-10"]\n'
        '    y-axis "pulls" 0 --> 1\n'
        "    bar [0, 1, 1, 1, 1, 1, 1, 1, 0, 0]\n```\n" in out
    )
    assert '    title "Image pulls per day: account 444444444444 (prod)"\n' in out
    assert "    bar [0, 2, 2, 2, 2, 2, 2, 2, 0, 0]\n" in out
    assert '    title "Image pulls per day: the Lambda service"\n' in out


def test_unreadable_files_and_misplaced_records_are_counted_skips(aws: None) -> None:
    day = "AWSLogs/o-abc123def4/222222222222/CloudTrail/us-east-1/2026/11/03"
    good = pull(__import__("datetime").datetime(2026, 11, 3, 9), role(DEV, "dev"), BUILD, "web-app")
    misplaced = json.dumps({"Records": [{**good[0], "awsRegion": "eu-west-1"}]}).encode()
    truncated = gzip.compress(json.dumps({"Records": good}).encode())[:60]
    extra = {
        f"{day}/truncated.json.gz": truncated,
        f"{day}/not-json.json.gz": gzip.compress(b'{"Records": [ecr.amazonaws.com'),
        f"{day}/no-records.json.gz": gzip.compress(b'{"records": "ecr.amazonaws.com"}'),
        f"{day}/misplaced.json.gz": gzip.compress(misplaced),
    }
    code, out, err = audit("--trail", upload(good, extra), "--stack", "dev")
    assert (code, err) == (3, "")
    prefix = f"cloudtrail/{day}"
    assert (
        "skipped records: 1 in another Region's log folder\n"
        "skipped 3 unreadable files (the report may be incomplete):\n"
        f'  {prefix}/no-records.json.gz: not a CloudTrail log file (no "Records" list)\n'
        f"  {prefix}/not-json.json.gz: not JSON (Expecting value: line 1 column 14 (char 13))\n"
        f"  {prefix}/truncated.json.gz: not a complete gzip file (Compressed file ended before the end-of-stream marker was reached)\n"
    ) in out
    assert out.endswith("(exit code 3)\n")


def test_the_caller_copy_counts_when_the_registrys_account_is_not_in_the_source() -> None:
    """An account trail of dev alone holds only dev's copies of its cross-account calls."""
    at = __import__("datetime").datetime(2026, 11, 3, 9)
    records = pull(at, role(DEV, "dev"), BUILD, "web-app", layers=1)
    both, dev_only = Tally(), Tally()
    for item in records:
        both.add(item, "2026-11-01", "2026-11-10")
        if item["recipientAccountId"] == DEV:
            dev_only.add(item, "2026-11-01", "2026-11-10")
    assert [count for _, count in both.rows()] == [1, 1]
    assert both.rows() == dev_only.rows()


def test_write_by_the_registrys_own_account_is_declared(aws: None) -> None:
    at = __import__("datetime").datetime(2026, 11, 3, 9)
    push = record("PutImage", at, role(BUILD, "ci"), registry=BUILD, repository="web-app", recipient=BUILD)
    code, out, _ = audit("--trail", upload([push]), "--stack", "dev")
    assert code == 0
    assert "UNINTENDED" not in out


def test_bad_windows_and_trails_are_one_sentence(tmp_path: Path) -> None:
    assert audit("--trail", str(tmp_path / "nowhere"))[2] == (
        f"ecr-share audit: error: --trail {tmp_path / 'nowhere'}: expected s3://BUCKET[/PREFIX] or a folder "
        "holding AWSLogs/\n"
    )
    out, err = io.StringIO(), io.StringIO()
    assert main(["audit", "--trail", str(tmp_path), "--since", "last week"], out=out, err=err) == 2
    assert err.getvalue() == (
        "ecr-share audit: error: --since last week: expected a duration (30d, 12h) or an ISO date (2026-01-31)\n"
    )
    assert (
        audit("--trail", str(tmp_path))[2]
        == "ecr-share audit: error: no CloudTrail log files under AWSLogs/\n"
    )
