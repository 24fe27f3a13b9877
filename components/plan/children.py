"""What each ecr-share component registers: the same pure functions the components call, so a stack
plan lists exactly the resources the components will register."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import Any

from components.catalog import args_functions, children_functions
from components.plan.model import Resource

# Type token -> the pure function the component of that type registers the result of.
CHILDREN = children_functions()
# Type token -> how its model reads as the component's args.
ARGS = args_functions()


def with_children(component: Resource) -> Iterator[Resource]:
    """The component, then everything it registers, nested components included. Like the registrar,
    its children wait for whatever the component waits for."""
    yield component
    for child in CHILDREN[component.type](component.name, component.model):
        child = replace(child, depends_on=(*component.depends_on, *child.depends_on))
        if child.is_component:
            yield from with_children(child)
        else:
            yield child


def component_args(component: Resource) -> Mapping[str, Any]:
    """A planned component's model as the args (Python names) a program would pass for it."""
    return ARGS[component.type](component.model)


def expanded(components: Iterable[Resource]) -> tuple[Resource, ...]:
    """A stack's top-level components with everything they register, parents before children."""
    return tuple(r for component in components for r in with_children(component))
