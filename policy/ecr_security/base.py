"""Building a policy from a rule: the rule yields its findings; this module reports them.

A rule is a plain function of the resource (or the stack) and the policy's options, so tests call
it through the policy's own ``validate`` with the arguments the engine would build.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from ecr_security.values import settings

Options = Mapping[str, Any]
ResourceRule = Callable[[ResourceValidationArgs, Options], Iterable[str]]
# A stack rule yields (message, URN of the resource at fault).
StackRule = Callable[[StackValidationArgs, Options], Iterable[tuple[str, str]]]


def resource_policy(
    name: str,
    description: str,
    types: Iterable[str],
    rule: ResourceRule,
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
    schema: PolicyConfigSchema | None = None,
) -> ResourceValidationPolicy:
    """A policy that runs ``rule`` on each resource of one of ``types`` (Python policies receive
    every resource: the SDK has no type filter)."""
    judged = frozenset(types)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type not in judged:
            return
        for message in rule(args, settings(args.get_config(), schema)):
            report(message, None)

    return ResourceValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=level, config_schema=schema
    )


def stack_policy(
    name: str,
    description: str,
    rule: StackRule,
    level: EnforcementLevel = EnforcementLevel.MANDATORY,
    schema: PolicyConfigSchema | None = None,
) -> StackValidationPolicy:
    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        for message, urn in rule(args, settings(args.get_config(), schema)):
            report(message, urn)

    return StackValidationPolicy(
        name=name, description=description, validate=validate, enforcement_level=level, config_schema=schema
    )
