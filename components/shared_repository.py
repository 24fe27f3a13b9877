"""Build account: the shared ECR repositories and their pull-only repository policy."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypedDict

import pulumi
import pulumi_aws as aws

from components.model import Access, RepositorySpec
from components.policies import canonical_json, repository_pull_policy

TYPE_TOKEN = "ecr-share:index:SharedRepository"


class SharedRepositoryArgs(TypedDict):
    repositories: Sequence[RepositorySpec]
    """The repositories to create, validated (``components.stack_config.parse_repositories``)."""
    access: Access
    """Who may pull: accounts or an organization (``components.stack_config.parse_access``)."""
    partition: str
    """The ARN partition of the Region the repositories live in (``aws`` for commercial Regions)."""


class SharedRepository(pulumi.ComponentResource):
    """ECR repositories that other accounts pull from, and nothing more.

    Repositories are protected: images pushed to them may not be rebuildable, so neither a rename
    (which replaces the repository) nor a removal from config can delete them by accident.
    """

    repository_arns: pulumi.Output[dict[str, str]]
    repository_urls: pulumi.Output[dict[str, str]]
    repository_names: pulumi.Output[list[str]]
    registry_id: pulumi.Output[str]

    def __init__(
        self, name: str, args: SharedRepositoryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE_TOKEN, name, None, opts)
        if not args["repositories"]:
            raise ValueError("SharedRepository needs at least one repository")
        policy = canonical_json(repository_pull_policy(args["access"], args["partition"]))
        repositories = [self._repository(name, spec, policy) for spec in args["repositories"]]
        names = [spec.name for spec in args["repositories"]]
        self.repository_arns = pulumi.Output.all(*[r.arn for r in repositories]).apply(
            lambda arns: dict(zip(names, arns, strict=True))
        )
        self.repository_urls = pulumi.Output.all(*[r.repository_url for r in repositories]).apply(
            lambda urls: dict(zip(names, urls, strict=True))
        )
        self.repository_names = pulumi.Output.from_input(names)
        self.registry_id = repositories[0].registry_id
        self.register_outputs(
            {
                "repositoryArns": self.repository_arns,
                "repositoryUrls": self.repository_urls,
                "repositoryNames": self.repository_names,
                "registryId": self.registry_id,
            }
        )

    def _repository(self, name: str, spec: RepositorySpec, policy: str) -> aws.ecr.Repository:
        encryption: aws.ecr.RepositoryEncryptionConfigurationArgsDict = {
            "encryption_type": spec.encryption_type
        }
        if spec.kms_key is not None:
            encryption["kms_key"] = spec.kms_key
        repository = aws.ecr.Repository(
            f"{name}-{spec.name}",
            name=spec.name,
            image_scanning_configuration={"scan_on_push": spec.scan_on_push},
            image_tag_mutability=spec.image_tag_mutability,
            encryption_configurations=[encryption],
            force_delete=False,
            opts=pulumi.ResourceOptions(parent=self, protect=True),
        )
        aws.ecr.RepositoryPolicy(
            f"{name}-{spec.name}-pull",
            repository=repository.name,
            policy=policy,
            opts=pulumi.ResourceOptions(parent=repository),
        )
        return repository
