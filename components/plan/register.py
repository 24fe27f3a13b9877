"""Registration of a plan: the only place that turns planned ``Resource`` records into Pulumi
resources. Nothing is decided here; every name, input and dependency comes from the plan, a planned
dependency on a component reaching what the dependent needs of it (``needs``)."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any, ClassVar, cast

import pulumi

from components.catalog import component_class
from components.consumers.resources import (
    ECS_SERVICE,
    POLICY,
    PULL_EXECUTION_ROLE,
    ROLE_POLICY,
    ROLE_POLICY_ATTACHMENT,
)
from components.plan.children import with_children
from components.plan.model import Alias, OutputRef, Resource, StackPlan, key

if TYPE_CHECKING:
    from components.args import ComponentArgs

# Every pulumi-aws resource type a plan may hold; its class is imported when the first one is
# registered (``provider_class``).
PROVIDER_TYPES = frozenset(
    {
        "aws:ecr/repository:Repository",
        "aws:ecr/repositoryPolicy:RepositoryPolicy",
        "aws:ecr/replicationConfiguration:ReplicationConfiguration",
        "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate",
        "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration",
        "aws:ecr/registryPolicy:RegistryPolicy",
        "aws:ecr/lifecyclePolicy:LifecyclePolicy",
        "aws:kms/key:Key",
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
        "aws:cloudwatch/logGroup:LogGroup",
        "aws:ecs/taskDefinition:TaskDefinition",
        "aws:ecs/service:Service",
    }
)


# An execution role's permissions (its inline policy, managed policies and their attachments), and
# what uses them: ECS starts a service's tasks with them (``needs``).
EXECUTION_ROLE_PERMISSIONS = frozenset({ROLE_POLICY, POLICY, ROLE_POLICY_ATTACHMENT})
STARTS_TASKS = frozenset({ECS_SERVICE})


@functools.cache
def provider_class(type_: str) -> Callable[..., pulumi.CustomResource]:
    """The pulumi-aws class of a planned type token (``aws:<module>/<name>:<Class>``), imported on
    first use, so a stack loads only the pulumi-aws modules it registers: an environment ``iam``,
    ``cloudwatch`` and ``ecs``, not ``ecr`` and ``kms`` (benchmarks/cold_start.py). Per module, not
    per class: pulumi-aws loads each module lazily (``_utilities.lazy_import``), but importing one of
    its files runs the module's ``__init__``, which imports every class of the module."""
    if type_ not in PROVIDER_TYPES:
        raise KeyError(f"{type_} is not a pulumi-aws type ecr-share registers")
    module = type_.split(":")[1].split("/")[0]
    return cast(
        Callable[..., pulumi.CustomResource],
        getattr(import_module(f"pulumi_aws.{module}"), type_.rsplit(":", 1)[1]),
    )


