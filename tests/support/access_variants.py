"""Variants of the committed deployment for the access analysis tests, built as data: the config
records replaced (``dataclasses.replace``) and the planned documents replaced by the exact text a plan
registers. The analysis is tested on the documents alone, whatever the config checks of the day
accept: a variant the config path refuses is still a document the component path or a hand edit
could produce."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

from components.config.model import EnvironmentStack
from components.plan.model import Resource
from components.verify.deployments import Deployment
from components.verify.intended import intended_state
from components.verify.matrix import AccessMatrix, build_matrix
from components.verify.report import Report, render_table

ROOT = Path(__file__).resolve().parents[2]
BUILD_REPOSITORY_POLICY = "aws:ecr/repositoryPolicy:RepositoryPolicy"
BUILD_TEMPLATE = "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate::replicas-us-west-2-ROOT"
PROD_REGISTRY_POLICY = "aws:ecr/registryPolicy:RegistryPolicy::replication-registry-policy"
DEV_EXECUTION_ROLE = "arn:aws:iam::222222222222:role/ecr-share-dev-execution"


def with_input(deployment: Deployment, stack: str, key: str, name: str, document: Any) -> Deployment:
    """The deployment with one planned resource's input (a policy: given as a dict, sent as JSON)."""
    plan = deployment.plans[stack]
    text = document if isinstance(document, str) else json.dumps(document, separators=(",", ":"))
    assert key in {r.key for r in plan.resources}, key
    resources = tuple(_with(r, name, text) if r.key == key else r for r in plan.resources)
    return replace(deployment, plans={**deployment.plans, stack: replace(plan, resources=resources)})


def _with(resource: Resource, name: str, text: str) -> Resource:
    return replace(resource, inputs={**resource.inputs, name: text})


def with_environment(deployment: Deployment, stack: str, **changes: Any) -> Deployment:
    def changed(env: EnvironmentStack) -> EnvironmentStack:
        return replace(env, **changes) if env.stack == stack else env

    return replace(
        deployment,
        environments=tuple(changed(e) for e in deployment.environments),
        every_environment=tuple(changed(e) for e in deployment.every_environment),
    )


def verified(deployment: Deployment) -> tuple[AccessMatrix, Report, str]:
    matrix = build_matrix(deployment, intended_state(deployment))
    report = Report(False, ".", (matrix,))
    return matrix, report, render_table(report)
