"""The access analysis: every principal against every resource, for every class of access, held
against what the config declares. Each allowed access the config does not declare is a finding
(UNINTENDED), quoting the statements that grant it; each one that cannot be proven either way is a
finding too (unknown). Pull on the repositories of the pull tables comes from their cells.

Cost: a class is evaluated at the level it differs. Its actions are grouped by the statements of
the evaluated documents whose Action element matches them (two actions no statement tells apart get
one answer), and one action of each group is asked; a principal's answers are kept per set of
policies (and per ARN only where a statement names resources), so a thousand repositories under one
policy cost one question per class.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Any

from components.aws.policy import canonical_json
from components.aws.rules import ECR_SERVICE, ecr_service_endpoint
from components.verify.access.actions import (
    AUTHORIZATION,
    PARTIAL_PULL_CHECK,
    PULL_IMAGE_ACTIONS,
    ActionClass,
    botocore_version,
    class_actions,
)
from components.verify.access.intent import declared, declared_with_pull
from components.verify.access.principals import (
    ADMIN_IDENTITY,
    LAMBDA_ROWS,
    OWN_POLICY_ROWS,
    SERVICE_ROWS,
    Principals,
    Row,
    evaluator_principal,
    row_principal,
)
from components.verify.access.resources import RESOURCE_POLICY_REQUIRED, AnalyzedResource, ResourceKind
from components.verify.deployments import Deployment
from components.verify.evaluator.documents import PolicyDocument, Statement
from components.verify.evaluator.evaluator import (
    Deciding,
    Decision,
    Evaluation,
    Evaluator,
    Principal,
    Request,
    ServicePrincipal,
)
from components.verify.evaluator.matching import action_matches, as_list
from components.verify.evaluator.pull import can_lambda_pull, can_pull, lambda_context, lambda_function_arn
from components.verify.intended import DeployedState

if TYPE_CHECKING:
    from components.verify.matrix import Cell

# A service's aws:SourceArn is documented for Lambda only (the function); for the others a
# condition on it is unknown, never taken as met or failed.
SOURCE_ARN = "aws:SourceArn"


class FindingStatus(Enum):
    UNINTENDED = "unintended"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Grant:
    """A statement that grants a finding's access, as the plan registers it."""

    policy: str
    """The policy that holds it, for people."""
    sid: str | None
    index: int
    """Its position in the policy's Statement list, from 1."""
    text: str
    """The statement, as canonical JSON."""

    @property
    def quoted(self) -> str:
        which = f"statement {self.sid!r}" if self.sid else f"statement {self.index}"
        return f"{self.policy} {which}: {self.text}"


@dataclass(frozen=True)
class Finding:
    check: str
    """An ``ActionClass`` check ID, or ``PARTIAL_PULL_CHECK``."""
    status: FindingStatus
    principal: Row
    resource: AnalyzedResource
    actions: tuple[str, ...]
    """The class's IAM actions that are allowed (or, unknown, cannot be decided)."""
    grants: tuple[Grant, ...] = ()
    reasons: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        """Stable across runs: the check, the principal's and the resource's names."""
        digest = hashlib.sha256(
            f"{self.check}|{self.principal.name}|{self.resource.key}".encode()
        ).hexdigest()
        return f"{self.check}-{digest[:12]}"


@dataclass(frozen=True)
class Analysis:
    principals: tuple[Row, ...]
    resources: tuple[AnalyzedResource, ...]
    findings: tuple[Finding, ...]
    questions: int
    """How many evaluations the analysis asked beyond the pull tables (after grouping)."""
    granted: frozenset[tuple[int, str]] = frozenset()
    """(id of a resource policy, action) for every action a statement of that policy allows to some
    principal, meant or not, beyond pulls: what ``--access-analyzer`` compares with AWS's answer."""
    botocore: str = field(default_factory=botocore_version)

    def with_status(self, status: FindingStatus) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status is status)


