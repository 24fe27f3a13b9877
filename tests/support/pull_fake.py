"""What the pull test needs in moto: the committed project deployed from its plans
(``deployed.deploy``), each service's image pushed into the registry its plan pulls from (the build
registry, prod's replicas), and sessions whose clients answer what moto lacks (``moto_standins``):
pulls across accounts, the config blob's download URL and IAM's policy simulator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.config.model import StackConfig
from components.verify.deployments import Deployment
from tests.support.deployed import account_client, account_session, deploy
from tests.support.moto_standins import EcrPulls, PolicySimulator
from tests.support.stack_edits import set_service

BUILD, DEV, STAGING, PROD = "111111111111", "222222222222", "333333333333", "444444444444"
PULLS = EcrPulls(lambda service, account, region: account_session(account, region).client(service))
SIMULATOR = PolicySimulator()


# The pull test's clients, apart from ``deployed``'s: they are kept for the process, and the
# stand-ins on them must answer the pull test's sessions only.
_clients: dict[tuple[str, str, str], Any] = {}


class PullSession:
    """``verify --live``'s session for one moto account, with the stand-ins on its clients."""

    def __init__(self, account_id: str, region: str) -> None:
        self.account_id = account_id
        self.region_name = region

    def client(self, service: str, region_name: str | None = None) -> Any:
        key = (self.account_id, service, region_name or self.region_name)
        if key not in _clients:
            client = account_client(*key)
            if service == "ecr":
                PULLS.install(
                    client, self.account_id, f"arn:aws:sts::{self.account_id}:assumed-role/verify/verify"
                )
            if service == "iam":
                SIMULATOR.install(client, self.account_id)
            _clients[key] = client
        return _clients[key]


def session_for(stack: StackConfig, profile: str | None) -> Any:
    return PullSession(stack.account_id, stack.region)


def ecr(account: str, region: str = "us-east-1") -> Any:
    return account_session(account, region).client("ecr")


def iam(account: str) -> Any:
    return account_session(account, "us-east-1").client("iam")


def deploy_and_push(project: Path) -> Deployment:
    """Everything deployed, and the images the committed stacks run pushed where they pull them
    from: ``web-app:v1.2.3`` and a ``worker`` image in the build registry and in prod's replicas (as
    replication leaves them), tagged ``v1.2.3`` too in the build registry for staging. moto derives an image's digest from its layers, so prod's stack file
    is pinned to the digest the pushed ``worker`` got."""
    from tests.support.registry_fake import manifest

    deployment = deploy(project)
    for account in (BUILD, PROD):
        registry = ecr(account)
        registry.put_image(
            repositoryName="web-app", imageManifest=manifest("web-app", "v1.2.3", "1"), imageTag="v1.2.3"
        )
        worker = registry.put_image(
            repositoryName="worker", imageManifest=manifest("worker", "v7", "1"), imageTag="v7"
        )["image"]["imageId"]["imageDigest"]
    # staging runs worker by tag, from the build registry: the same image, tagged as staging's file has it.
    ecr(BUILD).put_image(
        repositoryName="worker", imageManifest=manifest("worker", "v7", "1"), imageTag="v1.2.3"
    )
    set_service(project, "prod", "worker", imageDigest=worker)
    return deployment
