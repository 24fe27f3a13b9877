"""The environment stack's ``services`` and ``logRetentionDays`` keys."""

from __future__ import annotations

from typing import Any

from components.aws import rules
from components.config import values
from components.consumers.model import ServiceSpec
from components.errors import ConfigError

SERVICE_KEYS = ("name", "repository", "imageTag", "imageDigest", "cpu", "memory", "containerPort")
DEFAULT_LOG_RETENTION_DAYS = 30


def parse_services(full_key: str, value: Any) -> tuple[ServiceSpec, ...]:
    entries = values.sequence(full_key, value)
    services = tuple(parse_service(f"{full_key}[{i}]", entry) for i, entry in enumerate(entries))
    values.unique(full_key, [s.name for s in services], "service name")
    return services


def parse_service(full_key: str, value: Any) -> ServiceSpec:
    settings = values.mapping(full_key, value, SERVICE_KEYS)
    name = values.task_family(f"{full_key}.name", settings.get("name"))
    if ("imageTag" in settings) == ("imageDigest" in settings):
        raise ConfigError(full_key, value, "must set exactly one of imageTag or imageDigest")
    cpu = values.integer(f"{full_key}.cpu", settings.get("cpu"))
    memory = values.integer(f"{full_key}.memory", settings.get("memory"))
    values.fargate_size(full_key, cpu, memory)
    tag = settings.get("imageTag")
    digest = settings.get("imageDigest")
    return ServiceSpec(
        name=name,
        repository=values.repository_name(f"{full_key}.repository", settings.get("repository")),
        cpu=cpu,
        memory=memory,
        container_port=values.port(f"{full_key}.containerPort", settings.get("containerPort")),
        image_tag=None if tag is None else values.image_tag(f"{full_key}.imageTag", tag),
        image_digest=None if digest is None else values.image_digest(f"{full_key}.imageDigest", digest),
    )


def parse_log_retention(full_key: str, value: Any) -> int:
    retention = values.integer(full_key, DEFAULT_LOG_RETENTION_DAYS if value is None else value)
    if retention not in rules.LOG_RETENTION_DAYS:
        raise ConfigError(
            full_key,
            retention,
            f"is not a CloudWatch Logs retention ({', '.join(map(str, rules.LOG_RETENTION_DAYS))})",
        )
    return retention
