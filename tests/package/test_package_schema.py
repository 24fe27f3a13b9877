"""The package schema other languages get (``pulumi package add`` generates their SDKs from it): the
SDK's analyzer accepts every component, and the schema says exactly what each one takes and returns,
with a description everywhere. No CLI needed: the analyzer and ``generate_schema`` are the SDK's own."""

from __future__ import annotations

import importlib
import json
import pkgutil
from typing import Any

import pytest
from pulumi.provider.experimental.analyzer import Analyzer
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.provider.experimental.schema import generate_schema

import components
from components.plan.model import COMPONENT_PREFIX
from components.plan.register import PlannedComponent
from components.project import PROJECT, VERSION
from components.provider import COMPONENTS, EcrShareProvider, package_schema

# Type shorthand: "string"; "list<T>"; "map<T>"; a name for a schema type. A trailing "*" marks an
# input that may be an Output of another resource (not plain): every other input is a plain value.
INPUTS: dict[str, dict[str, tuple[str, bool]]] = {
    "SharedRepositories": {
        "repositories": ("list<RepositorySettings>", True),
        "access": ("PullAccess", True),
        "region": ("string", True),
        "accountId": ("string", False),
        "kmsKey": ("KmsKeySettings", False),
    },
    "AttachedPullPolicy": {
        "policyName": ("string", True),
        "repositoryArns": ("list<string>", True),
        "roleNames": ("list<string>", True),
    },
    "PullExecutionRole": {
        "roleName": ("string", True),
        "accountId": ("string", True),
        "repositoryArns": ("list<string>", True),
        "logGroupArns": ("list<string>", True),
        "secretArns": ("list<string>", False),
        "parameterArns": ("list<string>", False),
        "decryptKeyArns": ("list<string>", False),
    },
    "FargateTaskDefinition": {
        "family": ("string", True),
        "image": ("string", True),
        "cpu": ("integer", True),
        "memory": ("integer", True),
        "containerPort": ("integer", True),
        "executionRoleArn": ("string*", True),
        "region": ("string", True),
        "logRetentionDays": ("integer", True),
        "readonlyRootFilesystem": ("boolean", False),
        "writablePaths": ("list<string>", False),
        "user": ("string", False),
        "secrets": ("list<ContainerSecretSettings>", False),
        "ecsService": ("EcsServiceSettings", False),
    },
    "RegistryReplication": {"rules": ("list<ReplicationRuleSettings>", True)},
    "ReplicaRepositorySettings": {
        "templatePrefixes": ("list<string>", True),
        "filters": ("list<string>", True),
        "description": ("string", True),
        "registryScanning": ("RegistryScanningSettings", False),
        "grant": ("ReplicaGrant", False),
        "region": ("string", False),
        "imageTagMutability": ("string", False),
        "imageTagMutabilityExclusionFilters": ("list<string>", False),
        "lifecyclePolicy": ("string", False),
        "kms": ("ReplicaKeySettings", False),
    },
    "ReplicationReceiver": {
        "sourceAccount": ("string", True),
        "accountId": ("string", True),
        "region": ("string", True),
        "filters": ("list<string>", True),
        "templatePrefixes": ("list<string>", True),
        "description": ("string", True),
        "registryScanning": ("RegistryScanningSettings", False),
        "access": ("PullAccess", False),
        "otherSources": ("list<ReplicationSourceSettings>", False),
        "registryPolicyStatements": ("list<string>", False),
        "imageTagMutability": ("string", False),
        "imageTagMutabilityExclusionFilters": ("list<string>", False),
        "lifecyclePolicy": ("string", False),
        "kms": ("ReplicaKeySettings", False),
    },
}
OUTPUTS: dict[str, dict[str, str]] = {
    "SharedRepositories": {
        "repositoryArns": "map<string>",
        "repositoryUrls": "map<string>",
        "registryId": "string",
    },
    "PullExecutionRole": {"arn": "string", "name": "string"},
    "AttachedPullPolicy": {"policyArn": "string"},
    "FargateTaskDefinition": {
        "arn": "string",
        "family": "string",
        "image": "string",
        "logGroupName": "string",
        "logGroupArn": "string",
    },
    "RegistryReplication": {"registryId": "string"},
    "ReplicaRepositorySettings": {"templatePrefixes": "list<string>", "registryId": "string"},
    "ReplicationReceiver": {
        "registryPolicy": "string",
        "registryId": "string",
        "templatePrefixes": "list<string>",
    },
}
TYPES: dict[str, dict[str, tuple[str, bool]]] = {
    "RepositorySettings": {
        "name": ("string", True),
        "scanOnPush": ("boolean", False),
        "imageTagMutability": ("string", False),
        "imageTagMutabilityExclusionFilters": ("list<string>", False),
        "encryption": ("string", False),
        "kmsKey": ("string", False),
        "stackKey": ("boolean", False),
        "lifecyclePolicy": ("string", False),
    },
    "KmsKeySettings": {"accountId": ("string", True), "deletionWindowDays": ("integer", False)},
    "ReplicaKeySettings": {
        "accountId": ("string", True),
        "region": ("string", True),
        "roleName": ("string", True),
        "repositoryArns": ("list<string>", True),
        "keyArn": ("string", False),
        "deletionWindowDays": ("integer", False),
    },
    "PullAccess": {
        "accounts": ("list<string>", False),
        "organizationId": ("string", False),
        "organizationPaths": ("list<string>", False),
        "roles": ("list<string>", False),
        "lambdaAccounts": ("list<LambdaAccountGrant>", False),
    },
    "LambdaAccountGrant": {
        "account": ("string", True),
        "region": ("string", False),
        "deployers": ("list<string>", False),
    },
    "ReplicaGrant": {
        "access": ("PullAccess", True),
        "accountId": ("string", True),
        "region": ("string", True),
    },
    "ReplicationRuleSettings": {
        "destinations": ("list<DestinationRegistry>", True),
        "filters": ("list<string>", False),
    },
    "DestinationRegistry": {"region": ("string", True), "account": ("string", True)},
    "RegistryScanningSettings": {
        "scanType": ("string", True),
        "rules": ("list<ScanningRuleSettings>", True),
    },
    "ScanningRuleSettings": {"scanFrequency": ("string", True), "filters": ("list<string>", True)},
    "ReplicationSourceSettings": {"account": ("string", True), "filters": ("list<string>", False)},
    "ContainerSecretSettings": {
        "name": ("string", True),
        "valueFrom": ("string", True),
        "kmsKey": ("string", False),
    },
    "EcsServiceSettings": {
        "clusterArn": ("string", True),
        "subnets": ("list<string>", True),
        "securityGroups": ("list<string>", True),
        "desiredCount": ("integer", True),
        "assignPublicIp": ("boolean", True),
    },
}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return package_schema()


