"""Enforcement levels and config, through the SDK's own analyzer servicer: the object the Pulumi CLI
talks to over gRPC once ``PolicyPack`` has started its server. Its methods are called directly with
the requests the CLI sends (GetAnalyzerInfo, Configure, Analyze, AnalyzeStack), so what is tested is
the SDK's handling of levels and config around the pack's policies, not a copy of it."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from ecr_security import PACK_NAME, POLICIES
from ecr_security.values import settings
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ResourceValidationPolicy
from pulumi_policy.policy import _PolicyAnalyzerServicer
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError

from tests.support.crossguard import Planned, resource_args, run_resource_policy

LEVELS = {
    EnforcementLevel.ADVISORY: proto.ADVISORY,
    EnforcementLevel.MANDATORY: proto.MANDATORY,
    EnforcementLevel.DISABLED: proto.DISABLED,
}
REPOSITORY = "aws:ecr/repository:Repository"
URN = f"urn:pulumi:dev::any::{REPOSITORY}::api"
MUTABLE = {
    "name": "api",
    "imageTagMutability": "MUTABLE",
    "encryptionConfigurations": [{"encryptionType": "AES256"}],
}


def servicer() -> _PolicyAnalyzerServicer:
    # As policy/__main__.py builds the pack (PolicyPack passes these to the servicer it serves).
    return _PolicyAnalyzerServicer(PACK_NAME, "0.0.1", list(POLICIES), EnforcementLevel.MANDATORY)


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(value)
    return message


def configure(analyzer: _PolicyAnalyzerServicer, config: dict[str, dict[str, Any]]) -> None:
    """What the CLI sends for --policy-pack-config: per policy, a level and the properties."""
    request = proto.ConfigureAnalyzerRequest()
    for name, values in config.items():
        options = {k: v for k, v in values.items() if k != "enforcementLevel"}
        level = LEVELS[EnforcementLevel(values.get("enforcementLevel", "mandatory"))]
        request.policyConfig[name].CopyFrom(
            proto.PolicyConfig(enforcementLevel=level, properties=struct(options))
        )
    analyzer.Configure(request, None)


def analyze(analyzer: _PolicyAnalyzerServicer, props: dict[str, Any], urn: str = URN) -> list[Any]:
    request = proto.AnalyzeRequest(type=REPOSITORY, properties=struct(props), urn=urn, name="api")
    return list(analyzer.Analyze(request, None).diagnostics)


def test_the_pack_describes_every_policy_with_its_level_and_options() -> None:
    info = servicer().GetAnalyzerInfo(None, None)
    described = {p.name: p for p in info.policies}
    assert list(described) == [p.name for p in POLICIES]
    for policy in POLICIES:
        sent = described[policy.name]
        assert sent.description == policy.description
        assert sent.enforcementLevel == LEVELS[policy.enforcement_level or EnforcementLevel.MANDATORY]
        schema = policy.config_schema.properties if policy.config_schema else {}
        sent_schema = json_format.MessageToDict(sent.configSchema.properties)
        assert sent_schema == json.loads(json.dumps(schema))
        assert all("description" in spec and "default" in spec for spec in schema.values())
    assert described["ecr-lifecycle-policy"].enforcementLevel == proto.ADVISORY


def test_a_violation_carries_the_policy_level_and_what_to_change() -> None:
    (diagnostic,) = [d for d in analyze(servicer(), MUTABLE) if d.policyName == "ecr-tags-immutable"]
    assert diagnostic.enforcementLevel == proto.MANDATORY
    assert diagnostic.message.endswith("\nimageTagMutability is MUTABLE: set it to IMMUTABLE")
    assert diagnostic.message.startswith("ECR repositories and creation templates keep tags immutable")


@pytest.mark.parametrize("level", [EnforcementLevel.ADVISORY, EnforcementLevel.MANDATORY])
def test_the_config_sets_a_policy_level(level: EnforcementLevel) -> None:
    analyzer = servicer()
    configure(analyzer, {"ecr-tags-immutable": {"enforcementLevel": level.value}})
    (diagnostic,) = [d for d in analyze(analyzer, MUTABLE) if d.policyName == "ecr-tags-immutable"]
    assert diagnostic.enforcementLevel == LEVELS[level]


def test_a_disabled_policy_does_not_run() -> None:
    analyzer = servicer()
    configure(analyzer, {"ecr-tags-immutable": {"enforcementLevel": "disabled"}})
    assert [d.policyName for d in analyze(analyzer, MUTABLE)] == []


def test_config_options_reach_the_policy() -> None:
    props = {
        **MUTABLE,
        "imageTagMutability": "IMMUTABLE_WITH_EXCLUSION",
        "imageTagMutabilityExclusionFilters": [{"filter": "latest", "filterType": "WILDCARD"}],
    }
    assert [d.policyName for d in analyze(servicer(), props)] == ["ecr-tags-immutable"]
    analyzer = servicer()
    configure(analyzer, {"ecr-tags-immutable": {"allowedExclusionFilters": ["latest"]}})
    assert analyze(analyzer, props) == []


def test_production_stacks_come_from_the_config_and_the_urn() -> None:
    task = {
        "family": "api",
        "containerDefinitions": json.dumps([{"name": "api", "image": "registry/api:v1"}]),
    }
    policy = next(p for p in POLICIES if p.name == "ecs-image-pinned-by-digest")
    assert isinstance(policy, ResourceValidationPolicy)
    args = resource_args(Planned("aws:ecs/taskDefinition:TaskDefinition", "api", task, stack="prod-eu"))
    assert run_resource_policy(policy, args) is None  # not applicable: no stack is production by default
    configured = {"productionStacks": ["prod-*"]}
    args = resource_args(
        Planned("aws:ecs/taskDefinition:TaskDefinition", "api", task, stack="prod-eu"), configured
    )
    assert run_resource_policy(policy, args) == [
        "container 'api' runs registry/api:v1, not pinned by digest: use <repository>@sha256:<digest> in a production stack"
    ]
    tagged = {"productionStackTags": {"environment": "production"}}
    args = resource_args(
        Planned("aws:ecs/taskDefinition:TaskDefinition", "api", task, stack="eu-1"),
        tagged,
        {"environment": "production"},
    )
    assert run_resource_policy(policy, args) == [
        "container 'api' runs registry/api:v1, not pinned by digest: use <repository>@sha256:<digest> in a production stack"
    ]


def test_defaults_come_from_the_schema_and_config_overrides_them() -> None:
    schema = PolicyConfigSchema(
        properties={"a": {"type": "array", "default": []}, "b": {"type": "boolean", "default": True}}
    )
    assert settings({}, schema) == {"a": [], "b": True}
    assert settings({"a": ["x"], "ignored": 1}, schema) == {"a": ["x"], "b": True}


def test_an_unknown_value_at_preview_is_an_advisory_note_not_a_crash() -> None:
    # During preview a value computed from another resource's output is unknown. Reading it raises the
    # SDK's UnknownValueError, which the servicer reports as "can't run policy ... during preview" at
    # advisory level; at `pulumi up` the value is known and the policy runs on it.
    diagnostics = analyze(servicer(), {**MUTABLE, "imageTagMutability": UNKNOWN_STRING_VALUE})
    (note,) = [d for d in diagnostics if d.policyName == "ecr-tags-immutable"]
    assert note.enforcementLevel == proto.ADVISORY
    assert "can't run policy 'ecr-tags-immutable'" in note.message
    assert "during preview: string value at .imageTagMutability can't be known during preview" in note.message


@pytest.mark.parametrize(
    "policy", [p for p in POLICIES if isinstance(p, ResourceValidationPolicy)], ids=lambda p: p.name
)
def test_every_resource_policy_lets_an_unknown_document_through_as_unknown(
    policy: ResourceValidationPolicy,
) -> None:
    # Every property a policy reads, unknown: the policy raises the SDK's UnknownValueError (which the
    # servicer turns into the note above) or finds nothing to judge; it never fails another way.
    kinds = {
        "aws:ecr/repository:Repository": ["imageTagMutability", "encryptionConfigurations", "forceDelete"],
        "aws:ecr/repositoryPolicy:RepositoryPolicy": ["policy"],
        "aws:ecr/registryPolicy:RegistryPolicy": ["policy"],
        "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": [
            "repositoryPolicy",
            "imageTagMutability",
        ],
        "aws:iam/role:Role": ["managedPolicyArns", "inlinePolicies"],
        "aws:iam/rolePolicy:RolePolicy": ["policy"],
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["policyArn"],
        "aws:ecs/taskDefinition:TaskDefinition": ["containerDefinitions"],
    }
    config = {"productionStacks": ["*"]}
    for kind, names in kinds.items():
        props = dict.fromkeys(names, UNKNOWN_STRING_VALUE)
        with contextlib.suppress(UnknownValueError):
            run_resource_policy(policy, resource_args(Planned(kind, "r", props), config))
