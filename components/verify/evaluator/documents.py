"""Policy documents: the shapes IAM and ECR accept, and their statements with readable labels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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

    @property
    def effect(self) -> str:
        return str(self.body["Effect"])


def statements(document: PolicyDocument, source: str) -> list[Statement]:
    raw = document["Statement"]
    bodies = raw if isinstance(raw, list) else [raw]
    return [
        Statement(body, f"{source} statement {body['Sid']!r}" if "Sid" in body else f"{source} statement {n}")
        for n, body in enumerate(bodies, 1)
    ]


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
