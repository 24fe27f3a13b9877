"""Task definitions in production stacks run images pinned by digest, so what runs is exactly what
was tested and scanned, even if a tag is ever pushed again.

Which stacks are production is the pack's config: stack names (shell patterns) matched against the
stack in each resource's URN, and stack tags (``pulumi stack tag set``) the engine passes to the pack.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from pulumi_policy import PolicyConfigSchema, ResourceValidationArgs

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
    text = prop(args.props, "containerDefinitions")
    try:
        containers = json.loads(text) if isinstance(text, str) else text
    except ValueError as e:
        yield f"containerDefinitions is not JSON ({e})"
        return
    for container in containers if isinstance(containers, list) else []:
        image = str(container.get("image", "")) if isinstance(container, dict) else ""
        digest = image.rpartition("@")[2] if "@" in image else ""
        if not IMAGE_DIGEST.fullmatch(digest):
            name = container.get("name") if isinstance(container, dict) else None
            yield (
                f"container {name!r} runs {image or '(no image)'}, not pinned by digest: "
                "use <repository>@sha256:<digest> in a production stack"
            )


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
