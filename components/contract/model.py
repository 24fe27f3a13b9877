"""What an environment's check against its build stack decides, once, for its plan: the registry it
pulls each repository from, and the image each service runs (plain frozen records, no Pulumi)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from components.aws.images import ImageReference
from components.aws.names import repository_arn, repository_url
from components.replication.model import ReplicaRegistry


@dataclass(frozen=True)
class PullSource:
    """The registry an environment pulls one repository from: a replica registry (its own account's
    in its Region, or the build account's there) or the build registry."""

    repository: str
    account_id: str
    region: str
    replica: bool

    @property
    def arn(self) -> str:
        return repository_arn(self.region, self.account_id, self.repository)

    @property
    def url(self) -> str:
        return repository_url(self.region, self.account_id, self.repository)

    def image(self, *, tag: str | None = None, digest: str | None = None) -> ImageReference:
        return ImageReference(self.account_id, self.region, self.repository, tag, digest)


@dataclass(frozen=True)
class ResolvedEnvironment:
    """An environment stack checked against its build stack's outputs: safe to plan from."""

    sources: Mapping[str, PullSource]
    """Repository name -> where the stack pulls it from, for every repository its services run."""
    images: Mapping[str, ImageReference]
    """Service name -> the image it runs, in the registry of its repository's source."""
    replica: ReplicaRegistry | None
    """The replica registry the stack pulls from (``pullFrom: replica``); ``None``: the build registry."""
    received: ReplicaRegistry | None
    """What the build stack replicates into this stack's registry, when ``receiveReplication`` takes
    it (checked to agree with it: its filters and template prefixes are the receiver's)."""
    warnings: tuple[str, ...] = ()
    repository_arns: Mapping[str, str] = field(init=False)
    """Repository name -> the ARN the stack's roles pull it from (each source's)."""

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "repository_arns", {name: source.arn for name, source in self.sources.items()}
        )