def analyze(
    deployment: Deployment,
    state: DeployedState,
    who: Principals,
    resources: Sequence[AnalyzedResource],
    cells: Sequence[Cell],
    evaluator: Evaluator,
) -> Analysis:
    documents = [
        ADMIN_IDENTITY,
        *(d for role in state.roles.values() for d in role.policies),
        *(d for r in resources for d in r.documents),
    ]
    session = _Session(deployment, state, evaluator, _ActionGroups(documents))
    findings = [*_pull_table_findings(session, who, resources, cells)]
    # Resources under the same policies, in one account and Region, get the same answers for a
    # principal whose documents name no resource: grouped once here.
    groups: dict[tuple[object, ...], list[AnalyzedResource]] = {}
    for resource in resources:
        key = (resource.kind, tuple(id(d) for d in resource.documents), resource.account_id, resource.region)
        groups.setdefault(key, []).append(resource)
    in_tables = {r.name for r in who.matrix}
    for row in who.all:
        findings += session.row_findings(row, list(groups.values()), skip_pull=row.name in in_tables)
    return Analysis(who.all, tuple(resources), tuple(findings), session.questions, frozenset(session.granted))


class _ActionGroups:
    """Each class's evaluated actions, grouped by which statements' Action (or NotAction) element
    matches them: the evaluator cannot tell two actions of one group apart."""

    def __init__(self, documents: Iterable[PolicyDocument]) -> None:
        elements: dict[str, dict[str, Any]] = {}
        for doc in documents:
            for statement in as_list(doc.get("Statement") if isinstance(doc, dict) else None):
                if isinstance(statement, dict):
                    key = "Action" if "Action" in statement else "NotAction"
                    if key in statement:
                        element = {key: statement[key]}
                        elements.setdefault(canonical_json(element), element)
        self._elements = list(elements.values())
        self._groups: dict[ActionClass, tuple[tuple[str, ...], ...]] = {}

    def of(self, klass: ActionClass) -> tuple[tuple[str, ...], ...]:
        found = self._groups.get(klass)
        if found is None:
            by_signature: dict[tuple[bool | None, ...], list[str]] = {}
            for action in class_actions(klass).actions:
                signature = tuple(action_matches(e, action).value for e in self._elements)
                by_signature.setdefault(signature, []).append(action)
            found = self._groups[klass] = tuple(tuple(g) for g in by_signature.values())
        return found


@dataclass
class _Answer:
    """One class's answer for one principal and one set of policies: the actions that are allowed
    (or, unknown, cannot be decided), each with its evaluation."""

    decision: Decision
    evaluations: tuple[tuple[str, Evaluation], ...] = ()
    partial: bool = False

    @property
    def actions(self) -> tuple[str, ...]:
        return tuple(a for a, _ in self.evaluations)

    def granted_by(self, actions: Iterable[str] | None = None) -> tuple[Deciding, ...]:
        wanted = None if actions is None else set(actions)
        return _deciding(e for a, e in self.evaluations if wanted is None or a in wanted)

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r for _, e in self.evaluations for r in e.reasons))


