"""Registration of a plan: the only place that turns planned ``Resource`` records into Pulumi
resources. Nothing is decided here; every name, input and dependency comes from the plan."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, cast

import pulumi
import pulumi_aws as aws

from components.plan.model import Alias, OutputRef, Resource, StackPlan, key

# Every pulumi-aws resource type a plan may hold, and the class that registers it.
PROVIDER_CLASSES: dict[str, Callable[..., pulumi.CustomResource]] = {
    "aws:ecr/repository:Repository": aws.ecr.Repository,
    "aws:ecr/repositoryPolicy:RepositoryPolicy": aws.ecr.RepositoryPolicy,
    "aws:ecr/replicationConfiguration:ReplicationConfiguration": aws.ecr.ReplicationConfiguration,
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": aws.ecr.RepositoryCreationTemplate,
    "aws:ecr/registryScanningConfiguration:RegistryScanningConfiguration": aws.ecr.RegistryScanningConfiguration,
    "aws:ecr/registryPolicy:RegistryPolicy": aws.ecr.RegistryPolicy,
    "aws:iam/role:Role": aws.iam.Role,
    "aws:iam/rolePolicy:RolePolicy": aws.iam.RolePolicy,
    "aws:iam/policy:Policy": aws.iam.Policy,
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": aws.iam.RolePolicyAttachment,
    "aws:cloudwatch/logGroup:LogGroup": aws.cloudwatch.LogGroup,
    "aws:ecs/taskDefinition:TaskDefinition": aws.ecs.TaskDefinition,
}


ComponentClass = Callable[[str, dict[str, Any], pulumi.ResourceOptions], "PlannedComponent"]


class PlannedComponent(pulumi.ComponentResource):
    """An ecr-share component: registers exactly the children its pure plan function computed from
    its args, with the component's own ``depends_on`` passed on to each of them."""

    # Type token -> the class, called as every component is: (name, args, opts).
    _classes: ClassVar[dict[str, ComponentClass]] = {}
    _type_token: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        PlannedComponent._classes[cls._type_token] = cast(ComponentClass, cls)

    def __init__(
        self,
        name: str,
        children: Sequence[Resource],
        opts: pulumi.ResourceOptions | None,
        aliases: Sequence[Alias] = (),
    ) -> None:
        own = pulumi.ResourceOptions(aliases=_aliases(aliases)) if aliases else None
        super().__init__(self._type_token, name, None, pulumi.ResourceOptions.merge(own, opts))
        outside = list(opts.depends_on) if opts is not None and isinstance(opts.depends_on, list) else []
        # Planned key -> what was registered for it, grandchildren of nested components included.
        self._registered: dict[str, pulumi.Resource] = {}
        for child in children:
            options = pulumi.ResourceOptions(
                parent=self._registered.get(child.parent or "", self),
                depends_on=[*outside, *(self._registered[d] for d in child.depends_on)],
                protect=child.protect or None,
                aliases=_aliases(child.aliases) or None,
            )
            if child.is_component:
                nested = PlannedComponent._classes[child.type](child.name, dict(child.inputs), options)
                self._registered[child.key] = nested
                self._registered.update(nested._registered)
            else:
                inputs = _resolve(dict(child.inputs), self._registered)
                self._registered[child.key] = PROVIDER_CLASSES[child.type](child.name, opts=options, **inputs)

    def registered(self, type_: str, name: str) -> Any:
        """A child (or grandchild) this component registered, by its planned type and name."""
        return self._registered[key(type_, name)]


def register_stack(plan: StackPlan) -> dict[str, Any]:
    """Register every top-level component of the plan; return its exports with ``OutputRef`` values
    replaced by the registered resources' outputs."""
    registered: dict[str, pulumi.Resource] = {}
    for resource in plan.children(None):
        if not resource.is_component:
            raise ValueError(f"top-level {resource.name!r} is not an ecr-share component")
        component = PlannedComponent._classes[resource.type](
            resource.name,
            dict(resource.inputs),
            pulumi.ResourceOptions(depends_on=[registered[d] for d in resource.depends_on]),
        )
        registered[resource.key] = component
        registered.update(component._registered)
    return {name: _resolve(value, registered) for name, value in plan.exports.items()}


def _aliases(aliases: Sequence[Alias]) -> list[pulumi.Alias | str]:
    # Unset fields must stay unset (not None): Pulumi then takes the resource's own name or type.
    return [
        pulumi.Alias(**{k: v for k, v in (("name", a.name), ("type_", a.type)) if v is not None})
        for a in aliases
    ]


def _resolve(value: Any, registered: Mapping[str, pulumi.Resource]) -> Any:
    """A planned value with each ``OutputRef`` replaced by that registered resource's output."""
    if isinstance(value, OutputRef):
        return getattr(registered[value.resource], value.attribute)
    if isinstance(value, Mapping):
        return {k: _resolve(v, registered) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_resolve(v, registered) for v in value]
    return value
