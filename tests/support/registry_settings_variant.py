"""The committed stacks with prod's receiving registry holding every registry-wide setting a receiver
may own (issue 11, point 1): another replication source, a further registry policy statement (a
pull-through cache's) and its scanning configuration, as data."""

from __future__ import annotations

from typing import Any

from tests.support.committed import committed

PULL_THROUGH_CACHE = {
    "Sid": "PullThroughCache",
    "Effect": "Allow",
    "Principal": {"AWS": "arn:aws:iam::444444444444:role/ptc-admin"},
    "Action": ["ecr:CreateRepository", "ecr:BatchImportUpstreamImage"],
    "Resource": "arn:aws:ecr:us-east-1:444444444444:repository/ecr-public/*",
}


def with_registry_settings() -> dict[str, dict[str, Any]]:
    """Every stack file; prod receives from one more source and holds one more statement, and owns
    its registry's scanning configuration (ENHANCED, continuous)."""
    stacks = committed()
    stacks["prod"]["ecr-share:receiveReplication"].update(
        otherSources=[{"account": "555555555555", "filters": ["team-b/"]}],
        registryPolicyStatements=[PULL_THROUGH_CACHE],
        registryScanning={"scanType": "ENHANCED", "rules": [{"scanFrequency": "CONTINUOUS_SCAN"}]},
    )
    return stacks
