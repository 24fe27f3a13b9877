"""Drift compares documents by meaning: ECR and IAM may store an equivalent document differently."""

from __future__ import annotations

from typing import Any

from components.verify.drift import normalize

INTENDED: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowCrossAccountPull",
            "Effect": "Allow",
            "Principal": {"AWS": ["arn:aws:iam::222222222222:root", "arn:aws:iam::333333333333:root"]},
            "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
        }
    ],
}


def test_equivalent_spellings_are_not_drift() -> None:
    """IAM reference_policies_elements_principal.html: a saved account ID may come back as the root
    ARN; one-item lists may come back as strings; order and action case carry no meaning."""
    stored = {
        "Version": "2012-10-17",
        "Statement": {
            "Sid": "AllowCrossAccountPull",
            "Effect": "Allow",
            "Principal": {"AWS": ["333333333333", "arn:aws:iam::222222222222:root"]},
            "Action": ["ecr:getdownloadurlforlayer", "ecr:BatchGetImage"],
        },
    }
    assert normalize(stored) == normalize(INTENDED)


def test_a_dropped_account_is_drift() -> None:
    edited = {
        **INTENDED,
        "Statement": [{**INTENDED["Statement"][0], "Principal": {"AWS": "arn:aws:iam::222222222222:root"}}],
    }
    assert normalize(edited) != normalize(INTENDED)


def test_condition_values_compare_as_sets_with_case_insensitive_keys() -> None:
    """IAM reference_policies_elements_condition.html: condition key names are not case-sensitive."""
    a = {
        "Statement": [
            {"Effect": "Allow", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc123def4"}}}
        ]
    }
    b = {
        "Statement": [
            {"Effect": "Allow", "Condition": {"StringEquals": {"AWS:principalorgid": ["o-abc123def4"]}}}
        ]
    }
    assert normalize(a) == normalize(b)
