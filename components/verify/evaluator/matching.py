"""Matching of the Action, Resource and Principal elements of one statement.

Each rule names the IAM User Guide page it follows (https://docs.aws.amazon.com/IAM/latest/UserGuide/...).
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from typing import Any

from components.aws.rules import ACCOUNT_ID
from components.verify.evaluator.logic import TRUE, Outcome, unknown

# arn:<partition>:iam::<account>:root, the account principal.
ACCOUNT_ROOT_ARN = re.compile(r"arn:aws[a-z-]*:iam::([0-9]{12}):root")


@lru_cache(maxsize=1024)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """``*`` matches any run of characters, ``?`` exactly one (reference_policies_elements_action,
    reference_policies_elements_resource, condition operators StringLike/ArnLike)."""
    return _glob(pattern, ignore_case).fullmatch(value) is not None


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def has_policy_variable(value: str) -> bool:
    return "${" in value


def action_matches(statement: dict[str, Any], action: str) -> Outcome:
    """Action/NotAction: service prefix and name compared case-insensitively, with wildcards
    (reference_policies_elements_action.html; NotAction: reference_policies_elements_notaction.html)."""
    key = "Action" if "Action" in statement else "NotAction"
    patterns = as_list(statement[key])
    if not all(isinstance(p, str) for p in patterns):
        return unknown(f"{key} holds a value that is not a string")
    listed = any(wildcard_match(p, action, ignore_case=True) for p in patterns)
    return Outcome(listed if key == "Action" else not listed)


def resource_matches(statement: dict[str, Any], resource_arn: str) -> Outcome:
    """Resource/NotResource: ARNs compared case-sensitively, ``*`` and ``?`` allowed in any segment
    (reference_policies_elements_resource.html; reference_policies_elements_notresource.html).
    A repository policy may omit both: it then applies to the repository it is attached to."""
    if "Resource" not in statement and "NotResource" not in statement:
        return TRUE
    key = "Resource" if "Resource" in statement else "NotResource"
    patterns = as_list(statement[key])
    if not all(isinstance(p, str) for p in patterns):
        return unknown(f"{key} holds a value that is not a string")
    if any(has_policy_variable(p) for p in patterns):
        return unknown(f"{key} uses a policy variable, which this evaluator does not resolve")
    listed = any(wildcard_match(p, resource_arn) for p in patterns)
    return Outcome(listed if key == "Resource" else not listed)


class Grant(Enum):
    """How a resource policy's Principal element names the caller."""

    NONE = "none"
    # Names the caller itself (its ARN) or everyone ("*"): the resource policy alone can allow.
    DIRECT = "direct"
    # Names the caller's account: "delegates authority to the account", whose identity policies
    # must then allow too, even inside the same account (reference_policies_elements_principal.html).
    ACCOUNT = "account"
    UNKNOWN = "unknown"


def principal_grant(
    principal_element: Any, *, caller_arn: str | None, caller_account: str | None, caller_service: str | None
) -> tuple[Grant, str]:
    """Match a Principal element against an IAM role (caller_arn/account) or an AWS service.

    Rules (reference_policies_elements_principal.html): ``"*"`` and ``{"AWS": "*"}`` mean everyone;
    ``"AWS": "123456789012"`` and ``arn:aws:iam::123456789012:root`` both mean the whole account;
    a role ARN means that role; partial wildcards are not allowed in principals; ``Service`` names
    match only that service principal.
    """
    if principal_element == "*":
        return Grant.DIRECT, ""
    if not isinstance(principal_element, dict):
        return Grant.UNKNOWN, f'Principal {principal_element!r} is neither "*" nor a map'
    found = [
        _principal_entry(kind, value, caller_arn, caller_account, caller_service)
        for kind, values in principal_element.items()
        for value in as_list(values)
    ]
    for wanted in (Grant.DIRECT, Grant.ACCOUNT, Grant.UNKNOWN):
        for grant, reason in found:
            if grant is wanted:
                return grant, reason
    return Grant.NONE, ""


def _principal_entry(
    kind: str, value: Any, caller_arn: str | None, caller_account: str | None, caller_service: str | None
) -> tuple[Grant, str]:
    if not isinstance(value, str):
        return Grant.UNKNOWN, f"Principal {kind} entry {value!r} is not a string"
    if kind == "Service":
        return (Grant.DIRECT if caller_service == value else Grant.NONE), ""
    if kind != "AWS":
        return Grant.UNKNOWN, f"Principal type {kind!r} is not evaluated"
    if caller_service is not None:
        # An AWS entry names accounts and IAM identities, never a service principal. Whether
        # {"AWS": "*"} also covers services is not documented, so it is not guessed.
        if value == "*":
            return Grant.UNKNOWN, 'whether {"AWS": "*"} covers a service principal is not evaluated'
        return Grant.NONE, ""
    if value == "*":
        return Grant.DIRECT, ""
    if "*" in value or "?" in value:
        return Grant.UNKNOWN, f"Principal {value!r} uses a wildcard, which AWS does not allow"
    account = value if ACCOUNT_ID.fullmatch(value) else _root_account(value)
    if account is not None:
        return (Grant.ACCOUNT if account == caller_account else Grant.NONE), ""
    return (Grant.DIRECT if value == caller_arn else Grant.NONE), ""


def _root_account(arn: str) -> str | None:
    match = ACCOUNT_ROOT_ARN.fullmatch(arn)
    return match.group(1) if match else None
