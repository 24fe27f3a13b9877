"""Matching of the Action, Resource and Principal elements of one statement.

Each rule names the IAM User Guide page it follows (https://docs.aws.amazon.com/IAM/latest/UserGuide/...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from typing import Any

from components.aws.rules import ACCOUNT_ID
from components.verify.evaluator.logic import FALSE, TRUE, Outcome, unknown

# arn:<partition>:iam::<account>:root, the account principal.
ACCOUNT_ROOT_ARN = re.compile(r"arn:aws[a-z-]*:iam::([0-9]{12}):root")


@lru_cache(maxsize=1024)
def _glob(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def wildcard_match(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    """``*`` matches any run of characters, ``?`` exactly one (reference_policies_elements_action,
    reference_policies_elements_resource, condition operators StringLike/ArnLike)."""
    if "*" not in pattern and "?" not in pattern:  # no wildcard: plain equality, without a regex
        return pattern.lower() == value.lower() if ignore_case else pattern == value
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


@dataclass(frozen=True)
class ResourceElement:
    """A statement's Resource or NotResource element, parsed once: exact ARNs as a set."""

    negated: bool
    exact: frozenset[str]
    wildcards: tuple[str, ...]
    problem: Outcome | None = None

    def matches(self, resource_arn: str) -> Outcome:
        if self.problem is not None:
            return self.problem
        listed = resource_arn in self.exact or any(wildcard_match(p, resource_arn) for p in self.wildcards)
        return TRUE if listed != self.negated else FALSE

    @property
    def names_resources(self) -> bool:
        """Whether it can tell one ARN from another (``"*"`` alone cannot)."""
        return self.problem is not None or bool(self.exact) or self.wildcards != ("*",)


def parse_resources(statement: dict[str, Any]) -> ResourceElement | None:
    """Resource/NotResource: ARNs compared case-sensitively, ``*`` and ``?`` allowed in any segment
    (reference_policies_elements_resource.html; reference_policies_elements_notresource.html).
    ``None`` when the statement has neither: a repository policy then applies to its repository."""
    if "Resource" not in statement and "NotResource" not in statement:
        return None
    key = "Resource" if "Resource" in statement else "NotResource"
    patterns = as_list(statement[key])
    problem = None
    if not all(isinstance(p, str) for p in patterns):
        problem = unknown(f"{key} holds a value that is not a string")
    elif any(has_policy_variable(p) for p in patterns):
        problem = unknown(f"{key} uses a policy variable, which this evaluator does not resolve")
    strings = [p for p in patterns if isinstance(p, str)]
    return ResourceElement(
        negated=key == "NotResource",
        exact=frozenset(p for p in strings if "*" not in p and "?" not in p),
        wildcards=tuple(p for p in strings if "*" in p or "?" in p),
        problem=problem,
    )


class Grant(Enum):
    """How a resource policy's Principal element names the caller."""

    NONE = "none"
    # Names the caller itself (its ARN) or everyone ("*"): the resource policy alone can allow.
    DIRECT = "direct"
    # Names the caller's account: "delegates authority to the account", whose identity policies
    # must then allow too, even inside the same account (reference_policies_elements_principal.html).
    ACCOUNT = "account"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class PrincipalElement:
    """A resource policy's Principal element, parsed once into sets, so that naming one caller among
    a thousand accounts is a lookup.

    Rules (reference_policies_elements_principal.html): ``"*"`` and ``{"AWS": "*"}`` mean everyone;
    ``"AWS": "123456789012"`` and ``arn:aws:iam::123456789012:root`` both mean the whole account;
    a role ARN means that role; partial wildcards are not allowed in principals; ``Service`` names
    match only that service principal. An AWS entry names accounts and IAM identities, never a
    service principal; whether ``{"AWS": "*"}`` also covers services is not documented, so it is
    not guessed.
    """

    everyone: bool = False
    invalid: str | None = None
    accounts: frozenset[str] = frozenset()
    arns: frozenset[str] = frozenset()
    aws_everyone: bool = False
    services: frozenset[str] = frozenset()
    unknown_for_iam: str | None = None
    """The first entry that makes the answer unknown for any IAM caller, in the element's order."""
    unknown_for_service: str | None = None

    def grant(
        self, *, caller_arn: str | None, caller_account: str | None, caller_service: str | None
    ) -> tuple[Grant, str]:
        """How the element names the caller: the caller itself or everyone (DIRECT), its account
        (ACCOUNT), neither (NONE), or UNKNOWN with the reason."""
        if self.everyone:
            return Grant.DIRECT, ""
        if self.invalid is not None:
            return Grant.UNKNOWN, self.invalid
        if caller_service is not None:
            if caller_service in self.services:
                return Grant.DIRECT, ""
            unknown_reason = self.unknown_for_service
        else:
            if self.aws_everyone or caller_arn in self.arns:
                return Grant.DIRECT, ""
            if caller_account in self.accounts:
                return Grant.ACCOUNT, ""
            unknown_reason = self.unknown_for_iam
        return (Grant.NONE, "") if unknown_reason is None else (Grant.UNKNOWN, unknown_reason)


def parse_principal(element: Any) -> PrincipalElement:
    if element == "*":
        return PrincipalElement(everyone=True)
    if not isinstance(element, dict):
        return PrincipalElement(invalid=f'Principal {element!r} is neither "*" nor a map')
    accounts: set[str] = set()
    arns: set[str] = set()
    services: set[str] = set()
    aws_everyone = False
    for_iam: list[str] = []
    for_service: list[str] = []
    for kind, values in element.items():
        for value in as_list(values):
            if not isinstance(value, str):
                for_iam.append(f"Principal {kind} entry {value!r} is not a string")
                for_service.append(for_iam[-1])
            elif kind == "Service":
                services.add(value)
            elif kind != "AWS":
                for_iam.append(f"Principal type {kind!r} is not evaluated")
                for_service.append(for_iam[-1])
            elif value == "*":
                aws_everyone = True
                for_service.append('whether {"AWS": "*"} covers a service principal is not evaluated')
            elif "*" in value or "?" in value:
                for_iam.append(f"Principal {value!r} uses a wildcard, which AWS does not allow")
            elif (account := value if ACCOUNT_ID.fullmatch(value) else _root_account(value)) is not None:
                accounts.add(account)
            else:
                arns.add(value)
    return PrincipalElement(
        accounts=frozenset(accounts),
        arns=frozenset(arns),
        aws_everyone=aws_everyone,
        services=frozenset(services),
        unknown_for_iam=for_iam[0] if for_iam else None,
        unknown_for_service=for_service[0] if for_service else None,
    )


def _root_account(arn: str) -> str | None:
    match = ACCOUNT_ROOT_ARN.fullmatch(arn)
    return match.group(1) if match else None
