"""Decide whether a principal may call an action on a resource, the way AWS documents it.

Rules (IAM User Guide, https://docs.aws.amazon.com/IAM/latest/UserGuide/):
- reference_policies_evaluation-logic_policy-eval-denyallow.html: every request is implicitly
  denied unless allowed; an explicit Deny in any policy overrides every Allow.
- reference_policies_evaluation-logic_policy-eval-basics.html: within one account, an Allow in
  either the identity-based or the resource-based policy is enough.
- reference_policies_evaluation-logic-cross-account.html: across accounts, both the resource
  policy (trusting account) and an identity policy (trusted account) must allow.
- reference_policies_elements_principal.html: naming an account (``123456789012`` or
  ``arn:aws:iam::123456789012:root``) delegates to that account, whose identity policies must then
  allow as well; only the principal's own ARN or ``*`` lets a resource policy allow on its own.
- reference_policies_elements_principal.html / _elements_resource.html: identity policies have no
  Principal and need Resource; resource policies need Principal. AWS rejects other shapes, so such
  a document makes the answer unknown.

Not modelled, and so never claimed: SCPs, RCPs, permissions boundaries, session policies, VPC
endpoint policies. Whatever the evaluator cannot decide is UNKNOWN, never ALLOW.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum

from components.verify.evaluator.conditions import RequestContext, holds_for
from components.verify.evaluator.documents import ParsedPolicy, PolicyDocument, Statement, parse_policy
from components.verify.evaluator.logic import FALSE, TRUE, Outcome, all_of, any_of, unknown
from components.verify.evaluator.matching import Grant, action_matches


class Decision(Enum):
    ALLOW = "allow"
    DENY = "deny"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Principal:
    """An IAM role (or user) and what the request context holds about it.

    ``organization_id``/``organization_paths`` are set only when its account is in an AWS
    Organization: aws:PrincipalOrgID and aws:PrincipalOrgPaths exist only then
    (reference_policies_condition-keys.html). ``organization_known=False`` says membership is not
    known at all: conditions on those keys are then unknown instead of failing.
    """

    account_id: str
    arn: str
    organization_id: str | None = None
    organization_paths: tuple[str, ...] = ()
    identity_policies: tuple[PolicyDocument, ...] = ()
    organization_known: bool = True

    def __post_init__(self) -> None:
        if self.organization_paths and self.organization_id is None:
            raise ValueError("organization_paths need an organization_id")


@dataclass(frozen=True)
class ServicePrincipal:
    """An AWS service calling on a customer's behalf, e.g. ``lambda.amazonaws.com``."""

    service: str


@dataclass(frozen=True)
class Request:
    """One API call. ``context`` adds request keys such as aws:SourceArn or aws:SourceAccount
    (a tuple for a multivalued key); keys the evaluator models but that are not given are absent."""

    principal: Principal | ServicePrincipal
    action: str
    resource_arn: str
    resource_account: str
    resource_policy: PolicyDocument | None = None
    context: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    decision: Decision
    reasons: tuple[str, ...]
    identity_allows: bool | None = None
    resource_allows: bool | None = None

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


def evaluate(request: Request) -> Evaluation:
    """ALLOW, DENY (explicit or implicit) or UNKNOWN, with the reasons."""
    return Evaluator().evaluate(request)


# (deny, allow) of the identity policies; (deny, direct allow, any allow) of the resource policy.
IdentitySide = tuple[Outcome, Outcome]
ResourceSide = tuple[Outcome, Outcome, Outcome]


