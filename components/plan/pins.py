"""No lifecycle rule may expire an image an environment stack runs.

One check (``lifecycle_findings``) wherever both sides are visible:
- in an environment's own plan, at preview (``plan.environment``): the images it runs from the
  replicas whose creation templates its ``receiveReplication`` plans;
- in the plans of every stack (``verify``, the pipeline's preflight): every image each environment
  runs, against the lifecycle policy in force where it pulls it from (the repository's own in the
  build registry; a replica's comes from the creation template ECR applies to it);
- against the deployed rules (``verify --live``), which replace the planned ones.
The images are each environment's ``images`` export (by tag or by digest, in the registry it pulls
from); the rules are read from the policy text, exactly what ECR gets.

What can be proven offline, and what cannot (ECR lifecycle_policy_parameters.html: a ``tagged`` rule
selects images with a tag that starts with every one of its ``tagPrefixList`` prefixes, or that
matches every one of its ``tagPatternList`` patterns, an ``untagged`` rule images without any tag,
``any`` every image):
- a tag pin and a ``tagged`` rule whose prefixes (or patterns) the tag matches: the rule selects the
  image, so it will expire it (after N days, or once N newer images match): refused;
- a tag pin or a digest pin and an ``any`` rule: refused likewise;
- a tag pin and an ``untagged`` rule: never (the image has the tag): proven safe;
- a tag pin and a ``tagged`` rule it does not match: only if the image also carries a tag the rule
  matches, and an image's other tags are in no stack file: cannot be proven, reported;
- a digest pin and an ``untagged`` or ``tagged`` rule: which tags the image has (if any) is in no
  stack file: cannot be proven, reported.
A rule's action does not matter: ``expire`` deletes the image, ``transition`` archives it, and an
archived image cannot be pulled until it is restored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from components.aws.images import ImageReference, parse_image_reference
from components.plan.model import Resource, StackPlan
from components.project import BUILD, ENVIRONMENT
from components.replication.documents import template_for
from components.replication.resources import CREATION_TEMPLATE
from components.repositories.resources import LIFECYCLE_POLICY, REPOSITORY

IMAGES_EXPORT = "images"
FIX = (
    "Change the lifecycle (ecr-share:lifecycle or repositories[i].lifecycle of the build stack) so that "
    "no rule selects a tag an environment runs, or run another tag"
)


@dataclass(frozen=True)
class Pin:
    """An image an environment stack runs, where it pulls it from."""

    stack: str
    service: str
    image: ImageReference

    @property
    def account_id(self) -> str:
        return self.image.account_id

    @property
    def region(self) -> str:
        return self.image.region

    @property
    def repository(self) -> str:
        return self.image.repository

    @property
    def tag(self) -> str | None:
        return self.image.tag

    @property
    def digest(self) -> str | None:
        return self.image.digest

    @property
    def shown(self) -> str:
        return self.image.shown


@dataclass(frozen=True)
class LifecycleSource:
    """Where the lifecycle policy of the repository an image is pulled from is set, and who plans it:
    the repository's own policy in a build registry, or (``template``) the creation template ECR
    applies to its replica."""

    stack: str
    account_id: str
    region: str
    repository: str
    template: str | None
    """The template's prefix, for a replica; ``None`` for a build repository."""
    planned: str | None
    """The planned policy text; ``None``: the plan gives it none."""

    @property
    def where(self) -> str:
        if self.template is None:
            return f"the lifecycle policy of {self.repository} (stack {self.stack})"
        return (
            f"the creation template {self.template} of its replica in {self.account_id} {self.region} "
            f"(stack {self.stack})"
        )


@dataclass(frozen=True)
class AppliedPolicy:
    """The lifecycle rules that apply to one repository in one registry, and where they are set."""

    stack: str
    rules: tuple[Mapping[str, Any], ...]
    where: str


# The rules in force at a source: the planned ones (``planned_rules``) or, live, the deployed ones.
RulesAt = Callable[[LifecycleSource], AppliedPolicy | None]


@dataclass(frozen=True)
class Finding:
    """A lifecycle rule that selects, or may select, an image an environment runs."""

    pin: Pin
    policy: AppliedPolicy
    rule: Mapping[str, Any]
    proven: bool
    """True: the rule selects the pinned image (refused). False: it may, which cannot be proven."""

    @property
    def rule_shown(self) -> str:
        description = str(self.rule.get("description") or _selection(self.rule))
        return f"rule {self.rule.get('rulePriority')} ({description[:1].lower()}{description[1:]})"

    @property
    def reason(self) -> str:
        """Why a proven finding is refused: the rule, where it is set, the image and who runs it."""
        return (
            f"{self.rule_shown} of {self.policy.where} can expire {self.pin.shown}, which stack "
            f"{self.pin.stack} runs (service {self.pin.service}): {_when(self.rule)}, ECR "
            f"{_action(self.rule)} and the service can no longer start"
        )

    @property
    def text(self) -> str:
        if self.proven:
            return f"{self.reason}. {FIX}"
        return (
            f"lifecycle: {self.pin.stack} runs {self.pin.shown}; {self.rule_shown} of {self.policy.where} "
            f"expires it {_condition(self.pin, self.rule)}: not provable offline (an image's tags are in "
            "no stack file)"
        )


def pins(plans: Mapping[str, StackPlan]) -> list[Pin]:
    found = []
    for stack, plan in sorted(plans.items()):
        if plan.kind != ENVIRONMENT:
            continue
        for service, image in sorted(plan.exports.get(IMAGES_EXPORT, {}).items()):
            found.append(Pin(stack, service, parse_image_reference(image)))
    return found