class PlannedComponent(pulumi.ComponentResource):
    """An ecr-share component: registers exactly the children its pure plan function computes from
    its model, with the component's own ``depends_on`` passed on to each of them. A planned dependency
    on a component waits for what the dependent needs of everything it registers (``waits_for``).

    Constructed by a program or the provider (``__init__``), it checks its args and computes its
    children itself; constructed by the registrar (``from_plan``), it registers the children the
    stack's plan already holds, so they are computed once per run."""

    _type_token: ClassVar[str] = ""
    # How the component turns its args into its model (components.args); None: not checked.
    _args: ClassVar[ComponentArgs | None] = None
    # Its earlier type tokens, so that a rename keeps its URN and its children's.
    _earlier_identities: ClassVar[tuple[Alias, ...]] = ()

    def __init__(self, name: str, args: Any, opts: pulumi.ResourceOptions | None = None) -> None:
        model = self._model(name, args)
        # What the component waits for, as given: under keys of their own, which every child's
        # planned dependencies then name (``with_children``), as a stack plan's children name the
        # component's.
        outside = list(opts.depends_on) if opts is not None and isinstance(opts.depends_on, list) else []
        known: dict[str, Any] = {f"(depends_on[{i}])": d for i, d in enumerate(outside)}
        planned = with_children(Resource(self._type_token, name, model=model, depends_on=tuple(known)))
        self._register(name, model, opts, tuple(planned)[1:], known)

    @classmethod
    def from_plan(
        cls,
        planned: Resource,
        subtree: Sequence[Resource],
        opts: pulumi.ResourceOptions,
        known: dict[str, Any],
    ) -> PlannedComponent:
        """The planned component, registering ``subtree``: everything under it in the stack's plan,
        parents before children, each child's ``depends_on`` already holding the component's
        (``with_children``). ``known``: what was registered before it, by planned key."""
        component = cls.__new__(cls)
        component._register(planned.name, planned.model, opts, subtree, known)
        return component

    def _register(
        self,
        name: str,
        model: Any,
        opts: pulumi.ResourceOptions | None,
        subtree: Sequence[Resource],
        known: dict[str, Any],
    ) -> None:
        """Register the component, then its subtree (a nested component registering its own), then
        its outputs (``_outputs``). Registrations are added to ``known`` as they are made."""
        parent_type = _parent_type(opts.parent if opts is not None else None)
        own = (
            pulumi.ResourceOptions(
                aliases=_aliases(self._earlier_identities, self._type_token, name, parent_type)
            )
            if self._earlier_identities
            else None
        )
        # The component waits for what its own type needs of each dependency (``waits_for``).
        if opts is not None and isinstance(opts.depends_on, list) and opts.depends_on:
            opts = copy.copy(opts)
            opts.depends_on = _expanded(cast(list[Any], opts.depends_on), self._type_token)
        super().__init__(self._type_token, name, None, pulumi.ResourceOptions.merge(own, opts))
        # The component's URN type (its parents' types and its own), None if its parent's is unknown.
        self._qualified_type = qualified_type(parent_type, self._type_token)
        # Planned key -> what was registered for it, grandchildren of nested components included,
        # and its URN type, for its children's aliases.
        self._registered: dict[str, pulumi.Resource] = {}
        self._qualified_types: dict[str, str | None] = {}
        # Dependent type -> what a dependency on this component waits for (``waits_for``).
        self._waits_for: dict[str, list[pulumi.Resource]] = {}
        for child, grandchildren in _subtrees(subtree):
            parent_type = self._qualified_types.get(child.parent or "", self._qualified_type)
            needed = [known[d] for d in child.depends_on]
            options = pulumi.ResourceOptions(
                parent=self._registered.get(child.parent or "", self),
                # A nested component expands them for each of its own children.
                depends_on=needed if child.is_component else _expanded(needed, child.type),
                # Explicit, never inherited: the SDK would give every child of a protected repository its
                # protection, and the engine then refuses to replace a changed lifecycle policy
                # (pulumi-aws replaces one on any change: terraform-provider-aws ecr/lifecycle_policy.go,
                # policy ForceNew). Only what the plan protects holds what cannot be rebuilt.
                protect=child.protect,
                aliases=_aliases(child.aliases, child.type, child.name, parent_type) or None,
            )
            self._qualified_types[child.key] = qualified_type(parent_type, child.type)
            if child.is_component:
                nested = component_class(child.type).from_plan(child, grandchildren, options, known)
                self._registered[child.key] = nested
                self._registered.update(nested._registered)
                self._qualified_types.update(nested._qualified_types)
            else:
                inputs = _resolve(dict(child.inputs), known)
                self._registered[child.key] = provider_class(child.type)(child.name, opts=options, **inputs)
            known[child.key] = self._registered[child.key]
        self._outputs(name, model)

    def _outputs(self, name: str, model: Any) -> None:
        """Set the component's output attributes from what it registered, and register them."""

    @classmethod
    def _model(cls, name: str, args: Any) -> Any:
        """What the component registers from: the model the plan built, as it is (it was never
        args), or the model of args from a program or the provider, checked; else an ``ArgsError``."""
        checks = cls._args
        if checks is None or isinstance(args, checks.model):
            return args
        return checks.checked(f'{cls.__name__} "{name}"', args)

    def registered(self, type_: str, name: str) -> Any:
        """A child (or grandchild) this component registered, by its planned type and name."""
        return self._registered[key(type_, name)]


def _subtrees(planned: Sequence[Resource]) -> Iterator[tuple[Resource, Sequence[Resource]]]:
    """Each resource a component registers itself, with what a nested component among them registers
    (the run after it whose parents lead back to it; none for a provider resource): a plan lists a
    component's subtree right after it (``with_children``)."""
    i = 0
    while i < len(planned):
        resource, inside, j = planned[i], {planned[i].key}, i + 1
        if resource.is_component:
            while j < len(planned) and planned[j].parent in inside:
                inside.add(planned[j].key)
                j += 1
        yield resource, planned[i + 1 : j]
        i = j


def waits_for(resource: pulumi.Resource, dependent_type: str) -> list[pulumi.Resource]:
    """What a planned dependency of a resource of ``dependent_type`` on ``resource`` registers as:
    the resource itself, or for a planned component every provider resource it registered, at any
    depth (the SDK expands a component only to its direct children, so a dependency on a
    PullExecutionRole alone would not wait for the role's policy, the role's child), except what the
    dependent does not use (``needs``)."""
    if not isinstance(resource, PlannedComponent):
        return [resource]
    # Asked once per dependent resource (each service's three of a role of 20 policies): computed
    # once per dependent type, from the component's registrations, complete once it is a dependency.
    waits = resource._waits_for.get(dependent_type)
    if waits is None:
        waits = resource._waits_for[dependent_type] = [
            r
            for r in resource._registered.values()
            if isinstance(r, pulumi.CustomResource)
            and needs(dependent_type, resource._type_token, r.pulumi_resource_type)
        ]
    return waits


