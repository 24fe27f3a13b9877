"""The build registry, read with boto3 the way the build stack's own provider reaches it: its
provider settings (``components.config.credentials``: ``aws:profile``, the roles it assumes) in its ``aws:region``,
everything else from the standard AWS SDK configuration (``AWS_CONFIG_FILE``, ``AWS_ENDPOINT_URL``...).

It resolves each requested tag to its digest (a digest is checked to exist) and reads each image's
scan findings and where it has replicated. Only reads: ecr:DescribeImages,
ecr:DescribeImageScanFindings and ecr:DescribeImageReplicationStatus on the shared repositories (plus sts:AssumeRole where the stack assumes a role)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from components.aws.names import registry_host
from components.config.credentials import StackCredentials, stack_credentials, stack_session
from components.pipeline.gate import NOT_SCANNED, Scan, Signature
from components.pipeline.images import ImageRequest
from components.pipeline.replication import NOT_STARTED, ReplicaImage

NOT_FOUND = ("ImageNotFoundException", "RepositoryNotFoundException")


class RegistryError(Exception):
    """The registry could not be read (credentials, permissions, network): nothing was run."""


class ReleaseRefused(Exception):
    """A requested image is missing, or the scan gate stops the release: nothing was deployed."""


@dataclass(frozen=True)
class BuildRegistry:
    """Where the release's images live, and how the build stack's provider reaches it."""

    registry_id: str
    region: str
    profile: str | None = None
    credentials: StackCredentials | None = None
    """The build stack's provider settings (``config.credentials``); None: ``profile`` alone."""

    @property
    def host(self) -> str:
        return registry_host(self.region, self.registry_id)

    def stack_credentials(self) -> StackCredentials:
        return self.credentials or StackCredentials(self.profile)

    def describe(self) -> str:
        how = self.stack_credentials().describe()
        return f"registry {self.host}, read with {'the ' if how.startswith('default') else ''}{how}"


def build_registry(registry_id: str, region: str, config: Mapping[str, Any]) -> BuildRegistry:
    """From the build stack's validated account and Region and its provider settings."""
    credentials = stack_credentials(config)
    return BuildRegistry(registry_id, region, credentials.profile, credentials)


def default_session(registry: BuildRegistry) -> Any:
    """A boto3 session with the build stack's credentials (``config.credentials``, the one way every
    boto3 read reaches a stack's account)."""
    return stack_session(registry.stack_credentials(), registry.region)


SessionFactory = Callable[[BuildRegistry], Any]


class RegistryReader:
    def __init__(self, registry: BuildRegistry, session_for: SessionFactory = default_session) -> None:
        self.registry = registry
        try:
            self._ecr = session_for(registry).client("ecr", region_name=registry.region)
        except (BotoCoreError, ClientError) as error:
            raise RegistryError(self._cannot(error)) from None

    @property
    def client(self) -> Any:
        """The ECR client, for the operations other modules drive (backfill)."""
        return self._ecr

    def digest(self, request: ImageRequest) -> str:
        """The digest a tag names now, or the requested digest once it is known to exist."""
        image_id = {"imageDigest": request.digest} if request.digest else {"imageTag": request.tag}
        try:
            details = self._ecr.describe_images(
                registryId=self.registry.registry_id, repositoryName=request.repository, imageIds=[image_id]
            )["imageDetails"]
        except ClientError as error:
            if _code(error) in NOT_FOUND:
                raise ReleaseRefused(self._missing(request, _code(error))) from None
            raise RegistryError(self._cannot(error)) from None
        except BotoCoreError as error:
            raise RegistryError(self._cannot(error)) from None
        if not details:
            raise ReleaseRefused(self._missing(request, "ImageNotFoundException"))
        digest: str = details[0]["imageDigest"]
        return digest

    def scan(self, repository: str, digest: str) -> Scan:
        try:
            found = self._ecr.describe_image_scan_findings(
                registryId=self.registry.registry_id,
                repositoryName=repository,
                imageId={"imageDigest": digest},
                maxResults=1,  # the severity counts cover every finding; one page is enough
            )
        except ClientError as error:
            if _code(error) == "ScanNotFoundException":
                return Scan(NOT_SCANNED)
            raise RegistryError(self._cannot(error)) from None
        except BotoCoreError as error:
            raise RegistryError(self._cannot(error)) from None
        status = found.get("imageScanStatus") or {}
        counts = (found.get("imageScanFindings") or {}).get("findingSeverityCounts") or {}
        return Scan(str(status.get("status", "")), dict(counts), str(status.get("description", "")))

    def replication_status(self, image: ReplicaImage) -> tuple[str, str]:
        """(status, failure code) of ``image`` in its destination (ecr:DescribeImageReplicationStatus,
        asked of the build registry, which lists each destination's status)."""
        try:
            found = self._ecr.describe_image_replication_status(
                registryId=self.registry.registry_id,
                repositoryName=image.repository,
                imageId={"imageDigest": image.digest},
            )
        except (BotoCoreError, ClientError) as error:
            raise RegistryError(self._cannot(error)) from None
        for status in found.get("replicationStatuses") or []:
            if (status.get("registryId"), status.get("region")) == (image.account, image.region):
                return str(status.get("status", "")), str(status.get("failureCode", ""))
        return NOT_STARTED, ""

    def signatures(self, repository: str, digest: str) -> list[Signature]:
        """Each signing profile's status for the image (ecr:DescribeImageSigningStatus)."""
        try:
            found = self._ecr.describe_image_signing_status(
                registryId=self.registry.registry_id,
                repositoryName=repository,
                imageId={"imageDigest": digest},
            )
        except (BotoCoreError, ClientError) as error:
            raise RegistryError(self._cannot(error)) from None
        return [
            Signature(
                str(s.get("signingProfileArn", "")),
                str(s.get("status", "")),
                " ".join(filter(None, [s.get("failureCode"), s.get("failureReason")])),
            )
            for s in found.get("signingStatuses") or []
        ]

    def _missing(self, request: ImageRequest, code: str) -> str:
        if code == "RepositoryNotFoundException":
            return (
                f"repository {request.repository} does not exist in {self.registry.host}: deploy the build "
                "stack (up --stacks build) and push the image first; nothing was deployed"
            )
        return f"{request.describe()} is not in {self.registry.host}: push it first; nothing was deployed"

    def _cannot(self, error: Exception) -> str:
        return f"cannot read the build {self.registry.describe()}: {' '.join(str(error).split())}"


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
