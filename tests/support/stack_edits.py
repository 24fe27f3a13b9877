"""Edits of a copy of the committed stack files (the ``project`` fixture), by exact text, so a test
fails loudly when the committed file no longer holds what it edits."""

from __future__ import annotations

import json
from pathlib import Path

ORGANIZATION = "o-abc123def4"
GRANTED_OU = f"{ORGANIZATION}/r-ab12/ou-ab12-11111111/"
BUILD_ACCOUNTS = (
    '    accounts:\n      - "222222222222"   # dev\n      - "333333333333"   # staging\n'
    '      - "444444444444"   # prod\n'
)
ENVIRONMENT_KIND = "  ecr-share:stackKind: environment\n"
PROD_SCANNING = "    registryScanning:\n"
PROD_SCANNING_BLOCK = (
    "    registryScanning:\n      scanType: BASIC\n      rules:\n        - scanFrequency: SCAN_ON_PUSH  # filters "
    "left out: the received repositories (web-app*, worker*)\n"
)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new))


def grant_organization(project: Path, *paths: str) -> None:
    """The build stack grants the organization (below ``paths``, if any) instead of three accounts."""
    below = f"    organizationPaths: {json.dumps(list(paths))}\n" if paths else ""
    edit(project / "Pulumi.build.yaml", BUILD_ACCOUNTS, f"    organizationId: {ORGANIZATION}\n{below}")


def set_organization_path(project: Path, stack: str, path: str = GRANTED_OU) -> None:
    edit(
        project / f"Pulumi.{stack}.yaml",
        ENVIRONMENT_KIND,
        f"{ENVIRONMENT_KIND}  ecr-share:organizationPath: {path}\n",
    )


def grant_prod_replicas(project: Path, *accounts: str) -> None:
    """prod's ``receiveReplication.access``: other accounts that may pull its replicas."""
    edit(
        project / "Pulumi.prod.yaml",
        PROD_SCANNING,
        f"    access:\n      accounts: {json.dumps(list(accounts))}\n{PROD_SCANNING}",
    )


def leave_prod_scanning_alone(project: Path) -> None:
    """prod without ``receiveReplication.registryScanning``: it does not own its scanning."""
    edit(project / "Pulumi.prod.yaml", PROD_SCANNING_BLOCK, "")


def add_prod_source(project: Path, account: str, *filters: str) -> None:
    """prod's ``receiveReplication.otherSources``: another registry that replicates there."""
    edit(
        project / "Pulumi.prod.yaml",
        PROD_SCANNING,
        f'    otherSources:\n      - account: "{account}"\n        filters: {json.dumps(list(filters))}\n'
        f"{PROD_SCANNING}",
    )
