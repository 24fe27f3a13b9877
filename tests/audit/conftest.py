"""Shared fixtures of the audit tests: moto for the trail's bucket and each account's CloudTrail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import boto3
import pytest
from trail_records import scenario, write_trail

FIRST_DAY = date(2026, 11, 2)
WINDOW = ("--since", "2026-11-01", "--until", "2026-11-10")
BUCKET = "org-trail-logs"


@pytest.fixture
def aws(moto: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The session's moto, reset, with credentials that reach it and no profile of the machine's."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    moto.reset()
    yield


@pytest.fixture(scope="session")
def week() -> list[dict[str, Any]]:
    """The committed project's generated week (trail_records.scenario)."""
    return scenario(FIRST_DAY)


@pytest.fixture(scope="session")
def week_trail(week: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A local copy of the week's organization trail (the same layout as the bucket)."""
    return write_trail(tmp_path_factory.mktemp("trail"), week)


def account_session(account: str, region: str) -> boto3.Session:
    """A session whose credentials belong to ``account`` in moto (an assumed role there)."""
    role = f"arn:aws:iam::{account}:role/audit"
    credentials = boto3.client("sts", region_name=region).assume_role(RoleArn=role, RoleSessionName="audit")[
        "Credentials"
    ]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=region,
    )