class _Session:
    def __init__(
        self, deployment: Deployment, state: DeployedState, evaluator: Evaluator, groups: _ActionGroups
    ) -> None:
        self.build_account = deployment.build.account_id
        self.state = state
        self.evaluator = evaluator
        self.groups = groups
        self.questions = 0
        self._declared: dict[tuple[object, ...], tuple[bool, frozenset[str]]] = {}
        self.granted: set[tuple[int, str]] = set()

    def row_findings(
        self, row: Row, groups: Sequence[Sequence[AnalyzedResource]], *, skip_pull: bool
    ) -> Iterator[Finding]:
        principal = evaluator_principal(row, self.state.roles)
        if row.kind in OWN_POLICY_ROWS and not self.state.roles[row.name].exists:
            return  # a role that does not exist can do nothing; its cells say so
        for group in groups:
            reached = [r for r in group if reaches(row, r)]
            if not reached:
                continue
            first = reached[0]
            documents = first.documents
            if needs_resource_policy(principal, first) and not self.evaluator.may_grant(
                principal, *documents
            ):
                continue  # no statement may name it: denied whatever the action
            classes = [k for k in first.classes if not (k is ActionClass.PULL and skip_pull)]
            if self.evaluator.names_resources(principal, *documents):
                # Per resource, but once per set of statements whose Resource matches it.
                by_signature: dict[tuple[bool | None, ...], dict[ActionClass, _Answer]] = {}
                for resource in reached:
                    signature = self.evaluator.resource_signature(principal, documents, resource.arn)
                    answers = by_signature.get(signature)
                    if answers is None:
                        answers = by_signature[signature] = self._answers(row, principal, classes, resource)
                    yield from self._findings(row, resource, answers)
                continue
            # One answer for the whole group; only an access that is not denied is looked at further,
            # and where the intent cannot differ between its resources, only if the first is a finding.
            answers = self._answers(row, principal, classes, first)
            if answers and (row.uses or any(self._findings(row, first, answers))):
                for resource in reached:
                    yield from self._findings(row, resource, answers)

    def _answers(
        self,
        row: Row,
        principal: Principal | ServicePrincipal,
        classes: Sequence[ActionClass],
        resource: AnalyzedResource,
    ) -> dict[ActionClass, _Answer]:
        """The classes whose access is not denied, with their answers."""
        answers = {klass: self._answer(row, principal, klass, resource) for klass in classes}
        documents = {id(d) for d in resource.documents}
        for answer in answers.values():
            if answer.decision is Decision.ALLOW or answer.partial:
                self.granted.update(
                    (id(d.document), action)
                    for action, evaluation in answer.evaluations
                    for d in evaluation.granted_by
                    if id(d.document) in documents
                )
        return {k: a for k, a in answers.items() if a.decision is not Decision.DENY or a.partial}

    def _findings(
        self, row: Row, resource: AnalyzedResource, answers: dict[ActionClass, _Answer]
    ) -> Iterator[Finding]:
        for klass, answer in answers.items():
            finding = self._finding(row, klass, resource, answer)
            if finding is not None:
                yield finding

    def _finding(
        self, row: Row, klass: ActionClass, resource: AnalyzedResource, answer: _Answer
    ) -> Finding | None:
        if answer.decision is Decision.DENY and not answer.partial:
            return None
        meant, companions = self._intent(row, klass, resource)
        if meant:
            return None
        actions = tuple(a for a in answer.actions if a not in companions)
        if not actions:
            return None
        check = PARTIAL_PULL_CHECK if answer.partial else klass.check_id
        if answer.decision is Decision.UNKNOWN:
            return Finding(check, FindingStatus.UNKNOWN, row, resource, actions, reasons=answer.reasons)
        grants = grants_of(answer.granted_by(actions), row, resource, self.state)
        return Finding(check, FindingStatus.UNINTENDED, row, resource, actions, grants)

    def _intent(
        self, row: Row, klass: ActionClass, resource: AnalyzedResource
    ) -> tuple[bool, frozenset[str]]:
        """``declared`` and ``declared_with_pull``; per registry where they cannot depend on the
        repository (only the rows meant to pull what their services run can)."""
        where = resource.registry.key if resource.registry and not row.uses else resource.arn
        key = (row.name, klass, where)
        found = self._declared.get(key)
        if found is None:
            found = self._declared[key] = (
                declared(self.build_account, row, klass, resource),
                declared_with_pull(self.build_account, row, klass, resource),
            )
        return found

    def _answer(
        self,
        row: Row,
        principal: Principal | ServicePrincipal,
        klass: ActionClass,
        resource: AnalyzedResource,
    ) -> _Answer:
        if klass is ActionClass.PULL:
            return self._pull(row, principal, resource)
        allowed: list[tuple[str, Evaluation]] = []
        unknown: list[tuple[str, Evaluation]] = []
        for group in self.groups.of(klass):
            evaluation = self.ask(row, principal, group[0], resource)
            if evaluation.decision is Decision.ALLOW:
                allowed += [(action, evaluation) for action in group]
            elif evaluation.decision is Decision.UNKNOWN:
                unknown += [(action, evaluation) for action in group]
        if allowed:
            return _Answer(Decision.ALLOW, tuple(allowed))
        if unknown:
            return _Answer(Decision.UNKNOWN, tuple(unknown))
        return _Answer(Decision.DENY)

    def _pull(self, row: Row, principal: Principal | ServicePrincipal, resource: AnalyzedResource) -> _Answer:
        evaluations = [(a, self.ask(row, principal, a, resource)) for a in PULL_IMAGE_ACTIONS]
        if isinstance(principal, Principal):
            self.questions += 1
            login = self.evaluator.evaluate(Request(principal, AUTHORIZATION, "*", principal.account_id))
            evaluations.insert(0, (AUTHORIZATION, login))
        return pull_answer(evaluations)

    def ask(
        self, row: Row, principal: Principal | ServicePrincipal, action: str, resource: AnalyzedResource
    ) -> Evaluation:
        """One action on one resource, in each request context the principal may call it with
        (a key: directly and through ECR), allowed if any is."""
        found: Evaluation | None = None
        for request in self._requests(row, principal, action, resource):
            self.questions += 1
            evaluation = self.evaluator.evaluate(request)
            if evaluation.decision is Decision.ALLOW:
                return evaluation
            if found is None or evaluation.decision is Decision.UNKNOWN:
                found = evaluation
        assert found is not None
        return found

    def _requests(
        self, row: Row, principal: Principal | ServicePrincipal, action: str, resource: AnalyzedResource
    ) -> Iterator[Request]:
        context, unknown = _service_context(row, resource)
        common: dict[str, Any] = {
            "more_resource_policies": resource.documents,
            "unknown_context": unknown,
            "resource_policy_required": resource.kind in RESOURCE_POLICY_REQUIRED,
        }
        arn, account = resource.arn, resource.account_id
        if resource.kind is not ResourceKind.KEY:
            yield Request(principal, action, arn, account, None, context, **common)
            return
        # kms:CallerAccount is the caller's account; kms:ViaService is set only when a service
        # (here ECR) calls on its behalf (KMS developer guide, conditions-kms.html).
        if isinstance(principal, Principal):
            context = {**context, "kms:CallerAccount": principal.account_id}
        yield Request(principal, action, arn, account, None, {**context, "kms:ViaService": ()}, **common)
        yield Request(
            principal,
            action,
            arn,
            account,
            None,
            {**context, "kms:ViaService": ecr_service_endpoint(resource.region)},
            **common,
        )


