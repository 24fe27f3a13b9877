"""Changes to a copy of the committed project (the ``project`` fixture), made as data: a stack
file's config map is read through the one stack-file loader, changed, and written back. Each change
checks what it changes is there, so a test fails loudly when the committed stacks no longer hold it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from components.config.files import load_stack_config

ORGANIZATION = "o-abc123def4"
GRANTED_OU = f"{ORGANIZATION}/r-ab12/ou-ab12-11111111/"


def change(project: Path, stack: str, edit: Callable[[dict[str, Any]], None]) -> None:
    """Rewrite ``Pulumi.<stack>.yaml`` of ``project`` with its config map changed by ``edit``."""
    config = load_stack_config(project, stack)
    edit(config)
    (project / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}), encoding="utf-8")


def grant_organization(project: Path, *paths: str) -> None:
    """The build stack grants the organization (below ``paths``, if any) instead of three accounts."""

    def edit(config: dict[str, Any]) -> None:
        access = config["ecr-share:access"]
        assert access.pop("accounts") == ["222222222222", "333333333333", "444444444444"], access
        access["organizationId"] = ORGANIZATION
        if paths:
            access["organizationPaths"] = list(paths)

    change(project, "build", edit)


def set_organization_path(project: Path, stack: str, path: str = GRANTED_OU) -> None:
    change(project, stack, lambda config: config.update({"ecr-share:organizationPath": path}))


def _receive_replication(project: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    def edit_prod(config: dict[str, Any]) -> None:
        receive = config["ecr-share:receiveReplication"]
        assert receive["registryScanning"] == {
            "scanType": "BASIC",
            "rules": [{"scanFrequency": "SCAN_ON_PUSH"}],
        }
        edit(receive)

    change(project, "prod", edit_prod)


def grant_prod_replicas(project: Path, *accounts: str) -> None:
    """prod's ``receiveReplication.access``: other accounts that may pull its replicas."""
    _receive_replication(project, lambda receive: receive.update(access={"accounts": list(accounts)}))


def leave_prod_scanning_alone(project: Path) -> None:
    """prod without ``receiveReplication.registryScanning``: it does not own its scanning."""
    _receive_replication(project, lambda receive: receive.pop("registryScanning"))


def add_prod_source(project: Path, account: str, *filters: str) -> None:
    """prod's ``receiveReplication.otherSources``: another registry that replicates there."""
    _receive_replication(
        project, lambda receive: receive.update(otherSources=[{"account": account, "filters": list(filters)}])
    )


def set_service(project: Path, stack: str, name: str, **fields: Any) -> None:
    """One service of an environment stack with ``fields`` set (a field set to None is removed)."""

    def edit(config: dict[str, Any]) -> None:
        (service,) = [s for s in config["ecr-share:services"] if s["name"] == name]
        for key, value in fields.items():
            if value is None:
                service.pop(key)
            else:
                service[key] = value

    change(project, stack, edit)