class Evaluator:
    """``evaluate`` for many requests over the same documents: each document is checked and parsed
    once, and each side's outcome is kept per question (caller, request context, action, and the
    resource ARN only where a statement names resources), so a matrix of a thousand principals and
    hundreds of repositories pays once per distinct question, not once per cell.

    It keeps every document and principal it was given (their identity is part of its keys): use
    one for one set of documents, and do not change them while it is in use.
    """

    def __init__(self) -> None:
        self._parsed: dict[tuple[int, str, bool], ParsedPolicy] = {}
        self._identity: dict[tuple[object, ...], IdentitySide] = {}
        self._resource: dict[tuple[object, ...], ResourceSide] = {}
        self._names_resources: dict[tuple[int, int], bool] = {}
        # Principals by id: kept alive, so that no other object takes an id a key holds.
        self._principals: dict[int, Principal | ServicePrincipal] = {}

    def parsed(self, document: PolicyDocument, source: str, identity: bool) -> ParsedPolicy:
        key = (id(document), source, identity)
        found = self._parsed.get(key)
        if found is None:
            found = self._parsed[key] = parse_policy(document, source, identity)
        return found

    def names_resources(self, principal: Principal, resource_policy: PolicyDocument | None) -> bool:
        """Whether an answer for this caller and resource policy may depend on the resource ARN
        (beyond its account): only if one of their statements names resources."""
        key = (id(principal), id(resource_policy))
        found = self._names_resources.get(key)
        if found is None:
            self._principals.setdefault(id(principal), principal)
            identity = [
                self.parsed(doc, f"identity policy {i}", True)
                for i, doc in enumerate(principal.identity_policies, 1)
            ]
            resource = (
                None if resource_policy is None else self.parsed(resource_policy, "resource policy", False)
            )
            found = any(p.names_resources for p in identity) or (
                resource is not None and resource.names_resources
            )
            self._names_resources[key] = found
        return found

    def evaluate(self, request: Request) -> Evaluation:
        principal = request.principal
        identity_docs = principal.identity_policies if isinstance(principal, Principal) else ()
        identity = [self.parsed(doc, f"identity policy {i}", True) for i, doc in enumerate(identity_docs, 1)]
        resource = (
            None
            if request.resource_policy is None
            else self.parsed(request.resource_policy, "resource policy", False)
        )
        problems = [p for policy in (*identity, *([resource] if resource else [])) for p in policy.problems]
        if problems:
            return Evaluation(Decision.UNKNOWN, tuple(f"AWS would reject this policy: {p}" for p in problems))

        self._principals.setdefault(id(principal), principal)
        asked = (id(principal), tuple(sorted(request.context.items())), request.action)
        identity_key = (*asked, _resource_signature(identity, request.resource_arn))
        identity_side = self._identity.get(identity_key)
        if identity_side is None:
            identity_side = self._identity[identity_key] = _identity_side(request, identity)
        resource_key = (
            *asked,
            id(resource),
            _resource_signature([resource] if resource is not None else [], request.resource_arn),
        )
        resource_side = self._resource.get(resource_key)
        if resource_side is None:
            resource_side = self._resource[resource_key] = _resource_side(request, resource)
        return _decide(request, identity_side, resource_side)


def _resource_signature(policies: list[ParsedPolicy], resource_arn: str) -> tuple[bool | None, ...]:
    """Which statements that name resources match this ARN: all a side's outcome depends on the
    ARN for, so two ARNs with one signature share the outcome (nothing else reads the ARN)."""
    return tuple(
        s.resource_matches(resource_arn).value
        for policy in policies
        if policy.names_resources
        for s in policy.statements
        if s.names_resources
    )


def _identity_side(request: Request, policies: list[ParsedPolicy]) -> IdentitySide:
    context = _request_context(request)
    statements = [s for policy in policies for s in policy.statements]
    deny = any_of(_identity_applies(s, request, context) for s in statements if s.effect == "Deny")
    allow = any_of(_identity_applies(s, request, context) for s in statements if s.effect == "Allow")
    return deny, allow


def _resource_side(request: Request, policy: ParsedPolicy | None) -> ResourceSide:
    if policy is None:
        return FALSE, FALSE, FALSE
    context = _request_context(request)
    deny = any_of(
        _resource_applies(s, request, context, accept_account=True)
        for s in policy.statements
        if s.effect == "Deny"
    )
    allows = [s for s in policy.statements if s.effect == "Allow"]
    direct = any_of(_resource_applies(s, request, context, accept_account=False) for s in allows)
    granted = any_of(_resource_applies(s, request, context, accept_account=True) for s in allows)
    return deny, direct, granted


def _decide(request: Request, identity: IdentitySide, resource: ResourceSide) -> Evaluation:
    principal = request.principal
    identity_deny, identity_allow = identity
    resource_deny, resource_direct, resource_any = resource
    deny = any_of([identity_deny, resource_deny])
    sides = {"identity_allows": identity_allow.value, "resource_allows": resource_any.value}
    if deny.value is True:
        return Evaluation(Decision.DENY, (f"explicit Deny: {deny.why}",), **sides)

    if isinstance(principal, ServicePrincipal):
        allowed = resource_direct  # services carry no identity policies: the resource policy decides
    elif principal.account_id == request.resource_account:
        allowed = any_of([identity_allow, resource_direct])
    else:
        allowed = all_of([identity_allow, resource_any])

    if allowed.value is False:
        return Evaluation(
            Decision.DENY, _implicit_deny_reasons(request, identity_allow, resource_any), **sides
        )
    if allowed.value is None:
        return Evaluation(Decision.UNKNOWN, (f"cannot evaluate: {allowed.why}",), **sides)
    if deny.value is None:
        return Evaluation(
            Decision.UNKNOWN,
            (f"allowed unless this Deny applies, which cannot be evaluated: {deny.why}",),
            **sides,
        )
    return Evaluation(Decision.ALLOW, (), **sides)


