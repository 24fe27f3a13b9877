"""ECR image references, parsed and rendered in one place: ``<account>.dkr.ecr.<region>.<dns
suffix>/<repository>`` then ``:<tag>`` or ``@<digest>`` (ECR "Pulling an image": the registry URI,
then the repository, then the tag or digest). Standard library only: the policy pack may import it."""

from __future__ import annotations

from dataclasses import dataclass

from components.aws.names import registry_host, repository_arn, repository_url
from components.aws.rules import lazy_pattern

# The registry host ``<account>.dkr.ecr.<region>.<dns suffix>`` (names.registry_host), the repository,
# then exactly one of ``:<tag>`` and ``@<digest>``. What it does not check (the tag's and digest's
# characters, the length) the config checks do, where a reference is composed.
_IMAGE = lazy_pattern(r"([0-9]{12})\.dkr\.ecr\.([a-z0-9-]+)\.[a-z0-9.-]+/([^:@]+)(?::([^@]+)|@(.+))")


@dataclass(frozen=True)
class ImageReference:
    """One image in one ECR registry, by tag or by digest (exactly one of them)."""

    account_id: str
    region: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    def __post_init__(self) -> None:
        if (self.tag is None) == (self.digest is None):
            raise ValueError("give exactly one of tag and digest")

    @property
    def registry_host(self) -> str:
        return registry_host(self.region, self.account_id)

    @property
    def repository_url(self) -> str:
        return repository_url(self.region, self.account_id, self.repository)

    @property
    def repository_arn(self) -> str:
        return repository_arn(self.region, self.account_id, self.repository)

    @property
    def uri(self) -> str:
        """What a task definition pulls: ``<url>:<tag>`` or ``<url>@sha256:<hex>``."""
        return image_reference(self.repository_url, tag=self.tag, digest=self.digest)

    @property
    def shown(self) -> str:
        """The image without its registry, for people: ``<repository>:<tag>`` or ``@<digest>``."""
        return (
            f"{self.repository}@{self.digest}" if self.digest is not None else f"{self.repository}:{self.tag}"
        )


def image_reference(repository_url: str, *, tag: str | None = None, digest: str | None = None) -> str:
    """``<url>:<tag>`` or ``<url>@sha256:<hex>``: exactly one of tag and digest. Also for a URL known
    only once deployed (a component's ``repository_url`` output)."""
    if (tag is None) == (digest is None):
        raise ValueError("give exactly one of tag and digest")
    return f"{repository_url}@{digest}" if digest is not None else f"{repository_url}:{tag}"


def parse_image_reference(reference: str) -> ImageReference:
    """An ECR image reference read back (an ``images`` export); ValueError if it is not one."""
    match = _IMAGE.fullmatch(reference)
    if match is None:
        raise ValueError(f"{reference!r} is not an ECR image reference")
    account, region, repository, tag, digest = match.groups()
    return ImageReference(account, region, repository, tag, digest)
