"""Policy documents as plain values, rendered as canonical JSON.

Canonical means: statements in a fixed order with stable Sids, principals, actions and resources
sorted and de-duplicated, lists kept as lists even with one element. The same input always renders
the same bytes, so a second ``pulumi up`` shows no diff.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from components.aws.rules import POLICY_VERSION

PolicyDocument = dict[str, Any]
Statement = dict[str, Any]


def sorted_unique(values: Iterable[str]) -> list[str]:
    return sorted(set(values))


def document(*statements: Statement) -> PolicyDocument:
    return {"Version": POLICY_VERSION, "Statement": list(statements)}


def canonical_json(policy: PolicyDocument) -> str:
    """Compact JSON: what Pulumi sends and what ECR's 10,240-character limit counts."""
    return json.dumps(policy, separators=(",", ":"), ensure_ascii=True)


def iam_policy_length(policy: PolicyDocument) -> int:
    """IAM counts policy size without whitespace; our compact rendering has none outside strings."""
    return len(canonical_json(policy))
