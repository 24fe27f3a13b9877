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
- Several resource-based policies may apply to one request (ECR: the registry policy and the
  repository policy, registry-permissions.html: the registry policy "is enforced in all ECR
  requests" under its V2 scope): their statements count together, and a Deny in any wins.
- Some resource policies are needed even within their own account (``resource_policy_required``):
  a KMS key policy ("No AWS principal ... has any permissions to a KMS key unless that permission is
  explicitly allowed in a key policy", KMS developer guide key-policies.html) and a role's trust
  policy (IAM user guide reference_policies_evaluation-logic-cross-account.html and id_roles.html).
  There the policy alone allows a principal it names by ARN; naming the account delegates to its
  identity policies, which must then allow too.

Not modelled, and so never claimed: SCPs, RCPs, permissions boundaries, session policies, VPC
endpoint policies. Whatever the evaluator cannot decide is UNKNOWN, never ALLOW.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from functools import partial

from components.verify.evaluator.conditions import RequestContext, holds_for
from components.verify.evaluator.documents import ParsedPolicy, PolicyDocument, Statement, parse_policy
from components.verify.evaluator.logic import FALSE, TRUE, Outcome, all_of, any_of, first_true, unknown
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
    (a tuple for a multivalued key; an empty tuple for a key known to be absent); keys the evaluator
    models but that are not given are absent."""

    principal: Principal | ServicePrincipal
    action: str
    resource_arn: str
    resource_account: str
    resource_policy: PolicyDocument | None = None
    context: Mapping[str, str | tuple[str, ...]] = field(default_factory=dict)
    more_resource_policies: tuple[PolicyDocument, ...] = ()
    """Further resource-based policies that apply too (an ECR registry policy)."""
    resource_policy_required: bool = False
    """A key policy or trust policy: needed even within its own account (see the module doc)."""
    unknown_context: tuple[str, ...] = ()
    """Modelled keys whose value in this request is not known (a service's aws:SourceArn where its
    form is not documented): conditions on them are unknown."""

    @property
    def resource_policies(self) -> tuple[PolicyDocument, ...]:
        first = () if self.resource_policy is None else (self.resource_policy,)
        return (*first, *self.more_resource_policies)


@dataclass(frozen=True)
class Deciding:
    """A statement that decided a request, with the document it is in (the object the request
    named), so a report can say which policy grants what."""

    document: PolicyDocument
    statement: Statement


@dataclass(frozen=True)
class Evaluation:
    decision: Decision
    reasons: tuple[str, ...]
    identity_allows: bool | None = None
    resource_allows: bool | None = None
    granted_by: tuple[Deciding, ...] = ()
    """For an allowed request: the first statement of each policy side that allows it (the identity
    policy's, then the resource policy's), each enough or both needed as the rules above say."""
    denied_by: Deciding | None = None
    """For an explicit Deny: the first statement that denies."""

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


def evaluate(request: Request) -> Evaluation:
    """ALLOW, DENY (explicit or implicit) or UNKNOWN, with the reasons."""
    return Evaluator().evaluate(request)


@dataclass(frozen=True)
class IdentitySide:
    """What the identity policies say: an explicit deny, an allow, and the statements deciding them."""

    deny: Outcome
    allow: Outcome
    deny_by: Deciding | None = None
    allow_by: Deciding | None = None


@dataclass(frozen=True)
class ResourceSide:
    """What the resource policies say: an explicit deny; an allow that names the caller itself (or
    everyone); an allow that names it or its account; and the statements deciding them."""

    deny: Outcome
    direct: Outcome
    granted: Outcome
    deny_by: Deciding | None = None
    direct_by: Deciding | None = None
    granted_by: Deciding | None = None


NO_RESOURCE_POLICY = ResourceSide(FALSE, FALSE, FALSE)


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
        self._names_resources: dict[tuple[int, ...], bool] = {}
        self._grantees: dict[tuple[int, ...], _Grantees] = {}
        # Principals by id: kept alive, so that no other object takes an id a key holds.
        self._principals: dict[int, Principal | ServicePrincipal] = {}

    def parsed(self, document: PolicyDocument, source: str, identity: bool) -> ParsedPolicy:
        key = (id(document), source, identity)
        found = self._parsed.get(key)
        if found is None:
            found = self._parsed[key] = parse_policy(document, source, identity)
        return found

    def names_resources(
        self, principal: Principal | ServicePrincipal, *resource_policies: PolicyDocument | None
    ) -> bool:
        """Whether an answer for this caller and these resource policies may depend on the resource
        ARN (beyond its account): only if one of their statements names resources."""
        key = (id(principal), *map(id, resource_policies))  # None has one id: absent is absent
        found = self._names_resources.get(key)
        if found is None:
            self._principals.setdefault(id(principal), principal)
            documents = tuple(d for d in resource_policies if d is not None)
            parsed = [*self._identity_policies(principal), *self._resource_policies(documents)]
            found = self._names_resources[key] = any(p.names_resources for p in parsed)
        return found

    def resource_signature(
        self, principal: Principal | ServicePrincipal, resource_policies: tuple[PolicyDocument, ...], arn: str
    ) -> tuple[bool | None, ...]:
        """What an answer for this caller and these resource policies depends on in a resource ARN
        (beyond its account): two ARNs with one signature get the same answers."""
        identity = self._identity_policies(principal)
        return (
            *_resource_signature(identity, arn),
            *_resource_signature(self._resource_policies(resource_policies), arn),
        )

    def may_grant(self, principal: Principal | ServicePrincipal, *resource_policies: PolicyDocument) -> bool:
        """Whether an Allow statement of these resource policies may name this principal (itself, its
        account, everyone, or an element it cannot evaluate). If none may, every request that needs
        the resource policy (from another account, a service, a key or trust policy) is denied,
        whatever the action: callers skip asking."""
        key = tuple(id(d) for d in resource_policies)
        grantees = self._grantees.get(key)
        if grantees is None:
            grantees = self._grantees[key] = _Grantees.of(self._resource_policies(resource_policies))
        return grantees.may_name(principal)

    def _identity_policies(self, principal: Principal | ServicePrincipal) -> list[ParsedPolicy]:
        documents = principal.identity_policies if isinstance(principal, Principal) else ()
        return [self.parsed(doc, f"identity policy {i}", True) for i, doc in enumerate(documents, 1)]

    def _resource_policies(self, documents: tuple[PolicyDocument, ...]) -> list[ParsedPolicy]:
        return [self.parsed(doc, "resource policy", False) for doc in documents]

    def evaluate(self, request: Request) -> Evaluation:
        principal = request.principal
        identity = self._identity_policies(principal)
        resources = self._resource_policies(request.resource_policies)
        problems = [p for policy in (*identity, *resources) for p in policy.problems]
        if problems:
            return Evaluation(Decision.UNKNOWN, tuple(f"AWS would reject this policy: {p}" for p in problems))

        self._principals.setdefault(id(principal), principal)
        asked = (
            id(principal),
            tuple(sorted(request.context.items())),
            request.unknown_context,
            request.action,
        )
        identity_key = (*asked, _resource_signature(identity, request.resource_arn))
        identity_side = self._identity.get(identity_key)
        if identity_side is None:
            identity_side = self._identity[identity_key] = _identity_side(request, identity)
        resource_key = (
            *asked,
            tuple(id(r) for r in resources),
            _resource_signature(resources, request.resource_arn),
        )
        resource_side = self._resource.get(resource_key)
        if resource_side is None:
            resource_side = self._resource[resource_key] = _resource_side(request, resources)
        return _decide(request, identity_side, resource_side)


@dataclass(frozen=True)
class _Grantees:
    """Whom the Allow statements of some resource policies may name, together: a lookup per caller."""

    open_to_iam: bool
    """Everyone, or an element (or a policy) that cannot be evaluated for an IAM caller."""
    open_to_services: bool
    accounts: frozenset[str]
    arns: frozenset[str]
    services: frozenset[str]

    @classmethod
    def of(cls, policies: list[ParsedPolicy]) -> _Grantees:
        elements = [s.principal for p in policies for s in p.statements if s.effect == "Allow"]
        rejected = any(p.problems for p in policies) or any(e is None for e in elements)  # NotPrincipal
        named = [e for e in elements if e is not None]
        anyone = rejected or any(e.everyone or e.invalid is not None for e in named)
        return cls(
            anyone or any(e.aws_everyone or e.unknown_for_iam is not None for e in named),
            anyone or any(e.unknown_for_service is not None for e in named),
            frozenset(a for e in named for a in e.accounts),
            frozenset(a for e in named for a in e.arns),
            frozenset(a for e in named for a in e.services),
        )

    def may_name(self, principal: Principal | ServicePrincipal) -> bool:
        if isinstance(principal, ServicePrincipal):
            return self.open_to_services or principal.service in self.services
        return self.open_to_iam or principal.account_id in self.accounts or principal.arn in self.arns


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


def _first_applying(
    statements: Iterable[tuple[PolicyDocument, Statement]], applies: Callable[[Statement], Outcome]
) -> tuple[Outcome, Deciding | None]:
    """Kleene OR of the statements (``any_of``), and the statement that made it true."""
    pairs = list(statements)
    outcome, n = first_true(applies(statement) for _, statement in pairs)
    return outcome, (None if n is None else Deciding(*pairs[n]))


def _with_effect(policies: list[ParsedPolicy], effect: str) -> Iterator[tuple[PolicyDocument, Statement]]:
    return ((p.document, s) for p in policies for s in p.statements if s.effect == effect)


def _identity_side(request: Request, policies: list[ParsedPolicy]) -> IdentitySide:
    context = _request_context(request)

    def applies(statement: Statement) -> Outcome:
        return _identity_applies(statement, request, context)

    deny, deny_by = _first_applying(_with_effect(policies, "Deny"), applies)
    allow, allow_by = _first_applying(_with_effect(policies, "Allow"), applies)
    return IdentitySide(deny, allow, deny_by, allow_by)


def _resource_side(request: Request, policies: list[ParsedPolicy]) -> ResourceSide:
    if not policies:
        return NO_RESOURCE_POLICY
    context = _request_context(request)

    def applies(accept_account: bool) -> Callable[[Statement], Outcome]:
        return lambda s: _resource_applies(s, request, context, accept_account=accept_account)

    deny, deny_by = _first_applying(_with_effect(policies, "Deny"), applies(True))
    direct, direct_by = _first_applying(_with_effect(policies, "Allow"), applies(False))
    granted, granted_by = _first_applying(_with_effect(policies, "Allow"), applies(True))
    return ResourceSide(deny, direct, granted, deny_by, direct_by, granted_by)


def _decide(request: Request, identity: IdentitySide, resource: ResourceSide) -> Evaluation:
    principal = request.principal
    deny = any_of([identity.deny, resource.deny])
    sides = partial(Evaluation, identity_allows=identity.allow.value, resource_allows=resource.granted.value)
    if deny.value is True:
        denied_by = identity.deny_by if identity.deny.value is True else resource.deny_by
        return sides(Decision.DENY, (f"explicit Deny: {deny.why}",), denied_by=denied_by)

    both = all_of([identity.allow, resource.granted])
    if isinstance(principal, ServicePrincipal):
        allowed = resource.direct  # services carry no identity policies: the resource policy decides
    elif principal.account_id != request.resource_account:
        allowed = both
    elif request.resource_policy_required:
        allowed = any_of([resource.direct, both])
    else:
        allowed = any_of([identity.allow, resource.direct])

    if allowed.value is False:
        return sides(Decision.DENY, _implicit_deny_reasons(request, identity.allow, resource.granted))
    if allowed.value is None:
        return sides(Decision.UNKNOWN, (f"cannot evaluate: {allowed.why}",))
    if deny.value is None:
        return sides(
            Decision.UNKNOWN, (f"allowed unless this Deny applies, which cannot be evaluated: {deny.why}",)
        )
    return sides(Decision.ALLOW, (), granted_by=_granted_by(request, identity, resource))


def _granted_by(request: Request, identity: IdentitySide, resource: ResourceSide) -> tuple[Deciding, ...]:
    """The allowing statements that count for this caller: the resource policy's alone where it names
    the caller itself (a service, a principal of the resource's account), else both sides'."""
    principal = request.principal
    direct = resource.direct_by if resource.direct.value is True else None
    if isinstance(principal, ServicePrincipal):
        found = [direct]
    elif principal.account_id != request.resource_account:
        found = [identity.allow_by, resource.granted_by]
    elif request.resource_policy_required:
        found = [direct] if direct else [identity.allow_by, resource.granted_by]
    else:  # either side alone allows: both are quoted when both do
        found = [identity.allow_by if identity.allow.value is True else None, direct]
    return tuple(d for d in found if d is not None)


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
    if (cross_account or request.resource_policy_required) and resource.value is False:
        if not request.resource_policies:
            needs = "access from another account" if cross_account else "access"
            reasons.append(f"{request.resource_arn} has no resource policy, and {needs} needs one")
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
    for key in request.unknown_context:
        context.pop(key.lower(), None)
    return context


def combine(decisions: Iterable[Decision]) -> Decision:
    """All allowed -> ALLOW; any denied -> DENY; otherwise UNKNOWN."""
    seen = set(decisions)
    if Decision.DENY in seen:
        return Decision.DENY
    return Decision.UNKNOWN if Decision.UNKNOWN in seen else Decision.ALLOW