def needs(dependent_type: str, component_type: str, resource_type: str) -> bool:
    """Whether a resource of ``dependent_type`` that depends on a component of ``component_type``
    waits for its resource of ``resource_type``. Everything, except that only what starts tasks (an
    ECS service) waits for an execution role's permissions: the tasks pull the image and write their
    logs with them. A task definition needs only the role itself (RegisterTaskDefinition refuses an
    execution role that does not exist yet: "Role is not valid"), a log group nothing of it. Waiting
    for every policy made each log group and task definition wait for all of them, 6,721 dependency
    edges at 100 services (benchmarks/cold_start.py)."""
    return (
        component_type != PULL_EXECUTION_ROLE
        or dependent_type in STARTS_TASKS
        or resource_type not in EXECUTION_ROLE_PERMISSIONS
    )


def _expanded(dependencies: Sequence[Any], dependent_type: str) -> list[Any]:
    """The dependencies a resource of ``dependent_type`` registers with (``waits_for``); anything
    but a resource (an Output the SDK resolves) as it is."""
    return [
        w
        for d in dependencies
        for w in (waits_for(d, dependent_type) if isinstance(d, pulumi.Resource) else [d])
    ]


def register_stack(plan: StackPlan) -> dict[str, Any]:
    """Register every top-level component of the plan with the children the plan holds; return its
    exports with ``OutputRef`` values replaced by the registered resources' outputs."""
    registered: dict[str, Any] = {}
    for resource, subtree in _subtrees(plan.resources):
        if not resource.is_component:
            raise ValueError(f"top-level {resource.name!r} is not an ecr-share component")
        registered[resource.key] = component_class(resource.type).from_plan(
            resource,
            subtree,
            pulumi.ResourceOptions(depends_on=[registered[d] for d in resource.depends_on]),
            registered,
        )
    return {name: _resolve(value, registered) for name, value in plan.exports.items()}


def _aliases(
    aliases: Sequence[Alias], type_: str, name: str, parent_type: str | None
) -> list[pulumi.Alias | str]:
    """The planned aliases as the SDK takes them: each as the URN the engine would compute from its
    spec, once the parent's URN type is known (``parent_type``; "" for the stack itself), else as
    the spec. Both mean the same to the engine, a parent's aliases carried over to its children
    included (its step generator's ``collapseAliasToUrn`` returns a given URN as it is, and carries
    the alias a parent was found under over to its children either way). A URN is cheap: the SDK
    resolves each ``pulumi.Alias`` through a chain of Outputs, about 30 event-loop callbacks under
    mocks (registering a whole component takes 35), against 5 for a URN."""
    if parent_type is None:
        # Unset fields must stay unset (not None): Pulumi then takes the resource's own name or type.
        return [
            pulumi.Alias(**{k: v for k, v in (("name", a.name), ("type_", a.type)) if v is not None})
            for a in aliases
        ]
    return [alias_urn(parent_type, a.type or type_, a.name or name) for a in aliases]


def alias_urn(parent_type: str, type_: str, name: str) -> str:
    """The URN of an earlier identity under the same parent, in this stack and project, as the
    engine builds it (``resource.NewURN``): the parent's URN type, ``$``, the type, ``::``, the name."""
    return f"urn:pulumi:{pulumi.get_stack()}::{pulumi.get_project()}::{qualified_type(parent_type, type_)}::{name}"


def qualified_type(parent_type: str | None, type_: str) -> str | None:
    """A resource's URN type: its parents' types and its own, ``$``-separated; the stack itself is
    left out. None while the parent's is unknown."""
    if parent_type is None:
        return None
    return f"{parent_type}${type_}" if parent_type else type_


def _parent_type(parent: pulumi.Resource | None) -> str | None:
    """The URN type of a component's parent: "" for the stack itself (no parent given), a planned
    component's own, and None for any other parent: its type chain is not known here."""
    if parent is None:
        return ""
    if isinstance(parent, PlannedComponent):
        return parent._qualified_type
    return None


def _resolve(value: Any, registered: Mapping[str, pulumi.Resource]) -> Any:
    """A planned value with each ``OutputRef`` replaced by that registered resource's output."""
    if isinstance(value, OutputRef):
        return getattr(registered[value.resource], value.attribute)
    if isinstance(value, Mapping):
        return {k: _resolve(v, registered) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_resolve(v, registered) for v in value]
    return value
