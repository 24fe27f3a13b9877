"""Task definitions in production stacks run images pinned by digest, so what runs is exactly what
was tested and scanned, even if a tag is ever pushed again. Every task definition's containers pass
the AWS Security Hub ECS controls the program's own task definitions pass (docs/consumers.md, "Security
Hub ECS controls"): a read-only root filesystem (ECS.5, advisory, as the program only warns when a
service opts out), never privileged (ECS.4) and no secret-like environment variables (ECS.8).

Which stacks are production is the pack's config: stack names (shell patterns) matched against the
stack in each resource's URN, and stack tags (``pulumi stack tag set``) the engine passes to the pack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from pulumi_policy import EnforcementLevel, PolicyConfigSchema, ResourceValidationArgs

from components.aws.rules import AWS_ACCESS_KEY_ID, SECRET_LIKE_ENV_NAME
from ecr_security.aws import IMAGE_DIGEST
from ecr_security.base import Options, resource_policy
from ecr_security.values import matches_any, prop, stack_of

TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def is_production(args: ResourceValidationArgs, options: Options) -> bool:
    if matches_any(stack_of(args.urn), options["productionStacks"]):
        return True
    tags = options["productionStackTags"]
    return any(args.stack_tags.get(name) == value for name, value in tags.items())


def _pinned_by_digest(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    if not is_production(args, options):
        args.not_applicable(f"stack {stack_of(args.urn)!r} is not marked as production in the pack's config")
    for container in _containers(args):
        if isinstance(container, str):
            yield container
            continue
        image = str(container.get("image", ""))
        digest = image.rpartition("@")[2] if "@" in image else ""
        if not IMAGE_DIGEST.fullmatch(digest):
            yield (
                f"container {container.get('name')!r} runs {image or '(no image)'}, not pinned by digest: "
                "use <repository>@sha256:<digest> in a production stack"
            )


def _containers(args: ResourceValidationArgs) -> Iterator[dict[str, Any] | str]:
    """Each container definition (a dict), or one message when ``containerDefinitions`` is no JSON."""
    text = prop(args.props, "containerDefinitions")
    try:
        containers = json.loads(text) if isinstance(text, str) else text
    except ValueError as e:
        yield f"containerDefinitions is not JSON ({e})"
        return
    for container in containers if isinstance(containers, list) else []:
        yield container if isinstance(container, dict) else {}


pinned_by_digest = resource_policy(
    "ecs-image-pinned-by-digest",
    "Task definitions in production stacks (the pack's productionStacks or productionStackTags) run "
    "every container image by digest: write <repository>@sha256:<digest> instead of a tag.",
    (TASK_DEFINITION,),
    _pinned_by_digest,
    schema=PolicyConfigSchema(
        properties={
            "productionStacks": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
                "description": "Production stack names, shell patterns allowed (prod, prod-*), matched against "
                "the stack name in each resource's URN.",
            },
            "productionStackTags": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "default": {},
                "description": 'Stack tags that mark a production stack, e.g. {"environment": "production"}: '
                "a stack with any of these tags at that value is production.",
            },
        }
    ),
)


def _read_only_root_filesystem(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    for container in _containers(args):
        if isinstance(container, str):
            yield container
        elif container.get("readonlyRootFilesystem") is not True:
            setting = "false" if "readonlyRootFilesystem" in container else "not set"
            yield (
                f"container {container.get('name')!r} may write to its root filesystem (readonlyRootFilesystem "
                f"is {setting}; AWS Security Hub ECS.5): set it to true and mount the paths the application "
                "writes to as volumes"
            )


def _not_privileged(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    for container in _containers(args):
        if isinstance(container, str):
            yield container
        elif container.get("privileged") is True:
            yield (
                f"container {container.get('name')!r} is privileged (root on the host; AWS Security Hub "
                "ECS.4): remove privileged"
            )


def secret_like_variables(environment: Any) -> list[str]:
    """The names of the environment variables that look like secrets: by name, or by a value that is
    an AWS access key ID. Values are never shown: they may be the secrets."""
    found = []
    for variable in environment if isinstance(environment, list) else []:
        name = str(variable.get("name", "")) if isinstance(variable, dict) else ""
        value = str(variable.get("value", "")) if isinstance(variable, dict) else ""
        if SECRET_LIKE_ENV_NAME.search(name) or AWS_ACCESS_KEY_ID.search(value):
            found.append(name)
    return found


def _no_environment_secrets(args: ResourceValidationArgs, options: Options) -> Iterator[str]:
    for container in _containers(args):
        if isinstance(container, str):
            yield container
            continue
        names = secret_like_variables(container.get("environment"))
        if names:
            yield (
                f"container {container.get('name')!r} has environment variables that look like secrets "
                f"({', '.join(names)}; AWS Security Hub ECS.8): pass them as the container's secrets, from "
                "Secrets Manager or SSM Parameter Store, instead"
            )


read_only_root_filesystem = resource_policy(
    "ecs-read-only-root-filesystem",
    "Every container of a task definition has a read-only root filesystem (readonlyRootFilesystem: "
    "true; Security Hub ECS.5); the paths it writes to are volumes. Advisory: an image that cannot be "
    "told where to write may need the opt-out, which ecr-share's own config only warns about.",
    (TASK_DEFINITION,),
    _read_only_root_filesystem,
    level=EnforcementLevel.ADVISORY,
)
not_privileged = resource_policy(
    "ecs-not-privileged",
    "No container of a task definition is privileged (Security Hub ECS.4): remove privileged, or set "
    "it to false.",
    (TASK_DEFINITION,),
    _not_privileged,
)
no_environment_secrets = resource_policy(
    "ecs-no-environment-secrets",
    "No container of a task definition has an environment variable whose name looks like a secret "
    "(SECRET, PASSWORD, TOKEN, API_KEY, ACCESS_KEY, PRIVATE_KEY, CREDENTIAL) or whose value is an AWS "
    "access key ID (Security Hub ECS.8): secrets go in the container's secrets.",
    (TASK_DEFINITION,),
    _no_environment_secrets,
)