def _implicit_deny_reasons(request: Request, identity: Outcome, resource: Outcome) -> tuple[str, ...]:
    principal = request.principal
    reasons: list[str] = []
    if isinstance(principal, ServicePrincipal):
        who = principal.service
    else:
        who = f"{principal.arn} (account {principal.account_id})"
        if identity.value is False:
            reasons.append(
                f"no identity policy of {principal.arn} allows {request.action} on {request.resource_arn}"
            )
    cross_account = (
        isinstance(principal, ServicePrincipal) or principal.account_id != request.resource_account
    )
    if cross_account and resource.value is False:
        if request.resource_policy is None:
            reasons.append(
                f"{request.resource_arn} has no resource policy, and access from another account needs one"
            )
        else:
            reasons.append(
                f"the resource policy of {request.resource_arn} does not grant {who} {request.action}"
            )
    if identity.value is False and identity.why:
        reasons.append(identity.why)
    if resource.value is False and resource.why:
        reasons.append(resource.why)
    return tuple(reasons) or (f"no policy allows {request.action} on {request.resource_arn}",)


def _identity_applies(statement: Statement, request: Request, context: RequestContext) -> Outcome:
    return _labelled(statement, all_of(_applies(statement, request, context)))


def _resource_applies(
    statement: Statement, request: Request, context: RequestContext, *, accept_account: bool
) -> Outcome:
    """Whether a resource-policy statement applies; ``accept_account`` counts an account grant."""
    if statement.principal is None:  # NotPrincipal: problems_of lets nothing else through
        return _labelled(statement, unknown("NotPrincipal is not evaluated"))
    principal = request.principal
    if isinstance(principal, ServicePrincipal):
        grant, why = statement.principal.grant(
            caller_arn=None, caller_account=None, caller_service=principal.service
        )
    else:
        grant, why = statement.principal.grant(
            caller_arn=principal.arn, caller_account=principal.account_id, caller_service=None
        )
    if grant is Grant.UNKNOWN:
        named = unknown(why)
    elif grant is Grant.DIRECT or (grant is Grant.ACCOUNT and accept_account):
        named = TRUE
    else:
        named = FALSE
    return _labelled(statement, all_of(_applies(statement, request, context, named)))


def _applies(
    statement: Statement, request: Request, context: RequestContext, named: Outcome = TRUE
) -> Iterator[Outcome]:
    """The parts of a statement's match, in order, each computed only if the ones before held."""
    yield named
    yield action_matches(statement.body, request.action)
    yield statement.resource_matches(request.resource_arn)
    conditions = statement.conditions
    yield conditions if isinstance(conditions, Outcome) else holds_for(conditions, context)


def _labelled(statement: Statement, outcome: Outcome) -> Outcome:
    if outcome.value is True:
        return Outcome(True, statement.label)
    return Outcome(outcome.value, f"{statement.label}: {outcome.why}") if outcome.why else outcome


def _request_context(request: Request) -> dict[str, tuple[str, ...] | None]:
    """The modelled keys (reference_policies_condition-keys.html): aws:PrincipalAccount and
    aws:PrincipalArn are always present for an IAM principal; the org keys only for a member of an
    organization; aws:SourceArn/aws:SourceAccount only when a service calls on someone's behalf;
    aws:PrincipalIsAWSService in every signed request, true only for an AWS service principal.
    What aws:PrincipalAccount holds for a service principal is not documented: not modelled."""
    principal = request.principal
    context: dict[str, tuple[str, ...] | None] = {
        "aws:sourcearn": None,
        "aws:sourceaccount": None,
        "aws:principalorgid": None,
        "aws:principalorgpaths": None,
        "aws:principalisawsservice": ("true",) if isinstance(principal, ServicePrincipal) else ("false",),
    }
    if isinstance(principal, Principal):
        if not principal.organization_known:
            del context["aws:principalorgid"], context["aws:principalorgpaths"]
        context["aws:principalaccount"] = (principal.account_id,)
        context["aws:principalarn"] = (principal.arn,)
        if principal.organization_id is not None:
            context["aws:principalorgid"] = (principal.organization_id,)
            context["aws:principalorgpaths"] = principal.organization_paths or None
    for key, value in request.context.items():
        context[key.lower()] = (value,) if isinstance(value, str) else tuple(value)
    return context


def combine(decisions: Iterable[Decision]) -> Decision:
    """All allowed -> ALLOW; any denied -> DENY; otherwise UNKNOWN."""
    seen = set(decisions)
    if Decision.DENY in seen:
        return Decision.DENY
    return Decision.UNKNOWN if Decision.UNKNOWN in seen else Decision.ALLOW