def needs_resource_policy(principal: Principal | ServicePrincipal, resource: AnalyzedResource) -> bool:
    """Whether only a resource policy can let this principal in: a service, another account, or a
    key or trust policy (see the evaluator's rules)."""
    return (
        isinstance(principal, ServicePrincipal)
        or principal.account_id != resource.account_id
        or resource.kind in RESOURCE_POLICY_REQUIRED
    )


def reaches(row: Row, resource: AnalyzedResource) -> bool:
    """ECR assumes a creation template's role only in the template's own registry ("This role must
    be in the same account as the registry", ECR model, CreateRepositoryCreationTemplate
    customRoleArn): acting for one account, it reaches no other account's role."""
    return not (
        row.service == ECR_SERVICE
        and resource.kind is ResourceKind.ROLE
        and resource.account_id != row.account_id
    )


def _service_context(row: Row, resource: AnalyzedResource) -> tuple[dict[str, str], tuple[str, ...]]:
    """(request context, keys not known) of a service principal's request: the account it acts for,
    and for Lambda the function's ARN in the resource's Region."""
    if row.kind in LAMBDA_ROWS:
        return lambda_context(lambda_function_arn(resource.region, row.account_id)), ()
    if row.kind in SERVICE_ROWS:
        return {"aws:SourceAccount": row.account_id}, (SOURCE_ARN,)
    return {}, ()


def pull_answer(evaluations: Sequence[tuple[str, Evaluation]]) -> _Answer:
    """A pull needs every part; one image part alone (with the login) is a partial pull."""
    decisions = {e.decision for _, e in evaluations}
    if decisions == {Decision.ALLOW}:
        return _Answer(Decision.ALLOW, tuple(evaluations))
    image = [(a, e) for a, e in evaluations if a in PULL_IMAGE_ACTIONS]
    login = [e for a, e in evaluations if a == AUTHORIZATION]
    if all(e.allowed for e in login) and sum(e.allowed for _, e in image) == 1:
        return _Answer(Decision.DENY, tuple((a, e) for a, e in image if e.allowed), partial=True)
    if Decision.DENY in decisions:
        return _Answer(Decision.DENY)
    return _Answer(Decision.UNKNOWN, tuple((a, e) for a, e in evaluations if not e.allowed))


