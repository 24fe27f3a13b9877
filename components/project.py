"""Names every part of ecr-share shares: the project, its config namespace, the stack kinds and the
version of the contract between the build stack and environment stacks. One place for each."""

from __future__ import annotations

# Pulumi.yaml `name:`; also the config namespace (`ecr-share:<key>`) and the component package name.
PROJECT = "ecr-share"
NAMESPACE = PROJECT
# The version of the package (pyproject.toml reads it from here) and of its provider's schema, which
# `pulumi package add` gives the SDKs it generates.
VERSION = "0.4.0"

BUILD = "build"
ENVIRONMENT = "environment"
STACK_KINDS = (BUILD, ENVIRONMENT)

# A DIY backend (file://, s3://, ...) accepts only this organization name (Pulumi docs, "Stacks").
DIY_ORGANIZATION = "organization"

# The shape of the build stack's outputs. Environment stacks refuse a build stack deployed with
# another contract version: its outputs may mean something else. Raise it when an output changes.
# 4: repositories, access and replication are the build stack's normalised config (3: hand-made shapes).
CONTRACT_VERSION = 4


def key(name: str) -> str:
    """The full config key of an ecr-share setting: ``ecr-share:<name>``."""
    return f"{NAMESPACE}:{name}"
