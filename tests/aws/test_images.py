"""ECR image references: rendered and parsed back in one module, each the inverse of the other."""

from __future__ import annotations

import pytest

from components.aws.images import ImageReference, image_reference, parse_image_reference

DIGEST = "sha256:" + "0" * 64


@pytest.mark.parametrize(
    ("image", "uri"),
    [
        (
            ImageReference("111111111111", "us-east-1", "team-a/web-app", tag="v1.2.3"),
            "111111111111.dkr.ecr.us-east-1.amazonaws.com/team-a/web-app:v1.2.3",
        ),
        (
            ImageReference("444444444444", "cn-north-1", "worker", digest=DIGEST),
            f"444444444444.dkr.ecr.cn-north-1.amazonaws.com.cn/worker@{DIGEST}",
        ),
    ],
)
def test_a_reference_renders_and_parses_back(image: ImageReference, uri: str) -> None:
    assert image.uri == uri
    assert parse_image_reference(uri) == image
    assert image.repository_arn.endswith(f":{image.account_id}:repository/{image.repository}")
    assert uri.startswith(f"{image.registry_host}/{image.repository}")


def test_shown_names_the_image_without_its_registry() -> None:
    assert ImageReference("111111111111", "us-east-1", "web-app", tag="v1").shown == "web-app:v1"
    assert ImageReference("111111111111", "us-east-1", "web-app", digest=DIGEST).shown == f"web-app@{DIGEST}"


@pytest.mark.parametrize(
    "reference",
    [
        "docker.io/library/nginx:1.27",
        "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app",
        "11111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1",
    ],
)
def test_what_is_not_an_ecr_image_reference_is_refused(reference: str) -> None:
    with pytest.raises(ValueError, match="is not an ECR image reference"):
        parse_image_reference(reference)


def test_exactly_one_of_tag_and_digest() -> None:
    with pytest.raises(ValueError, match="exactly one of tag and digest"):
        ImageReference("111111111111", "us-east-1", "web-app")
    with pytest.raises(ValueError, match="exactly one of tag and digest"):
        image_reference("111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app", tag="v1", digest=DIGEST)
