"""No lifecycle rule may expire an image a committed environment stack runs.

Checked on the plans of every stack (``verify``, the pipeline's preflight), where both sides are
visible: the images each environment runs (its ``images`` export, by tag or by digest, in the
registry it pulls from) and the lifecycle policy that applies there (the repository's own in the
build registry; a replica's comes from the creation template ECR applies to it). The rules are read
from the planned policy text, exactly what ECR gets.

What can be proven offline, and what cannot (ECR lifecycle_policy_parameters.html: a ``tagged`` rule
selects images with a tag that starts with every one of its prefixes, an ``untagged`` rule images
without any tag, ``any`` every image):
- a tag pin and a ``tagged`` rule whose prefix the tag starts with: the rule selects the image, so
  it will expire it (after N days, or once N newer images match): refused;
- a tag pin or a digest pin and an ``any`` rule: refused likewise;
- a tag pin and an ``untagged`` rule: never (the image has the tag): proven safe;
- a tag pin and a ``tagged`` rule with another prefix: only if the image also carries a tag with that
  prefix, and an image's other tags are in no stack file: cannot be proven, reported;
- a digest pin and an ``untagged`` or ``tagged`` rule: which tags the image has (if any) is in no
  stack file: cannot be proven, reported.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from components.plan.model import StackPlan
from components.project import BUILD, ENVIRONMENT
from components.replication.documents import template_for
from components.replication.resources import CREATION_TEMPLATE
from components.repositories.resources import LIFECYCLE_POLICY, REPOSITORY

# <account>.dkr.ecr.<region>.<dns suffix>/<repository> then :<tag> or @<digest>.
IMAGE = re.compile(r"([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.[a-z0-9.-]+/([^:@]+)(?::([^@]+)|@(.+))")
IMAGES_EXPORT = "images"


@dataclass(frozen=True)
class Pin:
    """An image an environment stack runs, where it pulls it from."""

    stack: str
    service: str
    account_id: str
    region: str
    repository: str
    tag: str | None
    digest: str | None
    image: str

    @property
    def shown(self) -> str:
        return f"{self.repository}:{self.tag}" if self.tag else f"{self.repository}@{self.digest}"


@dataclass(frozen=True)
class AppliedPolicy:
    """The lifecycle policy that applies to one repository in one registry, and who plans it."""

    stack: str
    rules: tuple[Mapping[str, Any], ...]
    where: str


@dataclass(frozen=True)
class Finding:
    pin: Pin
    policy: AppliedPolicy
    rule: Mapping[str, Any]
    proven: bool
    """True: the rule selects the pinned image (refused). False: it may, which cannot be proven."""

    @property
    def text(self) -> str:
        description = str(self.rule.get("description") or _selection(self.rule))
        rule = f"rule {self.rule.get('rulePriority')} ({description[:1].lower()}{description[1:]})"
        if self.proven:
            return (
                f"{rule} of {self.policy.where} can expire {self.pin.shown}, which stack {self.pin.stack} "
                f"runs (service {self.pin.service}): {_when(self.rule)}, ECR deletes it and the service "
                "can no longer start. Change the lifecycle (ecr-share:lifecycle or "
                "repositories[i].lifecycle of the build stack) so that no rule selects a tag an "
                "environment runs, or run another tag"
            )
        return (
            f"lifecycle: {self.pin.stack} runs {self.pin.shown}; {rule} of {self.policy.where} expires "
            f"it {_condition(self.pin, self.rule)}: not provable offline (an image's tags are in no stack file)"
        )


def pins(plans: Mapping[str, StackPlan]) -> list[Pin]:
    found = []
    for stack, plan in sorted(plans.items()):
        if plan.kind != ENVIRONMENT:
            continue
        for service, image in sorted(plan.exports.get(IMAGES_EXPORT, {}).items()):
            match = IMAGE.fullmatch(image)
            if match is None:
                raise ValueError(f"{image!r} is not an ECR image reference")
            account, region, repository, tag, digest = match.groups()
            found.append(Pin(stack, service, account, region, repository, tag, digest, image))
    return found


def applied_policy(plans: Mapping[str, StackPlan], pin: Pin) -> AppliedPolicy | None:
    """The repository's own lifecycle policy in a build registry, else the one its replica gets from
    the creation template ECR applies to it there."""
    for stack, plan in sorted(plans.items()):
        if plan.kind == BUILD and (plan.account_id, plan.region) == (pin.account_id, pin.region):
            if not any(r.inputs["name"] == pin.repository for r in plan.of_type(REPOSITORY)):
                continue
            text = next(
                (
                    r.inputs["policy"]
                    for r in plan.of_type(LIFECYCLE_POLICY)
                    if r.inputs["repository"] == pin.repository
                ),
                None,
            )
            where = f"the lifecycle policy of {pin.repository} (stack {stack})"
            return None if text is None else AppliedPolicy(stack, _rules(text), where)
    templates = {
        r.inputs["prefix"]: (stack, r)
        for stack, plan in sorted(plans.items())
        if plan.account_id == pin.account_id
        for r in plan.of_type(CREATION_TEMPLATE)
        if plan.region_of(r) == pin.region
    }
    prefix = template_for(templates, pin.repository)
    if prefix is None:
        return None
    stack, template = templates[prefix]
    text = template.inputs.get("lifecycle_policy")
    where = f"the creation template {prefix} of its replica in {pin.account_id} {pin.region} (stack {stack})"
    return None if text is None else AppliedPolicy(stack, _rules(text), where)


def lifecycle_findings(plans: Mapping[str, StackPlan]) -> list[Finding]:
    """Every rule that selects (proven) or may select (not provable) an image an environment runs."""
    findings = []
    for pin in pins(plans):
        policy = applied_policy(plans, pin)
        if policy is None:
            continue
        for rule in policy.rules:
            verdict = _selects(pin, rule)
            if verdict is not False:
                findings.append(Finding(pin, policy, rule, proven=verdict is True))
    return findings


def unproven_notes(plans: Mapping[str, StackPlan], stacks: set[str] | None = None) -> list[str]:
    """What ``verify`` reports as not provable offline, for the given environment stacks."""
    return [
        f.text
        for f in lifecycle_findings(plans)
        if not f.proven and (stacks is None or f.pin.stack in stacks)
    ]


def _rules(text: str) -> tuple[Mapping[str, Any], ...]:
    return tuple(json.loads(text).get("rules", ()))


def _selects(pin: Pin, rule: Mapping[str, Any]) -> bool | None:
    """True: the rule selects the pinned image; False: it never does; None: it depends on tags that
    no stack file holds."""
    selection = rule.get("selection", {})
    status = str(selection.get("tagStatus", "")).lower()
    if status == "any":
        return True
    if status == "untagged":
        return False if pin.tag is not None else None
    prefixes = list(selection.get("tagPrefixList") or ())
    if pin.tag is not None and prefixes and all(pin.tag.startswith(p) for p in prefixes):
        return True
    return None  # its other tags, or the tags behind a digest, are unknown offline


def _selection(rule: Mapping[str, Any]) -> str:
    return json.dumps(rule.get("selection", {}), sort_keys=True)


def _when(rule: Mapping[str, Any]) -> str:
    selection = rule.get("selection", {})
    count = selection.get("countNumber")
    if selection.get("countType") == "imageCountMoreThan":
        return f"once {count} newer images match the rule"
    return f"{count} days after its push"


def _condition(pin: Pin, rule: Mapping[str, Any]) -> str:
    selection = rule.get("selection", {})
    if str(selection.get("tagStatus", "")).lower() == "untagged":
        return "if the image has no tag"
    prefixes = " and ".join(f"{p}*" for p in selection.get("tagPrefixList") or ())
    return f"if the image {'also ' if pin.tag is not None else ''}has a tag {prefixes}"


def refusals(plans: Mapping[str, StackPlan]) -> Iterator[Finding]:
    return (f for f in lifecycle_findings(plans) if f.proven)
