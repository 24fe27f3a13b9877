"""Plain records for a stack's plan: every resource with its inputs, parents and dependencies."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from components.aws.rules import lazy_pattern

COMPONENT_PREFIX = "ecr-share:index:"


@dataclass(frozen=True)
class Resource:
    """One registration: an ecr-share component (its ``model``) or a pulumi-aws resource (its
    ``inputs``: the keyword arguments its Python class takes). Inputs are plain JSON values; policy documents
    are the exact JSON text that is sent."""

    type: str
    """The Pulumi type token, e.g. ``aws:ecr/repository:Repository``."""
    name: str
    """The logical name. Like Pulumi, a plan tells resources apart by type and name (``key``)."""
    inputs: Mapping[str, Any] = field(default_factory=dict)
    """A provider resource's inputs; none for a component, which has its ``model``."""
    parent: str | None = None
    """The key of the parent; ``None`` for the stack itself."""
    depends_on: tuple[str, ...] = ()
    """Keys of the resources this registration waits for, beyond its parent."""
    protect: bool = False
    aliases: tuple[Alias, ...] = ()
    """Earlier identities, so that a rename keeps the URN (and, for a component, its children's)."""
    model: Any = None
    """A component's model (its feature's record): what the component registers from."""

    @property
    def key(self) -> str:
        return key(self.type, self.name)

    @property
    def is_component(self) -> bool:
        return self.type.startswith(COMPONENT_PREFIX)


@dataclass(frozen=True)
class Alias:
    """An earlier name or type token of a resource (``pulumi.Alias``)."""

    name: str | None = None
    type: str | None = None


def key(type_: str, name: str) -> str:
    """How a plan names one resource: its type token and logical name, as Pulumi tells them apart."""
    return f"{type_}::{name}"


@dataclass(frozen=True)
class OutputRef:
    """A value that exists only once deployed: an output attribute of a planned resource (its Python
    name, e.g. ``arn``). Used in stack outputs, and in inputs that must follow another resource (an
    ECS service runs its task definition's latest revision); the registrar passes the resource's
    output, which also makes the registration depend on it."""

    resource: str
    """The resource's key."""
    attribute: str


def output_refs(value: Any) -> Iterator[OutputRef]:
    """Every ``OutputRef`` inside a planned value (inputs, exports)."""
    if isinstance(value, OutputRef):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from output_refs(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from output_refs(item)


@dataclass(frozen=True)
class StackPlan:
    """Everything one stack registers and exports. ``resources`` lists parents before children."""

    stack: str
    kind: str
    account_id: str
    region: str
    resources: tuple[Resource, ...]
    exports: Mapping[str, Any]
    """Plain values, or ``OutputRef`` (also inside maps) for values known only after deployment."""
    warnings: tuple[str, ...] = ()
    _by_key: dict[str, Resource] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        by_key: dict[str, Resource] = {}
        for resource in self.resources:
            if resource.key in by_key:
                raise ValueError(f"two planned resources are {resource.key}")
            refs = (r.resource for r in output_refs(resource.inputs))
            for needed in (resource.parent, *resource.depends_on, *refs):
                if needed is not None and needed not in by_key:
                    raise ValueError(f"{resource.key} is planned before {needed}, which it needs")
            by_key[resource.key] = resource
        object.__setattr__(self, "_by_key", by_key)

    def resource(self, key_: str) -> Resource:
        return self._by_key[key_]

    def named(self, type_: str, name: str) -> Resource:
        return self._by_key[key(type_, name)]

    def of_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_]

    def children(self, parent: str | None) -> list[Resource]:
        return [r for r in self.resources if r.parent == parent]

    def provider_resources(self) -> Iterator[Resource]:
        return (r for r in self.resources if not r.is_component)

    def region_of(self, resource: Resource) -> str:
        """Where a resource lands: its own ``region`` input, else the stack's Region."""
        region = resource.inputs.get("region")
        return region if isinstance(region, str) else self.region


_WORD = lazy_pattern(r"_([a-z0-9])")


def engine_name(python_name: str) -> str:
    """``image_tag_mutability`` -> ``imageTagMutability``: the name the engine and policy packs see."""
    return _WORD.sub(lambda m: m.group(1).upper(), python_name)


def engine_inputs(value: Any) -> Any:
    """Planned inputs as the engine receives them: property names camelCased at every level."""
    if isinstance(value, Mapping):
        return {engine_name(k): engine_inputs(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [engine_inputs(v) for v in value]
    return value