def kind(prop: dict[str, Any]) -> str:
    if "$ref" in prop:
        return str(prop["$ref"]).removeprefix(f"#/types/{PROJECT}:index:")
    if prop["type"] == "array":
        return f"list<{kind(prop['items'])}>"
    if "additionalProperties" in prop:
        return f"map<{kind(prop['additionalProperties'])}>"
    return str(prop["type"])


def shape(props: dict[str, Any], required: list[str], inputs: bool = True) -> dict[str, tuple[str, bool]]:
    return {
        name: (kind(prop) + ("" if prop.get("plain") or not inputs else "*"), name in required)
        for name, prop in props.items()
    }


def test_the_sdk_analyzer_accepts_every_component_and_the_provider_serves_its_schema() -> None:
    result = Analyzer(PROJECT).analyze(list(COMPONENTS))
    spec = generate_schema(
        PROJECT,
        VERSION,
        None,
        result["component_definitions"],
        result["type_definitions"],
        sorted(result["dependencies"], key=lambda d: d.name),
    ).to_json()
    assert json.loads(EcrShareProvider().schema or "") == spec
    # Only the construct step differs from the provider component_provider_host would start.
    stock = ComponentProvider(list(COMPONENTS), PROJECT, version=VERSION)
    assert stock.schema == EcrShareProvider().schema


