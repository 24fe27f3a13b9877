"""Which image each repository gets in a release, and the config that pins every service to it.

A release names one image per repository (``--image web-app=v2``, ``--image worker@sha256:...``,
``--image-tag`` or the git commit for the rest). The registry resolves each to its digest, and every
environment service is pinned to its own repository's digest (``imageDigest``): two repositories
never share a digest, and every stage runs exactly the bytes that were checked. Pure: no AWS.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from components.config import values
from components.errors import ConfigError
from components.pipeline.stacks import SERVICES_KEY, PipelineError, StackInfo

DIGEST_KEY = "imageDigest"
TAG_KEY = "imageTag"


@dataclass(frozen=True)
class ImageRequest:
    """The image a release asks for in one repository: a tag to resolve, or a digest to check."""

    repository: str
    tag: str | None = None
    digest: str | None = None

    def describe(self) -> str:
        return f"{self.repository}@{self.digest}" if self.digest else f"{self.repository}:{self.tag}"


def parse_image(flag: str) -> ImageRequest:
    """``web-app=v2.1.0`` or ``web-app@sha256:<64 hex>``, each part checked with the program's rules."""
    try:
        if "@" in flag:
            repository, digest = flag.split("@", 1)
            return ImageRequest(
                values.repository_name("--image", repository), digest=values.image_digest("--image", digest)
            )
        if "=" in flag:
            repository, tag = flag.split("=", 1)
            return ImageRequest(
                values.repository_name("--image", repository), tag=values.image_tag("--image", tag)
            )
    except ConfigError as error:
        raise PipelineError(str(error)) from None
    raise PipelineError(f'--image: "{flag}" is not REPOSITORY=TAG or REPOSITORY@sha256:<digest>')


def repositories_run_by(stacks: Iterable[StackInfo]) -> list[str]:
    """The repositories the services of these environment stacks run, in order of first use."""
    names: dict[str, None] = {}
    for stack in stacks:
        for service in stack.services:
            repository = service.get("repository")
            if isinstance(repository, str):
                names.setdefault(repository, None)
    return list(names)


def image_requests(
    used: Sequence[str],
    known: Sequence[str],
    flags: Sequence[ImageRequest],
    default_tag: str | None,
    default_source: str,
) -> list[ImageRequest]:
    """One request per repository the release runs: its ``--image``, else the default tag."""
    chosen: dict[str, ImageRequest] = {}
    for request in flags:
        if request.repository in chosen:
            raise PipelineError(f"--image names repository {request.repository} twice")
        if request.repository not in known:
            raise PipelineError(
                f"--image {request.describe()}: the build stack has no repository {request.repository} "
                f"(repositories: {', '.join(known)})"
            )
        chosen[request.repository] = request
    requests = []
    for repository in used:
        if repository in chosen:
            requests.append(chosen[repository])
        elif default_tag is not None:
            requests.append(ImageRequest(repository, tag=default_tag))
        else:
            raise PipelineError(
                f"no image for repository {repository}: {default_source}; pass --image {repository}=TAG, "
                "--image-tag TAG or --keep-images"
            )
    return requests


@dataclass(frozen=True)
class ConfigChange:
    """Path config to set on one stack (``ecr-share:services[0].imageDigest``) and path keys to remove."""

    set: dict[str, str] = field(default_factory=dict)
    remove: tuple[str, ...] = ()


def digest_pins(stack: StackInfo, digests: Mapping[str, str]) -> ConfigChange:
    """Pin every service of an environment stack to its repository's digest; drop its tag."""
    changes: dict[str, str] = {}
    removals: list[str] = []
    for index, service in enumerate(stack.services):
        prefix = f"{SERVICES_KEY}[{index}]"
        changes[f"{prefix}.{DIGEST_KEY}"] = digests[service["repository"]]
        if TAG_KEY in service:
            removals.append(f"{prefix}.{TAG_KEY}")
    return ConfigChange(set=changes, remove=tuple(removals))


def with_digests(config: Mapping[str, Any], digests: Mapping[str, str]) -> dict[str, Any]:
    """The stack config as it is once ``digest_pins`` is applied."""
    updated = copy.deepcopy(dict(config))
    for service in updated.get(SERVICES_KEY) or []:
        service.pop(TAG_KEY, None)
        service[DIGEST_KEY] = digests[service["repository"]]
    return updated


def with_requests(config: Mapping[str, Any], requests: Sequence[ImageRequest]) -> dict[str, Any]:
    """The stack config with each service's image as requested (a tag or a digest), for the checks
    that run before the registry is asked."""
    by_repository = {r.repository: r for r in requests}
    updated = copy.deepcopy(dict(config))
    for service in updated.get(SERVICES_KEY) or []:
        request = by_repository.get(service.get("repository"))
        if request is None:
            continue
        service.pop(TAG_KEY, None)
        service.pop(DIGEST_KEY, None)
        service.update({DIGEST_KEY: request.digest} if request.digest else {TAG_KEY: request.tag})
    return updated


def digests_running(stack: str, images: Any) -> dict[str, str]:
    """Repository -> digest, from a deployed environment's ``images`` output (service name ->
    ``<registry>/<repository>@sha256:...``). Its registry may be a replica: replication keeps
    names and digests, so the repository and digest are what carry over."""
    if not isinstance(images, Mapping) or not images:
        raise PipelineError(f"stack {stack} has no images output: deploy it with this pipeline first")
    digests: dict[str, str] = {}
    for service, reference in images.items():
        repository, digest = _split_reference(stack, service, reference)
        if digests.get(repository, digest) != digest:
            raise PipelineError(
                f"stack {stack} runs two digests of {repository} ({digests[repository]} and {digest}): "
                "promote needs one image per repository"
            )
        digests[repository] = digest
    return digests


def check_rollouts_held(stack: str, ecs_services: Any, task_definitions: Any) -> None:
    """A service the circuit breaker rolled back runs an older revision than the stack registered
    (``ecsServices.<service>.taskDefinitionArn`` against ``taskDefinitionArns.<service>``), so the
    ``images`` output names an image the stack does not run: there is nothing tested to promote."""
    if not isinstance(ecs_services, Mapping):
        return
    registered = task_definitions if isinstance(task_definitions, Mapping) else {}
    for service, state in sorted(ecs_services.items()):
        running = state.get("taskDefinitionArn") if isinstance(state, Mapping) else None
        if running != registered.get(service):
            raise PipelineError(
                f"stack {stack}'s ECS service {service} runs {running}, not {registered.get(service)} that "
                f"the stack registered (its rollout was rolled back): {stack} does not run the image its "
                f"images output names, so there is nothing tested to promote; release {stack} again first"
            )


def _split_reference(stack: str, service: str, reference: Any) -> tuple[str, str]:
    text = reference if isinstance(reference, str) else ""
    path = text.split("/", 1)[1] if "/" in text else ""
    repository, _, digest = path.partition("@")
    if not repository or not digest:
        raise PipelineError(
            f"stack {stack} runs {reference} for service {service}, which is not pinned to a digest: "
            "release it with this pipeline (up) first"
        )
    try:
        return values.repository_name("images", repository), values.image_digest("images", digest)
    except ConfigError as error:
        raise PipelineError(f"stack {stack}, output images.{service}: {error.problem}") from None