def _deciding(evaluations: Iterable[Evaluation]) -> tuple[Deciding, ...]:
    found: dict[tuple[int, int], Deciding] = {}
    for evaluation in evaluations:
        for d in evaluation.granted_by:
            found.setdefault((id(d.document), id(d.statement)), d)
    return tuple(found.values())


def grants_of(
    deciding: Iterable[Deciding], row: Row, resource: AnalyzedResource, state: DeployedState
) -> tuple[Grant, ...]:
    """The deciding statements, each named by the policy that holds it."""
    labels: list[tuple[PolicyDocument, str]] = [(p.document, p.label) for p in resource.policies]
    if row.kind in OWN_POLICY_ROWS:
        role = state.roles[row.name]
        labels += [
            (doc, f"{name} of {row.label}")
            for doc, name in zip(
                role.policies, role.policy_names or ("policy",) * len(role.policies), strict=False
            )
        ]
    grants = []
    for d in deciding:
        if d.document is ADMIN_IDENTITY:
            continue  # assumed, not planned: the principal's description says so
        policy = next((label for doc, label in labels if doc is d.document), "a policy")
        grants.append(_grant(policy, d.document, d.statement))
    return tuple(grants)


def _grant(policy: str, document: PolicyDocument, statement: Statement) -> Grant:
    bodies = as_list(document.get("Statement"))
    index = next((n for n, body in enumerate(bodies, 1) if body is statement.body), 0)
    sid = statement.body.get("Sid")
    return Grant(policy, sid if isinstance(sid, str) else None, index, canonical_json(statement.body))


def _pull_table_findings(
    session: _Session, who: Principals, resources: Sequence[AnalyzedResource], cells: Sequence[Cell]
) -> Iterator[Finding]:
    """Pull findings of the pull tables' rows, from their cells: the unintended and partial pulls (an
    unknown cell is reported as a cell). The statements that grant them are asked again (the
    evaluator keeps the answers)."""
    by_arn = {r.arn: r for r in resources if r.kind is ResourceKind.REPOSITORY}
    rows = {r.name: r for r in who.matrix}
    for cell in cells:
        if cell.intended or cell.arn not in by_arn:
            continue
        resource, row = by_arn[cell.arn], rows[cell.row]
        if cell.decision is Decision.ALLOW or cell.partial:  # an unknown cell is reported as a cell
            answer = _cell_answer(session, row, resource, cell)
            check = PARTIAL_PULL_CHECK if answer.partial else ActionClass.PULL.check_id
            grants = grants_of(answer.granted_by(), row, resource, session.state)
            yield Finding(check, FindingStatus.UNINTENDED, row, resource, answer.actions, grants)


def _cell_answer(session: _Session, row: Row, resource: AnalyzedResource, cell: Cell) -> _Answer:
    registry_policy = session.state.registry_policies.get(resource.registry.key if resource.registry else "")
    repository = session.state.repositories[cell.arn]
    if row.kind in LAMBDA_ROWS:
        result = can_lambda_pull(
            lambda_function_arn(resource.region, row.account_id),
            row_principal(row, (ADMIN_IDENTITY,)),
            cell.arn,
            repository.policy,
            registry_policy=registry_policy,
            evaluator=session.evaluator,
        )
        if cell.decision is Decision.ALLOW:
            return _Answer(Decision.ALLOW, (*result.deployer, *result.service))
        return pull_answer(result.service)
    principal = evaluator_principal(row, session.state.roles)
    assert isinstance(principal, Principal)
    pull = can_pull(
        principal, cell.arn, repository.policy, registry_policy=registry_policy, evaluator=session.evaluator
    )
    return pull_answer([(AUTHORIZATION, pull.authorization), *pull.actions])
