"""Over-grants a resource policy can hide in its statements, each found by one function that the
program, the component args and the policy pack (``policy/ecr_security``) all call:

- ``voided_narrowing``: a statement lets only some roles of an account act (``aws:PrincipalArn``), and
  another statement lets the whole account (its root) do the same: the narrowing is void;
- ``stopped_replication``: a Deny of a registry policy that stops a replication its Allow lets in;
- ``shared_writes``: two accounts that may both create and write the same repositories of a registry.

Statements are plain dicts as IAM reads them (``Principal``, ``Action``, ``Resource``, ``Condition``;
one value or a list), as written by ecr-share or by any other program. Elements that negate
(``NotPrincipal``, ``NotAction``, ``NotResource``) count as everything they do not exclude. Pure, and
free of any dependency but ``rules`` and ``globs``, so the pack can import it (DEVELOPERS.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from components.aws.globs import common_name, name_glob
from components.aws.rules import (
    ACCOUNT_ID,
    PULL_ACTIONS,
    REGISTRY_POLICY_ACTIONS,
    REPLICATION_ACTIONS,
    lazy_pattern,
)

Statement = dict[str, Any]
# Principal ARNs name their account in the fifth field: arn:<partition>:iam::<account>:<name>.
_ARN_ACCOUNT = lazy_pattern(r"arn:[^:]*:[^:]*:[^:]*:([0-9]{12}):.*")
# The operators under which aws:PrincipalArn lets only the listed principals through: a request without
# the key fails them (IAM reference_policies_elements_condition_operators.html; the negated and
# ...IfExists forms let it through).
_NARROWING_OPERATORS = frozenset({"arnequals", "arnlike", "stringequals", "stringlike"})
_PRINCIPAL_ARN = "aws:principalarn"
_PRINCIPAL_ACCOUNT = "aws:principalaccount"


def _values(value: Any) -> list[Any]:
    """An element that may be one value or a list of them."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def label(statement: Statement, index: int) -> str:
    """How a finding names a statement: its Sid, or its position (from 1)."""
    sid = statement.get("Sid")
    return f"statement {sid!r}" if isinstance(sid, str) and sid else f"statement {index + 1}"


def _account(principal: Any) -> str | None:
    text = str(principal)
    if ACCOUNT_ID.fullmatch(text):
        return text
    match = _ARN_ACCOUNT.fullmatch(text)
    return match.group(1) if match else None


@dataclass(frozen=True)
class Principals:
    """The AWS principals a statement names: everyone, or some accounts (roots, roles, users)."""

    everyone: bool
    accounts: frozenset[str]
    roots: frozenset[str]
    """The accounts named whole (``123456789012`` or ``arn:...:iam::123456789012:root``)."""


def principals(statement: Statement) -> Principals:
    if "NotPrincipal" in statement or statement.get("Principal") == "*":
        return Principals(True, frozenset(), frozenset())
    element = statement.get("Principal")
    named = _values(element.get("AWS")) if isinstance(element, dict) else []
    if "*" in named:
        return Principals(True, frozenset(), frozenset())
    accounts = {a for a in map(_account, named) if a is not None}
    roots = {
        str(p) if ACCOUNT_ID.fullmatch(str(p)) else _account(p) or ""
        for p in named
        if ACCOUNT_ID.fullmatch(str(p)) or str(p).endswith(":root")
    }
    return Principals(False, frozenset(accounts), frozenset(roots - {""}))


