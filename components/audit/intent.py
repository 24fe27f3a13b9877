"""What the plans mean, for the evidence from AWS: what each environment stack runs and pulls from,
and who each registry's grant lets pull. The live pull test and the CloudTrail audit read the plans
only through this module, so a later resolved plan record can replace what it derives here (image
strings parsed back, registries recomputed) without touching either.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.aws.images import parse_image_reference
from components.aws.names import account_root_arn, execution_role_arn, registry_host, repository_arn
from components.aws.rules import partition_for
from components.config.model import StackConfig
from components.plan.environment import IMAGES
from components.repositories.model import Access
from components.verify.deployments import Deployment
from components.verify.intended import registries


@dataclass(frozen=True)
class Image:
    """The image one service runs, and the registry it pulls it from."""

    service: str
    reference: str
    account_id: str
    region: str
    repository: str
    tag: str | None
    digest: str | None

    @property
    def repository_arn(self) -> str:
        return repository_arn(self.region, self.account_id, self.repository)

    @property
    def registry_host(self) -> str:
        return registry_host(self.region, self.account_id)

    @property
    def image_id(self) -> dict[str, str]:
        """BatchGetImage's ``imageIds`` entry: by digest when pinned, else by tag."""
        return {"imageDigest": self.digest} if self.digest else {"imageTag": str(self.tag)}


@dataclass(frozen=True)
class Environment:
    """An environment stack: its account, its roles, and what its services run."""

    stack: str
    account_id: str
    region: str
    pull_from: str
    """``build`` or ``replica``, as its config says."""
    execution_role_arn: str
    pull_role_arns: tuple[str, ...]
    images: tuple[Image, ...]
    organization_path: str | None = None

    @property
    def role_arns(self) -> tuple[str, ...]:
        """Every role the stack gives pull permissions: its execution role, then ``pullRoles``."""
        return (self.execution_role_arn, *self.pull_role_arns)


@dataclass(frozen=True)
class Registry:
    """A registry that holds shared images: the build registry or a registry of replicas."""

    account_id: str
    region: str
    replica: bool
    repositories: tuple[str, ...]
    grant: Access | None
    """Who besides the registry's own account is meant to pull from it."""
    replication_sources: tuple[str, ...] = ()
    """Accounts that replicate into it (a registry of replicas)."""

    @property
    def label(self) -> str:
        return f"{'replicas' if self.replica else 'build registry'} {self.account_id} {self.region}"

    @property
    def partition(self) -> str:
        return partition_for(self.region)


@dataclass(frozen=True)
class ProjectIntent:
    """One build stack, the registries holding its images, and its environments."""

    build_stack: str
    build_account: str
    build_region: str
    registries: tuple[Registry, ...]
    environments: tuple[Environment, ...]
    stack_accounts: dict[str, str]
    """Account -> the stack deployed there (the first by name), for people."""

    def registry(self, account_id: str, region: str) -> Registry | None:
        return next((r for r in self.registries if (r.account_id, r.region) == (account_id, region)), None)

    def account_label(self, account_id: str) -> str:
        stack = self.stack_accounts.get(account_id)
        return f"{account_id} ({stack})" if stack else account_id


def _image(service: str, reference: str) -> Image:
    image = parse_image_reference(reference)
    return Image(
        service, reference, image.account_id, image.region, image.repository, image.tag, image.digest
    )


def project_intent(deployment: Deployment) -> ProjectIntent:
    """What the deployment's plans run and grant, for every stack of this build."""
    build = deployment.build
    found = []
    for registry in registries(deployment):
        sources: tuple[str, ...] = ()
        if registry.replica:
            receiver = next(
                (
                    e
                    for e in deployment.every_environment
                    if e.receive_replication is not None
                    and (e.account_id, e.region) == (registry.account_id, registry.region)
                ),
                None,
            )
            others = (
                receiver.receive_replication.other_sources
                if receiver and receiver.receive_replication
                else ()
            )
            sources = tuple(sorted({build.account_id, *(s.account_id for s in others)}))
        found.append(
            Registry(
                registry.account_id,
                registry.region,
                registry.replica,
                registry.repositories,
                registry.grant,
                sources,
            )
        )
    environments = tuple(
        Environment(
            stack=env.stack,
            account_id=env.account_id,
            region=env.region,
            pull_from=env.pull_from,
            execution_role_arn=execution_role_arn(env.region, env.account_id, env.stack),
            pull_role_arns=tuple(r.arn for r in env.pull_roles),
            images=tuple(
                _image(name, reference)
                for name, reference in sorted(deployment.plans[env.stack].exports[IMAGES].items())
            ),
            organization_path=env.organization_path,
        )
        for env in deployment.every_environment
    )
    accounts: dict[str, str] = {}
    stacks: list[StackConfig] = [build, *deployment.every_environment]
    for stack in sorted(stacks, key=lambda s: s.stack):
        accounts.setdefault(stack.account_id, stack.stack)
    return ProjectIntent(build.stack, build.account_id, build.region, tuple(found), environments, accounts)


def root_arn(account_id: str, region: str) -> str:
    """The account's root ARN in the partition of ``region``."""
    return account_root_arn(account_id, partition_for(region))
