"""What the audit tests share besides fixtures: the generated week, its window and bucket, and
sessions of moto accounts."""

from __future__ import annotations

from datetime import date

import boto3

FIRST_DAY = date(2026, 11, 2)
WINDOW = ("--since", "2026-11-01", "--until", "2026-11-10")
BUCKET = "org-trail-logs"


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
