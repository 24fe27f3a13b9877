"""Policy documents: the shapes IAM and ECR accept, and their statements with readable labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.verify.evaluator.conditions import Condition, compile_conditions
from components.verify.evaluator.logic import TRUE, Outcome
from components.verify.evaluator.matching import (
    PrincipalElement,
    ResourceElement,
    parse_principal,
    parse_resources,
)

PolicyDocument = dict[str, Any]

_STATEMENT_KEYS = frozenset(
    {
        "Sid",
        "Effect",
        "Principal",
        "NotPrincipal",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Condition",
    }
)


@dataclass(frozen=True)
class Statement:
    body: dict[str, Any]
    label: str
    principal: PrincipalElement | None = None
    """The Principal element, parsed (resource policies)."""
    conditions: tuple[Condition, ...] | Outcome = ()
    """The Condition element, parsed; an ``Outcome`` when it cannot be evaluated at all."""
    resources: ResourceElement | None = None
    """The Resource or NotResource element, parsed; ``None`` when it has neither."""

    @property
    def effect(self) -> str:
        return str(self.body["Effect"])

    @property
    def names_resources(self) -> bool:
        """Whether its Resource or NotResource element can tell one ARN from another."""
        return self.resources is not None and self.resources.names_resources

    def resource_matches(self, resource_arn: str) -> Outcome:
        return TRUE if self.resources is None else self.resources.matches(resource_arn)


def statements(document: PolicyDocument, source: str) -> list[Statement]:
    raw = document["Statement"]
    bodies = raw if isinstance(raw, list) else [raw]
    return [
        Statement(
            body,
            f"{source} statement {body['Sid']!r}" if "Sid" in body else f"{source} statement {n}",
            parse_principal(body["Principal"]) if "Principal" in body else None,
            compile_conditions(body.get("Condition")),
            parse_resources(body),
        )
        for n, body in enumerate(bodies, 1)
    ]


@dataclass(frozen=True)
class ParsedPolicy:
    """A policy document checked and parsed once: what AWS would reject in it, and its statements."""

    document: PolicyDocument
    problems: tuple[str, ...]
    statements: tuple[Statement, ...]
    names_resources: bool
    """Whether its answer may differ from one resource ARN to another."""


def parse_policy(document: PolicyDocument, source: str, identity: bool) -> ParsedPolicy:
    problems = tuple(problems_of(document, source, identity))
    parsed = () if problems else tuple(statements(document, source))
    return ParsedPolicy(document, problems, parsed, any(s.names_resources for s in parsed))


def problems_of(document: Any, source: str, identity: bool) -> list[str]:
    """Shapes IAM/ECR refuse to store (reference_policies_grammar.html and the element pages)."""
    if not isinstance(document, dict) or "Statement" not in document:
        return [f"{source} has no Statement"]
    raw = document["Statement"]
    bodies = raw if isinstance(raw, list) else [raw]
    problems: list[str] = []
    for n, body in enumerate(bodies, 1):
        where = f"{source} statement {n}"
        if not isinstance(body, dict):
            problems.append(f"{where} is not a map")
            continue
        problems += [f"{where}: unknown element {k}" for k in sorted(set(body) - _STATEMENT_KEYS)]
        if body.get("Effect") not in ("Allow", "Deny"):
            problems.append(f"{where}: Effect must be Allow or Deny")
        if ("Action" in body) == ("NotAction" in body):
            problems.append(f"{where}: needs exactly one of Action and NotAction")
        has_principal = "Principal" in body or "NotPrincipal" in body
        if identity and has_principal:
            problems.append(f"{where}: an identity-based policy cannot have a Principal element")
        if identity and ("Resource" in body) == ("NotResource" in body):
            problems.append(f"{where}: needs exactly one of Resource and NotResource")
        if not identity and ("Principal" in body) == ("NotPrincipal" in body):
            problems.append(
                f"{where}: a resource-based policy needs exactly one of Principal and NotPrincipal"
            )
        if "Resource" in body and "NotResource" in body:
            problems.append(f"{where}: Resource and NotResource cannot be combined")
    return problems
