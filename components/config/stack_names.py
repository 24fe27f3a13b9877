"""Stack names as a stack file writes them, resolved the one way ``verify``, the pipeline and the
program share (``resolve_stack_name``).

``ecr-share:buildStack`` may name the build stack by its own name (``build``), which resolves against
the current organization and project, as the engine's ``pulumi.get_organization()`` and
``pulumi.get_project()`` give them, or fully qualified (``organization/ecr-share/build``), which is
taken as written. A DIY backend (file://, s3://...) always reports the organization "organization"
(pulumi/pulumi pkg/backend/diy/state.go), Pulumi Cloud the stack's organization; so the short form
keeps the stack files the same on every backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.aws.rules import lazy_pattern
from components.errors import ConfigError

# A stack's own name (the last part of a qualified one), as the Pulumi CLI accepts it.
STACK_NAME = lazy_pattern(r"[A-Za-z0-9_.-]+")
# Fully qualified stack name: <organization>/<project>/<stack>.
QUALIFIED_STACK = lazy_pattern(r"([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)")
EXPECTED = 'is not a stack name: give the build stack\'s name ("build") or its fully qualified name ("organization/ecr-share/build")'


@dataclass(frozen=True)
class StackName:
    """A stack's fully qualified name: ``<organization>/<project>/<stack>``."""

    organization: str | None
    """None where it is not known (``verify`` offline, which compares project and stack only)."""
    project: str
    stack: str

    def __str__(self) -> str:
        return f"{self.organization}/{self.project}/{self.stack}"


def check_stack_name(key: str, value: Any) -> str:
    """A short or fully qualified stack name, as written."""
    if not isinstance(value, str) or not (STACK_NAME.fullmatch(value) or QUALIFIED_STACK.fullmatch(value)):
        raise ConfigError(key, value, EXPECTED)
    return value


def resolve_stack_name(written: str, organization: str | None, project: str) -> StackName:
    """The stack ``written`` names: a short name in the current ``organization`` and ``project``,
    a fully qualified one as written."""
    qualified = QUALIFIED_STACK.fullmatch(written)
    if qualified is not None:
        return StackName(*qualified.groups())
    return StackName(organization, project, written)
