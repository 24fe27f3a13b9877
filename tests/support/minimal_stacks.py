"""The smallest valid stack config maps, as the engine hands them to the program: one repository
shared with one account, and an environment that runs it. Tests change a key or two of a copy."""

from __future__ import annotations

from typing import Any

BUILD: dict[str, Any] = {
    "aws:region": "us-east-1",
    "aws:allowedAccountIds": ["111111111111"],
    "ecr-share:stackKind": "build",
    "ecr-share:repositories": ["web-app"],
    "ecr-share:access": {"accounts": ["222222222222"]},
}
SERVICE: dict[str, Any] = {
    "name": "web-app",
    "repository": "web-app",
    "imageTag": "v1",
    "cpu": 256,
    "memory": 512,
    "containerPort": 80,
}
ENVIRONMENT: dict[str, Any] = {
    "aws:region": "us-east-1",
    "aws:allowedAccountIds": ["222222222222"],
    "ecr-share:stackKind": "environment",
    "ecr-share:buildStack": "organization/ecr-share/build",
    "ecr-share:services": [SERVICE],
}