def _glob(pattern: str) -> re.Pattern[str]:
    """An action wildcard: ``*`` and ``?``, compared without case (IAM
    reference_policies_elements_action.html)."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)


def actions(statement: Statement, among: Iterable[str]) -> tuple[str, ...]:
    """Which of the actions ``among`` the statement names (wildcards and NotAction included)."""
    if "NotAction" in statement:
        excluded = [_glob(str(p)) for p in _values(statement["NotAction"])]
        return tuple(a for a in among if not any(p.fullmatch(a) for p in excluded))
    patterns = [_glob(str(p)) for p in _values(statement.get("Action"))]
    return tuple(a for a in among if any(p.fullmatch(a) for p in patterns))


def repository_globs(statement: Statement) -> tuple[str, ...]:
    """The repository-name wildcards a statement's resources stand for: ``*`` for ``*``, a NotResource
    or anything that is not a repository ARN (it may stand for any repository)."""
    if "NotResource" in statement:
        return ("*",)
    return tuple(name_glob(str(r)) or "*" for r in _values(statement.get("Resource")))


def _condition_values(statement: Statement, key: str, operators: frozenset[str]) -> list[str] | None:
    """The values of ``key`` under one of ``operators`` (with or without ``ForAnyValue:``), or None."""
    block = statement.get("Condition")
    if not isinstance(block, dict):
        return None
    for operator, keys in block.items():
        qualifier, _, base = str(operator).rpartition(":")
        if base.lower() not in operators or qualifier.lower() not in ("", "foranyvalue"):
            continue
        for name, given in keys.items() if isinstance(keys, dict) else ():
            if str(name).lower() == key:
                return [str(v) for v in _values(given)]
    return None


def _names_principal_arn(statement: Statement) -> bool:
    """Whether any condition of the statement looks at aws:PrincipalArn."""
    block = statement.get("Condition")
    return isinstance(block, dict) and any(
        isinstance(keys, dict) and any(str(name).lower() == _PRINCIPAL_ARN for name in keys)
        for keys in block.values()
    )


def narrowed_accounts(statement: Statement) -> frozenset[str]:
    """The accounts an Allow lets act only through the principal ARNs its condition lists."""
    arns = _condition_values(statement, _PRINCIPAL_ARN, _NARROWING_OPERATORS)
    if statement.get("Effect") != "Allow" or arns is None:
        return frozenset()
    listed = {a for a in map(_account, arns) if a is not None}
    named = principals(statement)
    return frozenset(listed if named.everyone else listed & named.accounts)


def whole_accounts(statement: Statement) -> frozenset[str]:
    """The accounts an Allow lets act as a whole (every principal the account allows): roots named in
    ``Principal``, or ``"*"`` limited by ``aws:PrincipalAccount``, without an aws:PrincipalArn condition."""
    if statement.get("Effect") != "Allow" or _names_principal_arn(statement):
        return frozenset()
    named = principals(statement)
    if not named.everyone:
        return named.roots
    listed = _condition_values(statement, _PRINCIPAL_ACCOUNT, frozenset({"stringequals", "stringlike"}))
    return frozenset(v for v in listed or () if ACCOUNT_ID.fullmatch(v))


@dataclass(frozen=True)
class VoidedNarrowing:
    """A statement narrowing an account to some of its roles, voided by another that lets the whole
    account do the same actions."""

    account: str
    narrowing: str
    """The statement that lets only some roles of the account act."""
    whole: str
    """The statement that lets every principal of the account do the same."""
    actions: tuple[str, ...]


def voided_narrowing(
    statements: Sequence[Statement], among: Sequence[str] = PULL_ACTIONS
) -> list[VoidedNarrowing]:
    """Each account one statement narrows to some principals and another grants whole, with the
    actions of ``among`` (by default the pull actions) that both name."""
    found: list[VoidedNarrowing] = []
    for n, narrowing in enumerate(statements):
        narrowed = narrowed_accounts(narrowing)
        if not narrowed:
            continue
        for w, whole in enumerate(statements):
            both = actions(whole, actions(narrowing, among))
            if w == n or not both:
                continue
            for account in sorted(narrowed & whole_accounts(whole)):
                found.append(VoidedNarrowing(account, label(narrowing, n), label(whole, w), both))
    return found


def stopped_replication(deny: Statement, allow: Statement) -> str | None:
    """A repository name for which the Deny ``deny`` stops a replication action the Allow ``allow``
    grants, or None. The Deny's conditions are not read: whether one holds for a replication request
    is not known before it is made, so a Deny that may stop it counts. Which principal of the source
    account ECR replicates as is not documented (its service-linked role, inferred), so a Deny naming
    any principal of that account counts too."""
    if deny.get("Effect") != "Deny" or allow.get("Effect") != "Allow":
        return None
    if not actions(deny, actions(allow, REPLICATION_ACTIONS)):
        return None
    denied, allowed = principals(deny), principals(allow)
    if not (denied.everyone or allowed.everyone or denied.accounts & allowed.accounts):
        return None
    for allowed_glob in repository_globs(allow):
        for denied_glob in repository_globs(deny):
            name = common_name(allowed_glob, denied_glob)
            if name is not None:
                return name
    return None


@dataclass(frozen=True)
class SharedWrite:
    """Two Allow statements of a registry policy that let different accounts write the same
    repository."""

    first: str
    second: str
    name: str
    """A repository both statements let different accounts create or write."""


def shared_writes(statements: Sequence[Statement]) -> list[SharedWrite]:
    """Pairs of Allow statements of a registry policy that let different accounts (or everyone) create
    or write (``REGISTRY_POLICY_ACTIONS``) some same repository: one could replace the other's images."""
    writers = [
        (i, s, principals(s))
        for i, s in enumerate(statements)
        if s.get("Effect") == "Allow" and actions(s, REGISTRY_POLICY_ACTIONS)
    ]
    found: list[SharedWrite] = []
    for position, (i, first, first_principals) in enumerate(writers):
        for j, second, second_principals in writers[position + 1 :]:
            if not (
                first_principals.everyone
                or second_principals.everyone
                or first_principals.accounts != second_principals.accounts
            ):
                continue
            name = next(
                (
                    n
                    for a in repository_globs(first)
                    for b in repository_globs(second)
                    if (n := common_name(a, b)) is not None
                ),
                None,
            )
            if name is not None:
                found.append(SharedWrite(label(first, i), label(second, j), name))
    return found
