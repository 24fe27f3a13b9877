"""The ecr-share components, listed once. Everything else that lists them derives from here: the
package's public names (``components/__init__.py``), the provider's components
(``provider.COMPONENTS``), what each component registers (``plan.children.CHILDREN``) and the class
the registrar constructs for a planned component (``component_class``).

Nothing of a feature is imported until asked: ``import components`` reads this list, and the pure
modules and command lines load without the Pulumi SDKs.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from components.plan.model import COMPONENT_PREFIX, Resource

if TYPE_CHECKING:
    from components.plan.register import PlannedComponent


@dataclass(frozen=True)
class Component:
    """One component: its class in ``components.<feature>.component``, the pure function
    ``<name in snake case>_resources`` of ``components.<feature>.resources`` that computes what it
    registers, and the other public names of its module (its args types)."""

    name: str
    feature: str
    public: tuple[str, ...]

    @property
    def type_token(self) -> str:
        return COMPONENT_PREFIX + self.name

    @property
    def module(self) -> str:
        return f"components.{self.feature}.component"

    @property
    def resources_function(self) -> str:
        return self.snake_name + "_resources"

    @property
    def args_function(self) -> str:
        """``<name in snake case>_args`` of the same module: the model as the args that stand for it."""
        return self.snake_name + "_args"

    @property
    def check_function(self) -> str:
        """``check_<name in snake case>_args`` of ``components.<feature>.args``: the component's args
        in schema names -> its model (``components.args.ComponentArgs.check``)."""
        return f"check_{self.snake_name}_args"

    @property
    def snake_name(self) -> str:
        return re.sub(r"(?<!^)([A-Z])", r"_\1", self.name).lower()


CATALOG = (
    Component(
        "SharedRepositories",
        "repositories",
        ("SharedRepositoriesArgs", "RepositorySettings", "PullAccess", "LambdaAccountGrant", "image_uri"),
    ),
    Component("PullExecutionRole", "consumers", ("PullExecutionRoleArgs",)),
    Component("AttachedPullPolicy", "consumers", ("AttachedPullPolicyArgs",)),
    Component("FargateTaskDefinition", "consumers", ("FargateTaskDefinitionArgs", "EcsServiceSettings")),
    Component(
        "RegistryReplication",
        "replication",
        ("RegistryReplicationArgs", "ReplicationRuleSettings", "DestinationRegistry"),
    ),
    Component("ReplicaRepositorySettings", "replication", ("ReplicaRepositorySettingsArgs",)),
    Component("ReplicationReceiver", "replication", ("ReplicationReceiverArgs",)),
)
BY_TYPE = {c.type_token: c for c in CATALOG}
# Type token -> the class, filled on first use (never by importing a module); a test may add one.
CLASSES: dict[str, type[PlannedComponent]] = {}


def public_names() -> dict[str, str]:
    """Every public name of the package -> the module that defines it."""
    names = {"ArgsError": "components.args"}
    for component in CATALOG:
        names.update((name, component.module) for name in (component.name, *component.public))
    return names


def component_class(type_token: str) -> type[PlannedComponent]:
    """The class that registers a planned component of this type."""
    if type_token not in CLASSES:
        component = BY_TYPE[type_token]
        CLASSES[type_token] = getattr(importlib.import_module(component.module), component.name)
    return CLASSES[type_token]


def args_check(type_token: str) -> Callable[[dict[str, Any]], Any]:
    """The check of a component's args, its feature's ``args`` module imported on first use: only a
    component constructed from args (a program's, the provider's) needs it, never the registrar's."""
    component = BY_TYPE[type_token]
    check: Callable[[dict[str, Any]], Any] = getattr(
        importlib.import_module(f"components.{component.feature}.args"), component.check_function
    )
    return check


def component_classes() -> tuple[type[PlannedComponent], ...]:
    return tuple(component_class(c.type_token) for c in CATALOG)


def children_functions() -> dict[str, Callable[[str, Any], tuple[Resource, ...]]]:
    """Type token -> the pure function computing what a component of that type registers."""
    return {c.type_token: getattr(_resources_module(c), c.resources_function) for c in CATALOG}


def args_functions() -> dict[str, Callable[[Any], Mapping[str, Any]]]:
    """Type token -> the pure function rendering a component's model as its args (Python names)."""
    return {c.type_token: getattr(_resources_module(c), c.args_function) for c in CATALOG}


def _resources_module(component: Component) -> ModuleType:
    return importlib.import_module(f"components.{component.feature}.resources")
