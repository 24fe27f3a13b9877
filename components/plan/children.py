"""What each ecr-share component registers: the same pure functions the components call, so a stack
plan lists exactly the resources the components will register."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from typing import Any

from components.consumers.resources import (
    ATTACHED_PULL_POLICY,
    FARGATE_TASK_DEFINITION,
    PULL_EXECUTION_ROLE,
    attached_pull_policy_resources,
    fargate_task_definition_resources,
    pull_execution_role_resources,
)
from components.plan.model import Resource
from components.replication.resources import (
    REGISTRY_REPLICATION,
    REPLICA_REPOSITORY_SETTINGS,
    REPLICATION_RECEIVER,
    registry_replication_resources,
    replica_repository_settings_resources,
    replication_receiver_resources,
)
from components.repositories.resources import SHARED_REPOSITORIES, shared_repositories_resources

CHILDREN: dict[str, Callable[[str, Any], tuple[Resource, ...]]] = {
    SHARED_REPOSITORIES: shared_repositories_resources,
    PULL_EXECUTION_ROLE: pull_execution_role_resources,
    ATTACHED_PULL_POLICY: attached_pull_policy_resources,
    FARGATE_TASK_DEFINITION: fargate_task_definition_resources,
    REGISTRY_REPLICATION: registry_replication_resources,
    REPLICA_REPOSITORY_SETTINGS: replica_repository_settings_resources,
    REPLICATION_RECEIVER: replication_receiver_resources,
}


def with_children(component: Resource) -> Iterator[Resource]:
    """The component, then everything it registers, nested components included. Like the registrar,
    its children wait for whatever the component waits for."""
    yield component
    for child in CHILDREN[component.type](component.name, component.inputs):
        child = replace(child, depends_on=(*component.depends_on, *child.depends_on))
        if child.is_component:
            yield from with_children(child)
        else:
            yield child


def expanded(components: Iterable[Resource]) -> tuple[Resource, ...]:
    """A stack's top-level components with everything they register, parents before children."""
    return tuple(r for component in components for r in with_children(component))