def test_the_package_is_ecr_share_at_the_package_version(schema: dict[str, Any]) -> None:
    assert (schema["name"], schema["version"]) == (PROJECT, VERSION)
    assert schema["dependencies"] == []


def test_every_component_is_in_the_package() -> None:
    """A new component cannot be left out of the provider or of ``import components``."""
    # Every component module of the package, whether the catalog names it or not.
    for module in pkgutil.walk_packages(components.__path__, "components."):
        if module.name.endswith(".component"):
            importlib.import_module(module.name)
    # Tests define components of their own (tests/plan/test_register.py): only the package's count.
    planned = {
        c._type_token
        for c in PlannedComponent.__subclasses__()
        if getattr(c, "__module__", "").startswith("components.")
    }
    assert all(token.startswith(COMPONENT_PREFIX) for token in planned)
    assert planned == {c._type_token for c in COMPONENTS}
    for component in COMPONENTS:
        assert getattr(components, component.__name__) is component


def test_each_component_has_its_token(schema: dict[str, Any]) -> None:
    assert sorted(schema["resources"]) == sorted(f"{PROJECT}:index:{name}" for name in INPUTS)
    for component in COMPONENTS:
        assert component._type_token == f"{PROJECT}:index:{component.__name__}"
        assert schema["resources"][component._type_token]["isComponent"] is True


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_each_components_inputs_types_and_required(schema: dict[str, Any], name: str) -> None:
    resource = schema["resources"][f"{PROJECT}:index:{name}"]
    assert shape(resource["inputProperties"], resource["requiredInputs"]) == INPUTS[name]


@pytest.mark.parametrize("name", sorted(OUTPUTS))
def test_each_components_outputs(schema: dict[str, Any], name: str) -> None:
    resource = schema["resources"][f"{PROJECT}:index:{name}"]
    # Every output is set once the component is constructed.
    assert shape(resource["properties"], resource["required"], inputs=False) == {
        output: (typ, True) for output, typ in OUTPUTS[name].items()
    }


def test_the_nested_types(schema: dict[str, Any]) -> None:
    found = {
        token.removeprefix(f"{PROJECT}:index:"): shape(t["properties"], t.get("required", []))
        for token, t in schema["types"].items()
    }
    assert found == TYPES


def described(schema: dict[str, Any]) -> list[tuple[str, Any]]:
    """Every component, type and property of the schema (list items and map values included)."""
    entries: list[tuple[str, Any]] = []

    def props(where: str, properties: dict[str, Any]) -> None:
        for name, prop in properties.items():
            for path, value in (
                (name, prop),
                (f"{name}[]", prop.get("items")),
                (f"{name}{{}}", prop.get("additionalProperties")),
            ):
                if value is not None:
                    entries.append((f"{where}.{path}", value))

    for token, resource in schema["resources"].items():
        entries.append((token, resource))
        props(f"{token} input", resource["inputProperties"])
        props(f"{token} output", resource["properties"])
    for token, type_ in schema["types"].items():
        entries.append((token, type_))
        props(token, type_["properties"])
    return entries


def test_every_component_type_and_property_has_a_description(schema: dict[str, Any]) -> None:
    entries = described(schema)
    properties = sum(len(group) for table in (INPUTS, OUTPUTS, TYPES) for group in table.values())
    assert len(entries) > len(INPUTS) + len(TYPES) + properties
    assert [where for where, entry in entries if not str(entry.get("description", "")).strip()] == []


def test_nested_types_are_named_for_what_they_are_never_args(schema: dict[str, Any]) -> None:
    """``*Args`` is a component's own args type; what nests in them is a ``*Settings`` or a noun."""
    names = [token.removeprefix(f"{PROJECT}:index:") for token in schema["types"]]
    assert names and [n for n in names if n.endswith("Args")] == []
