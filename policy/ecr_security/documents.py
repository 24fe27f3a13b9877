"""Policy documents as the engine sends them, and the parts of IAM's grammar the rules need.

A document arrives as JSON text (how pulumi-aws types ``policy``), sometimes as an object, or empty.
IAM semantics followed (IAM User Guide, https://docs.aws.amazon.com/IAM/latest/UserGuide/):
reference_policies_elements_action.html (case-insensitive actions, ``*`` and ``?`` wildcards),
reference_policies_elements_notaction.html (Allow with NotAction allows every action not listed),
reference_policies_elements_principal.html (``"*"`` and ``{"AWS": "*"}`` are everyone; an account is
an ID or ``arn:aws:iam::ID:root``), reference_policies_elements_condition_operators.html (a key
missing from the request makes ``...IfExists`` and negated operators true; ``ForAllValues`` is true
too), reference_policies_condition-keys.html (the keys below).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ecr_security.aws import ACCOUNT_ID, ARN_ACCOUNT, ORGANIZATION_ID
from ecr_security.values import as_list


class NotADocument(ValueError):
    """The value is not a policy document AWS would accept."""


@dataclass(frozen=True)
class Statement:
    body: dict[str, Any]
    label: str

    @property
    def allows(self) -> bool:
        return self.body.get("Effect") == "Allow"


def parse(value: Any) -> dict[str, Any] | None:
    """The document, None when there is none (an absent or empty policy)."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as e:
            raise NotADocument(f"is not JSON ({e})") from e
    if not isinstance(value, dict) or "Statement" not in value:
        raise NotADocument("has no Statement")
    return value


def statements(document: dict[str, Any]) -> list[Statement]:
    bodies = as_list(document["Statement"])
    if not all(isinstance(b, dict) for b in bodies):
        raise NotADocument("has a statement that is not an object")
    return [
        Statement(body, f"statement {body['Sid']!r}" if "Sid" in body else f"statement {n}")
        for n, body in enumerate(bodies, 1)
    ]


@lru_cache(maxsize=512)
def _glob(pattern: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def allowed_actions(statement: Statement, actions: tuple[str, ...]) -> list[str]:
    """Which of ``actions`` an Allow statement grants (wildcards and NotAction included)."""
    if not statement.allows:
        return []
    if "NotAction" in statement.body:
        excluded = [str(p) for p in as_list(statement.body["NotAction"])]
        return [a for a in actions if not any(_glob(p).fullmatch(a) for p in excluded)]
    patterns = [str(p) for p in as_list(statement.body.get("Action"))]
    return [a for a in actions if any(_glob(p).fullmatch(a) for p in patterns)]


@dataclass(frozen=True)
class Principals:
    """Who a resource-policy statement names."""

    everyone: bool
    """``"*"``, ``{"AWS": "*"}`` or a NotPrincipal (everyone but those listed)."""
    accounts: frozenset[str]
    """The accounts of the AWS principals it names."""
    unresolved: tuple[str, ...]
    """AWS principals whose account cannot be read (unique IDs, malformed values)."""


def principals(statement: Statement) -> Principals:
    body = statement.body
    if "NotPrincipal" in body:
        return Principals(True, frozenset(), ())
    element = body.get("Principal")
    if element == "*":
        return Principals(True, frozenset(), ())
    entries = as_list(element.get("AWS")) if isinstance(element, dict) else []
    everyone = "*" in entries
    accounts: set[str] = set()
    unresolved: list[str] = []
    for entry in entries:
        if entry == "*":
            continue
        text = str(entry)
        if ACCOUNT_ID.fullmatch(text):
            accounts.add(text)
        elif match := ARN_ACCOUNT.fullmatch(text):
            accounts.add(match.group(1))
        else:
            unresolved.append(text)
    return Principals(everyone, frozenset(accounts), tuple(unresolved))


# Operators that are false when the key is missing from the request, so they restrict: not the
# negated ones, not ...IfExists, not ForAllValues.
_RESTRICTING_OPERATORS = frozenset(
    {"stringequals", "stringequalsignorecase", "stringlike", "arnequals", "arnlike"}
)


def _specific_org_path(value: str) -> bool:
    head = value.split("/", 1)[0]
    return "/" in value and ORGANIZATION_ID.fullmatch(head) is not None


def _specific_arn(value: str) -> bool:
    fields = value.split(":")
    if len(fields) < 6 or fields[0] != "arn":
        return False
    account = fields[4]
    return ACCOUNT_ID.fullmatch(account) is not None or (account == "" and not re.search(r"[*?]", value))


# Condition key -> what a value must be to name one organization, account or source.
_RESTRICTING_KEYS = {
    "aws:principalorgid": lambda v: ORGANIZATION_ID.fullmatch(v) is not None,
    "aws:sourceorgid": lambda v: ORGANIZATION_ID.fullmatch(v) is not None,
    "aws:principalorgpaths": _specific_org_path,
    "aws:sourceorgpaths": _specific_org_path,
    "aws:principalaccount": lambda v: ACCOUNT_ID.fullmatch(v) is not None,
    "aws:sourceaccount": lambda v: ACCOUNT_ID.fullmatch(v) is not None,
    "aws:principalarn": _specific_arn,
    "aws:sourcearn": _specific_arn,
}


def restricting_conditions(statement: Statement) -> list[str]:
    """The ``operator key`` entries that limit the statement to named organizations, accounts or
    source ARNs, each of whose values names exactly such a thing. One is enough (entries are ANDed)."""
    block = statement.body.get("Condition")
    found: list[str] = []
    if not isinstance(block, dict):
        return found
    for operator, keys in block.items():
        qualifier, _, base = str(operator).rpartition(":")
        if base.lower() not in _RESTRICTING_OPERATORS or qualifier.lower() not in ("", "foranyvalue"):
            continue
        if not isinstance(keys, dict):
            continue
        for key, values in keys.items():
            check = _RESTRICTING_KEYS.get(str(key).lower())
            strings = [str(v) for v in as_list(values)]
            if check is not None and strings and all(check(v) for v in strings):
                found.append(f"{operator} {key}")
    return found


def condition_accounts(statement: Statement) -> frozenset[str] | None:
    """The accounts a restricting ``aws:PrincipalAccount`` condition allows, or None without one."""
    block = statement.body.get("Condition")
    if not isinstance(block, dict):
        return None
    for operator, keys in block.items():
        if str(operator).lower() != "stringequals" or not isinstance(keys, dict):
            continue
        for key, values in keys.items():
            strings = [str(v) for v in as_list(values)]
            if str(key).lower() == "aws:principalaccount" and all(ACCOUNT_ID.fullmatch(v) for v in strings):
                return frozenset(strings)
    return None


def resources(statement: Statement) -> list[str] | None:
    """The Resource element as strings; None for NotResource (which names everything else)."""
    if "NotResource" in statement.body:
        return None
    return [str(r) for r in as_list(statement.body.get("Resource"))]
