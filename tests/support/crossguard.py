"""Calling the pack's policies the way the engine does, without the CLI.

As pulumi-policy's own tests do (``sdk/python/lib/test/test_policy.py``), each policy's ``validate``
is called directly, with ``ResourceValidationArgs``/``StackValidationArgs`` built as the analyzer
server builds them: properties deserialized and wrapped in the SDK's unknown-checking proxy.
``PolicyPack(...)`` is never built here: it starts a server and blocks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ecr_security import POLICIES
from pulumi_policy import (
    EnforcementLevel,
    PolicyCustomTimeouts,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import unknown_checking_proxy

from components.config.files import load_stack_config
from tests.support.pulumi_harness import PROJECT_DIR, ProgramRun

Policy = ResourceValidationPolicy | StackValidationPolicy


def policy(name: str) -> Policy:
    (found,) = [p for p in POLICIES if p.name == name]
    return found


@dataclass(frozen=True)
class Planned:
    """One provider resource as the engine sends it to a policy pack."""

    typ: str
    name: str
    props: Mapping[str, Any]
    stack: str = "dev"
    provider: Mapping[str, Any] | None = None

    @property
    def urn(self) -> str:
        return f"urn:pulumi:{self.stack}::ecr-share::{self.typ}::{self.name}"


def from_run(run: ProgramRun, stack: str, provider: Mapping[str, Any] | None = None) -> list[Planned]:
    """What a mock run registered, as the engine would send it: provider resources with the camelCase
    inputs the program sent (components are not judged: they have no properties), each with its
    default provider's properties (for a committed stack, from its stack file's ``aws:`` keys)."""
    if provider is None:
        config = load_stack_config(PROJECT_DIR, stack)
        provider = {"region": config["aws:region"], "allowedAccountIds": config["aws:allowedAccountIds"]}
    return [Planned(r.typ, r.name, r.inputs, stack, provider) for r in run.resources if r.custom]


def changed(resources: list[Planned], name: str, **props: Any) -> list[Planned]:
    """The resources with ``name``'s properties updated (a value of None removes the property)."""
    (target,) = [r for r in resources if r.name == name]
    merged = {k: v for k, v in {**target.props, **props}.items() if v is not None}
    return [replace(r, props=merged) if r is target else r for r in resources]


def one(resources: list[Planned], name: str) -> Planned:
    (found,) = [r for r in resources if r.name == name]
    return found


def _options() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def _provider(resource: Planned) -> PolicyProviderResource | None:
    if resource.provider is None:
        return None
    props = unknown_checking_proxy(deserialize_properties(dict(resource.provider)))
    return PolicyProviderResource("pulumi:providers:aws", props, "urn:provider", "default")


def resource_args(
    resource: Planned, config: Mapping[str, Any] | None = None, stack_tags: Mapping[str, str] | None = None
) -> ResourceValidationArgs:
    props = unknown_checking_proxy(deserialize_properties(dict(resource.props)))
    return ResourceValidationArgs(
        resource.typ,
        props,
        resource.urn,
        resource.name,
        _options(),
        _provider(resource),
        dict(config) if config is not None else None,
        stack_tags,
    )


def stack_args(resources: Iterable[Planned], config: Mapping[str, Any] | None = None) -> StackValidationArgs:
    policy_resources = [
        PolicyResource(
            r.typ,
            unknown_checking_proxy(deserialize_properties(dict(r.props))),
            r.urn,
            r.name,
            _options(),
            _provider(r),
            None,
            [],
            {},
        )
        for r in resources
    ]
    return StackValidationArgs(policy_resources, dict(config) if config is not None else None)


@dataclass(frozen=True)
class Finding:
    policy: str
    resource: str
    """The Pulumi name of the resource at fault."""
    message: str
    level: EnforcementLevel


def run_resource_policy(p: ResourceValidationPolicy, args: ResourceValidationArgs) -> list[str] | None:
    """The messages the policy reports; None when it declares itself not applicable."""
    messages: list[str] = []
    try:
        p.validate(args, lambda message, urn=None: messages.append(message))
    except _NotApplicableError:
        return None
    return messages


def run_stack_policy(p: StackValidationPolicy, args: StackValidationArgs) -> list[tuple[str, str | None]]:
    reported: list[tuple[str, str | None]] = []
    p.validate(args, lambda message, urn=None: reported.append((message, urn)))
    return reported


def findings(
    resources: list[Planned],
    config: Mapping[str, Mapping[str, Any]] | None = None,
    stack_tags: Mapping[str, str] | None = None,
) -> list[Finding]:
    """Every policy of the pack on every resource, then every stack policy on all of them."""
    config = config or {}
    names = {r.urn: r.name for r in resources}
    found: list[Finding] = []
    for p in POLICIES:
        level = p.enforcement_level or EnforcementLevel.ADVISORY
        if isinstance(p, ResourceValidationPolicy):
            for r in resources:
                messages = run_resource_policy(p, resource_args(r, config.get(p.name), stack_tags))
                found += [Finding(p.name, r.name, m, level) for m in messages or []]
        else:
            for message, urn in run_stack_policy(p, stack_args(resources, config.get(p.name))):
                found.append(Finding(p.name, names.get(urn or "", ""), message, level))
    return found


def summary(found: Iterable[Finding]) -> list[tuple[str, str]]:
    """(policy, resource) of each finding, sorted: what a test compares."""
    return sorted((f.policy, f.resource) for f in found)
