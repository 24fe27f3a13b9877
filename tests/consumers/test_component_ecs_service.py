"""``FargateTaskDefinition``'s args stay host-shaped with ``ecs_service``: the Pulumi component
host's own analyzer reads them as an optional nested type of plain, documented properties."""

from __future__ import annotations

from pulumi.provider.experimental.analyzer import Analyzer, PropertyType

from components.consumers.component import FargateTaskDefinition


def test_the_component_host_reads_ecs_service_as_an_optional_nested_type() -> None:
    result = Analyzer("ecr-share").analyze([FargateTaskDefinition])
    ecs_service = result["component_definitions"]["FargateTaskDefinition"].inputs["ecsService"]
    assert (ecs_service.optional, ecs_service.ref) == (True, "#/types/ecr-share:index:EcsServiceSettings")
    properties = result["type_definitions"]["EcsServiceSettings"].properties
    assert {name: (p.type, p.optional) for name, p in properties.items()} == {
        "clusterArn": (PropertyType.STRING, False),
        "subnets": (PropertyType.ARRAY, False),
        "securityGroups": (PropertyType.ARRAY, False),
        "desiredCount": (PropertyType.INTEGER, False),
        "assignPublicIp": (PropertyType.BOOLEAN, False),
    }
    assert all(p.description for p in properties.values())
