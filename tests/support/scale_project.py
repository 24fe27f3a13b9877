"""Generated projects of any size, as stack config maps like the committed ``Pulumi.<stack>.yaml``
files hold: for the tests of large grants and environments, and for ``benchmarks/``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUILD_ACCOUNT = "111111111111"
BUILD_STACK = "organization/ecr-share/build"
REGION = "us-east-1"


def account(n: int) -> str:
    """The ``n``-th granted account: 12 digits, never the build account."""
    return f"{200_000_000_000 + n:012d}"


def repository(n: int) -> str:
    return f"team-{n % 10}/service-{n:04d}"


def build_config(repositories: int, accounts: int, account_ids: list[str] | None = None) -> dict[str, Any]:
    """A build stack sharing ``repositories`` repositories with ``accounts`` accounts."""
    return {
        "aws:region": REGION,
        "aws:allowedAccountIds": [BUILD_ACCOUNT],
        "ecr-share:stackKind": "build",
        "ecr-share:repositories": [repository(n) for n in range(repositories)],
        "ecr-share:access": {"accounts": account_ids or [account(n) for n in range(accounts)]},
    }


def service(name: str, repository_name: str) -> dict[str, Any]:
    return {
        "name": name,
        "repository": repository_name,
        "imageTag": "v1.2.3",
        "cpu": 256,
        "memory": 512,
        "containerPort": 8080,
    }


def environment_config(account_id: str, repositories: list[str]) -> dict[str, Any]:
    """An environment stack running one service per repository."""
    return {
        "aws:region": REGION,
        "aws:allowedAccountIds": [account_id],
        "ecr-share:stackKind": "environment",
        "ecr-share:buildStack": BUILD_STACK,
        "ecr-share:services": [service(r.rsplit("/", 1)[-1], r) for r in repositories],
    }


def project_configs(
    *, accounts: int, repositories: int, environments: int, services_per_environment: int
) -> dict[str, dict[str, Any]]:
    """A build stack and ``environments`` environment stacks, each in its own granted account, that
    together run every repository: environment ``e`` runs repositories ``e*k .. e*k+k-1`` (mod)."""
    configs = {"build": build_config(repositories, accounts)}
    for e in range(environments):
        used = [
            repository((e * services_per_environment + s) % repositories)
            for s in range(services_per_environment)
        ]
        configs[f"env-{e:03d}"] = environment_config(account(e), list(dict.fromkeys(used)))
    return configs


def write_project(directory: Path, configs: dict[str, dict[str, Any]]) -> Path:
    """The configs as a project folder: ``Pulumi.yaml`` and one ``Pulumi.<stack>.yaml`` each."""
    (directory / "Pulumi.yaml").write_text((PROJECT_ROOT / "Pulumi.yaml").read_text())
    for stack, config in configs.items():
        (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
    return directory