def replica_template(
    plans: Mapping[str, StackPlan], account_id: str, region: str, repository: str
) -> tuple[str, Resource] | None:
    """The planned creation template ECR applies to the replica of ``repository`` in that registry,
    and the stack that plans it."""
    templates = {
        r.inputs["prefix"]: (stack, r)
        for stack, plan in sorted(plans.items())
        if plan.account_id == account_id
        for r in plan.of_type(CREATION_TEMPLATE)
        if plan.region_of(r) == region
    }
    prefix = template_for(templates, repository)
    return None if prefix is None else templates[prefix]


def repository_lifecycle(plan: StackPlan, repository: str) -> str | None:
    """The lifecycle policy text a plan gives one of its repositories, if any."""
    return next(
        (r.inputs["policy"] for r in plan.of_type(LIFECYCLE_POLICY) if r.inputs["repository"] == repository),
        None,
    )


def lifecycle_source(plans: Mapping[str, StackPlan], pin: Pin) -> LifecycleSource | None:
    """Where the lifecycle policy of the repository a pin pulls from is planned: in a build registry,
    the repository's own; else the creation template ECR applies to its replica there. ``None``: no
    plan holds that repository or template."""
    for stack, plan in sorted(plans.items()):
        if plan.kind == BUILD and (plan.account_id, plan.region) == (pin.account_id, pin.region):
            if not any(r.inputs["name"] == pin.repository for r in plan.of_type(REPOSITORY)):
                continue
            text = repository_lifecycle(plan, pin.repository)
            return LifecycleSource(stack, pin.account_id, pin.region, pin.repository, None, text)
    found = replica_template(plans, pin.account_id, pin.region, pin.repository)
    if found is None:
        return None
    stack, template = found
    return LifecycleSource(
        stack,
        pin.account_id,
        pin.region,
        pin.repository,
        template.inputs["prefix"],
        template.inputs.get("lifecycle_policy"),
    )


def planned_rules(source: LifecycleSource) -> AppliedPolicy | None:
    return (
        None if source.planned is None else AppliedPolicy(source.stack, _rules(source.planned), source.where)
    )


def lifecycle_findings(
    plans: Mapping[str, StackPlan], rules_at: RulesAt = planned_rules, stacks: set[str] | None = None
) -> list[Finding]:
    """Every rule that selects (proven) or may select (not provable) an image an environment runs
    (of ``stacks``, if given), with the rules ``rules_at`` says are in force where it pulls from."""
    findings = []
    for pin in pins(plans):
        if stacks is not None and pin.stack not in stacks:
            continue
        source = lifecycle_source(plans, pin)
        policy = None if source is None else rules_at(source)
        if policy is None:
            continue
        for rule in policy.rules:
            verdict = _selects(pin, rule)
            if verdict is not False:
                findings.append(Finding(pin, policy, rule, proven=verdict is True))
    return findings


def unproven_notes(plans: Mapping[str, StackPlan], stacks: set[str] | None = None) -> list[str]:
    """What ``verify`` reports as not provable offline, for the given environment stacks."""
    return [f.text for f in lifecycle_findings(plans, stacks=stacks) if not f.proven]


def _rules(text: str) -> tuple[Mapping[str, Any], ...]:
    """The rules of a lifecycle policy's JSON text."""
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
    tag = pin.tag
    prefixes = list(selection.get("tagPrefixList") or ())
    patterns = [_pattern(p) for p in selection.get("tagPatternList") or ()]
    if tag is not None and prefixes and all(tag.startswith(p) for p in prefixes):
        return True
    if tag is not None and patterns and all(p.fullmatch(tag) for p in patterns):
        return True
    return None  # its other tags, or the tags behind a digest, are unknown offline


def _pattern(pattern: str) -> re.Pattern[str]:
    """A tagPatternList entry: ``*`` matches any characters, everything else itself."""
    return re.compile(".*".join(re.escape(part) for part in str(pattern).split("*")))


def _selection(rule: Mapping[str, Any]) -> str:
    return json.dumps(rule.get("selection", {}), sort_keys=True)


# countType -> when the rule acts on a selected image (lifecycle_policy_parameters.html).
_AGES = {
    "sinceImagePushed": "after its push",
    "sinceImagePulled": "after its last pull",
    "sinceImageTransitioned": "after its transition to archive",
}


def _when(rule: Mapping[str, Any]) -> str:
    selection = rule.get("selection", {})
    count = selection.get("countNumber")
    count_type = str(selection.get("countType"))
    if count_type == "imageCountMoreThan":
        return f"once {count} newer images match the rule"
    return f"{count} days {_AGES.get(count_type, 'after its push')}"


def _action(rule: Mapping[str, Any]) -> str:
    if rule.get("action", {}).get("type") == "transition":
        return "archives it (an archived image cannot be pulled)"
    return "deletes it"


def _condition(pin: Pin, rule: Mapping[str, Any]) -> str:
    selection = rule.get("selection", {})
    if str(selection.get("tagStatus", "")).lower() == "untagged":
        return "if the image has no tag"
    prefixes = " and ".join(f"{p}*" for p in selection.get("tagPrefixList") or ())
    patterns = " and ".join(str(p) for p in selection.get("tagPatternList") or ())
    return f"if the image {'also ' if pin.tag is not None else ''}has a tag {prefixes or patterns}"


def refusals(plans: Mapping[str, StackPlan]) -> Iterator[Finding]:
    return (f for f in lifecycle_findings(plans) if f.proven)
