"""Every ecr-share component for every Pulumi language: the component provider that
``provider/__main__.py`` (the plugin ``pulumi package add`` runs) serves.

It is the SDK's ``ComponentProvider``, the provider ``component_provider_host`` starts: the same
analyzer, schema and construct path. One step is added: a component's inputs are checked with the
component's own checks (``components.args``) before it is constructed, so a bad input comes back to
the calling program as an input property error naming the property. The stock provider would only
see the error once raised inside the constructor, where it wraps every exception as a crash with a
traceback (``ComponentInitError``).

``python -m components.provider schema`` prints the package schema (what ``pulumi package
get-schema provider`` prints); ``... reference`` prints the README's inputs and outputs tables.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Any

from pulumi import InputPropertiesError, Inputs, ResourceOptions
from pulumi.provider import ConstructResult, main
from pulumi.provider.experimental.component import ComponentProvider

from components.catalog import component_classes
from components.errors import ConfigError
from components.plan.register import PlannedComponent
from components.project import PROJECT, VERSION

COMPONENTS: tuple[type[PlannedComponent], ...] = component_classes()


class EcrShareProvider(ComponentProvider):
    """The ``ecr-share`` package: every component, its inputs checked before construction."""

    def __init__(self) -> None:
        super().__init__(list(COMPONENTS), PROJECT, version=VERSION)

    def construct(
        self, name: str, resource_type: str, inputs: Inputs, options: ResourceOptions | None = None
    ) -> ConstructResult:
        self.validate_resource_type(self._name, resource_type)
        component = self._components.get(resource_type.rsplit(":", 1)[-1])
        checks = getattr(component, "_args", None)
        if component is not None and checks is not None:
            # The inputs in Python names, required ones present: what the constructor would get.
            args = self.map_inputs(inputs, self._component_defs[component.__name__])
            try:
                checks.check_schema_args(args)
            except ConfigError as error:
                raise InputPropertiesError(
                    f'{component.__name__} "{name}": {error}',
                    [{"property_path": error.key, "reason": str(error).removeprefix(f"{error.key}: ")}],
                ) from None
        return super().construct(name, resource_type, inputs, options)


def serve() -> None:
    """Run the provider as a plugin: a gRPC server for the engine address on the command line."""
    main(EcrShareProvider(), sys.argv[1:])


def package_schema() -> dict[str, Any]:
    """The package schema the provider serves, as the engine and ``pulumi package add`` get it."""
    schema: dict[str, Any] = json.loads(EcrShareProvider().schema or "{}")
    return schema


def reference(schema: dict[str, Any]) -> str:
    """Markdown tables of every component's inputs and outputs and of the types they use: the
    README's reference (tests/docs/test_component_reference.py keeps the two equal)."""
    sections = []
    for token, resource in schema["resources"].items():
        name = token.rsplit(":", 1)[-1]
        required = set(resource.get("requiredInputs", []))
        inputs = [
            (key, _type(prop, inputs=True), "yes" if key in required else "no", prop.get("description", ""))
            for key, prop in resource["inputProperties"].items()
        ]
        outputs = [
            (key, _type(prop), prop.get("description", "")) for key, prop in resource["properties"].items()
        ]
        sections.append(
            f"#### {name}\n\n{_summary(resource)}\n\n"
            + _table(("Input", "Type", "Required", "Description"), inputs)
            + "\n\n"
            + _table(("Output", "Type", "Description"), outputs)
        )
    for token, type_ in schema["types"].items():
        required = set(type_.get("required", []))
        fields = [
            (key, _type(prop, inputs=True), "yes" if key in required else "no", prop.get("description", ""))
            for key, prop in type_["properties"].items()
        ]
        sections.append(
            f"#### {token.rsplit(':', 1)[-1]} (type)\n\n{_summary(type_)}\n\n"
            + _table(("Field", "Type", "Required", "Description"), fields)
        )
    return "\n\n".join(sections) + "\n"


def _summary(entry: dict[str, Any]) -> str:
    """The description's first paragraph, on one line."""
    return _cell(" ".join(entry.get("description", "").split("\n\n")[0].split()))


def _type(prop: dict[str, Any], inputs: bool = False) -> str:
    if "$ref" in prop:
        shown = f"`{prop['$ref'].rsplit(':', 1)[-1]}`"
    elif prop.get("type") == "array":
        shown = f"list of {_type(prop['items'])}"
    elif "additionalProperties" in prop:
        shown = f"map of {_type(prop['additionalProperties'])}"
    else:
        shown = str(prop["type"])
    # Inputs are plain values unless the schema says they may be outputs of other resources.
    return f"{shown} (Input)" if inputs and not prop.get("plain") else shown


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| `" + row[0] + "` | " + " | ".join(_cell(c) for c in row[1:]) + " |" for row in rows]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;").replace("*", "\\*")


def cli(argv: Sequence[str]) -> int:
    if list(argv) == ["schema"]:
        print(json.dumps(package_schema(), indent=2))
        return 0
    if list(argv) == ["reference"]:
        print(reference(package_schema()), end="")
        return 0
    print("usage: python -m components.provider schema|reference", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(cli(sys.argv[1:]))
