"""Image references in the shared repositories (``<registry>/<repository>:<tag>`` or ``@sha256:<hex>``),
checked as the ``services`` config checks them. Python-only helpers, so errors use Python names."""

from __future__ import annotations

from typing import Any

from components.aws.images import image_reference
from components.aws.names import repository_url
from components.config import values
from components.errors import ConfigError

# Every registry ID is 12 digits, so any one gives an image reference its real length.
ANY_REGISTRY_ID = "0" * 12


def image_choice(tag: Any, digest: Any) -> tuple[str | None, str | None]:
    """Exactly one of a tag and a digest, each checked."""
    if (tag is None) == (digest is None):
        raise ConfigError("image", {"tag": tag, "digest": digest}, "must set exactly one of tag or digest")
    return (
        None if tag is None else values.image_tag("tag", tag),
        None if digest is None else values.image_digest("digest", digest),
    )


def image_uri(registry_id: Any, region: Any, repository: Any, *, tag: Any = None, digest: Any = None) -> str:
    """The reference an ECS task or a Lambda function pulls, for a repository of the registry
    ``registry_id`` in ``region``; refused if ECS could not run it (over 255 characters before ``@``)."""
    account = values.account_id("registry_id", registry_id)
    where = values.region("region", region)
    name = values.repository_name("repository", repository)
    checked_tag, checked_digest = image_choice(tag, digest)
    image = image_reference(repository_url(where, account, name), tag=checked_tag, digest=checked_digest)
    return values.image_reference("image", image)
