"""The build registry in moto, reached exactly as the pipeline reaches AWS: through the build
stack's ``aws:profile`` in a standard AWS config file (``AWS_CONFIG_FILE``), whose role is in the
build account. Images are pushed with ``put_image``; scan findings are set through the Moto API
(moto records no scan on push: a scan starts with ``start_image_scan``)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from moto import mock_aws

from components.pipeline.registry import BuildRegistry, default_session

BUILD_ACCOUNT = "111111111111"
REGION = "us-east-1"
PROFILES = f"""[profile ci]
aws_access_key_id = AKIAIOSFODNN7EXAMPLE
aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY

[profile build-deploy]
role_arn = arn:aws:iam::{BUILD_ACCOUNT}:role/build-deploy
source_profile = ci
region = {REGION}
"""
MOTO_API = "http://motoapi.amazonaws.com/moto-api/static/ecr/scan-finding-results"
CREDENTIAL_VARIABLES = (
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_ENDPOINT_URL",
)


def use_aws_config(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the standard AWS SDK configuration at a config file with the build stack's profile."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "aws-config"
    config.write_text(PROFILES, encoding="utf-8")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(folder / "no-credentials"))
    for name in CREDENTIAL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return config


def manifest(repository: str, tag: str, layer: str) -> str:
    """A Docker image manifest; moto derives the digest from its layers, so each image is unique."""
    layer_digest = "sha256:" + hashlib.sha256(f"{repository}:{tag}:{layer}".encode()).hexdigest()
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {
                "mediaType": "application/vnd.docker.container.image.v1+json",
                "size": 1469,
                "digest": "sha256:" + hashlib.sha256(f"config {repository}:{tag}".encode()).hexdigest(),
            },
            "layers": [
                {
                    "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 31_357_624,
                    "digest": layer_digest,
                }
            ],
        }
    )


class MotoRegistry:
    """The build account's registry in moto, as CI leaves it after ``docker push``."""

    def __init__(self, endpoint_url: str | None = None) -> None:
        # The session the pipeline would create (the profile's role, in the build account).
        self.session = default_session(BuildRegistry(BUILD_ACCOUNT, REGION, "build-deploy"))
        self.ecr = self.session.client("ecr", endpoint_url=endpoint_url)
        self.endpoint_url = endpoint_url

    def create(self, *repositories: str) -> None:
        for name in repositories:
            self.ecr.create_repository(repositoryName=name)

    def push(
        self,
        repository: str,
        tag: str,
        *,
        layer: str = "1",
        scan: str | None = "COMPLETE",
        counts: Mapping[str, int] | None = None,
    ) -> str:
        """Push ``repository:tag``; scan it (``scan``: its status, None: never scanned). The digest."""
        image = self.ecr.put_image(
            repositoryName=repository, imageManifest=manifest(repository, tag, layer), imageTag=tag
        )
        digest: str = image["image"]["imageId"]["imageDigest"]
        if scan is not None:
            self.ecr.start_image_scan(repositoryName=repository, imageId={"imageDigest": digest})
            self.set_scan(repository, digest, scan, counts or {})
        return digest

    def retag(self, repository: str, digest: str, tag: str) -> None:
        """Add ``tag`` to the image ``digest`` (as ``docker tag`` + ``docker push`` would)."""
        (image,) = self.ecr.batch_get_image(repositoryName=repository, imageIds=[{"imageDigest": digest}])[
            "images"
        ]
        self.ecr.put_image(repositoryName=repository, imageManifest=image["imageManifest"], imageTag=tag)

    def set_scan(self, repository: str, digest: str, status: str, counts: Mapping[str, int]) -> None:
        """What DescribeImageScanFindings returns for the image from now on."""
        self._forget(repository, digest)
        findings: dict[str, Any] = {"findingSeverityCounts": dict(counts), "findings": []}
        result = {
            "registryId": BUILD_ACCOUNT,
            "repositoryName": repository,
            "imageId": {"imageDigest": digest},
            "imageScanStatus": {"status": status, "description": f"The scan is {status.lower()}."},
            **({"imageScanFindings": findings} if status in ("COMPLETE", "ACTIVE") else {}),
        }
        url = (
            MOTO_API
            if self.endpoint_url is None
            else f"{self.endpoint_url}/moto-api/static/ecr/scan-finding-results"
        )
        body = {"results": [result], "region": REGION, "account_id": BUILD_ACCOUNT}
        assert requests.post(url, json=body, timeout=10).status_code == 201

    def _forget(self, repository: str, digest: str) -> None:
        """moto keeps the first result it returned for an image; a changed scan replaces it."""
        if self.endpoint_url is not None:
            return
        from moto.ecr.models import ecr_backends

        for image in ecr_backends[BUILD_ACCOUNT][REGION].repositories[repository].images:
            if image.image_digest == digest:
                image.scan_finding_results.clear()
                image.scan_finding_results_queue.clear()


@contextmanager
def moto_registry(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoRegistry]:
    use_aws_config(folder, monkeypatch)
    with mock_aws():
        registry = MotoRegistry()
        registry.create("web-app", "worker")
        yield registry
