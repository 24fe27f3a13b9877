"""``verify --live --pull``: the design's "Testing Cross-Account Access", for every service of every
selected environment stack, with that stack's own credentials.

The design logs in to the registry from the destination account and pulls the image. Without Docker
that is three ECR calls (the ones ``docker login`` and ``docker pull`` make, ECR user guide
"Logging Amazon ECR actions with AWS CloudTrail": a pull is BatchGetImage and
GetDownloadUrlForLayer): GetAuthorizationToken; BatchGetImage of exactly the image the service
runs, by tag or digest, from the registry its plan names (build or replica); GetDownloadUrlForLayer
for that image's config blob. ``--docker`` runs the real ``docker login`` and ``docker pull`` too.

Those calls prove what the stack's credentials can pull. The execution role itself can be assumed
only by ECS, so for it IAM's own evaluator answers: SimulatePrincipalPolicy with the role as the
source, the pull actions on the repository ARN, the deployed repository policy as the resource
policy and the registry's account as its owner. Its three answers are the design's three checks.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from components.audit.intent import Environment, Image, ProjectIntent, project_intent, root_arn
from components.aws.rules import AUTH_ACTION, PULL_ACTIONS
from components.config.model import StackConfig
from components.verify.deployments import Deployment, VerifyError
from components.verify.live import Sessions, error_code

CHECKS = {
    1: "the repository policy in the source account includes the destination account",
    2: "the role has ecr:GetAuthorizationToken",
    3: "the role may pull the repository ARN",
}
# What BatchGetImage may answer with (ECR image-manifest-formats.html): a manifest, or an index of
# manifests (multi-architecture images), whose first entry is then fetched.
MANIFEST_TYPES = (
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
    "application/vnd.oci.image.index.v1+json",
)
OK, FAILED, NOT_APPLICABLE, UNKNOWN = "ok", "FAILED", "n/a", "unknown"


@dataclass(frozen=True)
class Step:
    """One call of the pull, as the stack's credentials made it."""

    name: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class Check:
    """One of the design's three checks, for the execution role, with its evidence."""

    number: int
    status: str
    evidence: str

    @property
    def title(self) -> str:
        return CHECKS[self.number]


@dataclass(frozen=True)
class ServicePull:
    stack: str
    service: str
    image: str
    registry: str
    steps: tuple[Step, ...]
    checks: tuple[Check, ...]

    @property
    def pulled(self) -> bool:
        return all(s.ok for s in self.steps) and all(c.status in (OK, NOT_APPLICABLE) for c in self.checks)

    @property
    def failed(self) -> bool:
        return not all(s.ok for s in self.steps) or any(c.status == FAILED for c in self.checks)


class Docker:
    """The Docker CLI, for ``--docker``. ``run`` is the one way out, so tests can stand in for it."""

    def __init__(self, command: str = "docker") -> None:
        self.command = command

    def run(self, args: Sequence[str], stdin: str | None = None) -> tuple[int, str]:
        done = subprocess.run(
            [self.command, *args], input=stdin, capture_output=True, text=True, check=False, timeout=900
        )
        return done.returncode, (done.stderr or done.stdout).strip()

    def check_engine(self) -> None:
        """Stop with one sentence where there is no Docker engine to pull with."""
        if shutil.which(self.command) is None:
            raise VerifyError(
                "--docker needs Docker, but there is no docker command on PATH: install Docker or run "
                "without --docker (the pull test then makes the same calls through the ECR API)"
            )
        code, output = self.run(["version", "--format", "{{.Server.Version}}"])
        if code != 0:
            last = output.splitlines()[-1] if output else f"exit code {code}"
            raise VerifyError(
                f"--docker needs a running Docker engine, and `docker version` reached none ({last}): "
                "start Docker or run without --docker"
            )


SessionsOf = Callable[[Deployment], Sessions]


def pull_test(
    deployments: Iterable[Deployment], sessions_of: SessionsOf, docker: Docker | None = None
) -> tuple[ServicePull, ...]:
    """Every service of every selected environment stack, pulled as its stack would pull it."""
    if docker is not None:
        docker.check_engine()
    results: list[ServicePull] = []
    for deployment in deployments:
        intent = project_intent(deployment)
        run = _Run(deployment, intent, sessions_of(deployment), docker)
        selected = {e.stack for e in deployment.environments}
        for environment in intent.environments:
            if environment.stack in selected:
                results += [run.pull(environment, image) for image in environment.images]
    return tuple(results)


@dataclass
class _Run:
    deployment: Deployment
    intent: ProjectIntent
    sessions: Sessions
    docker: Docker | None
    _policies: dict[str, str | None] = field(default_factory=dict)
    _authorization: dict[tuple[str, str], Check] = field(default_factory=dict)

    def stack(self, name: str) -> StackConfig:
        return next(s for s in self.deployment.reachable if s.stack == name)

    def pull(self, environment: Environment, image: Image) -> ServicePull:
        stack = self.stack(environment.stack)
        with self.sessions.errors(stack):
            session = self.sessions(stack)
            steps = _api_pull(session.client("ecr", region_name=image.region), image)
            if self.docker is not None:
                steps += _docker_pull(self.docker, session.client("ecr", region_name=image.region), image)
            checks = self.checks(environment, image, session.client("iam"))
        registry = self.intent.registry(image.account_id, image.region)
        label = registry.label if registry else f"registry {image.account_id} {image.region}"
        return ServicePull(environment.stack, image.service, image.reference, label, tuple(steps), checks)

    def checks(self, environment: Environment, image: Image, iam: Any) -> tuple[Check, ...]:
        role = environment.execution_role_arn
        key = (environment.stack, image.region)
        if key not in self._authorization:
            self._authorization[key] = _simulated(
                2, iam, role, [AUTH_ACTION], "*", lambda d: f"ecr:GetAuthorizationToken on * is {d}"
            )
        identity = _simulated(
            3,
            iam,
            role,
            list(PULL_ACTIONS),
            image.repository_arn,
            lambda d: f"the pull actions on {image.repository_arn} are {d}",
        )
        return (self.repository_check(environment, image, iam, identity), self._authorization[key], identity)

    def repository_check(self, environment: Environment, image: Image, iam: Any, identity: Check) -> Check:
        where = f"{image.repository} in {image.account_id} {image.region}"
        if image.account_id == environment.account_id:
            return Check(1, NOT_APPLICABLE, f"{where} is in the role's own account: its own policy decides")
        policy = self.policy(image)
        if policy is None:
            return Check(
                1, FAILED, f"repository {where} has no repository policy, so no other account can pull it"
            )
        try:
            result = _simulate(
                iam,
                role=environment.execution_role_arn,
                actions=list(PULL_ACTIONS),
                resource=image.repository_arn,
                resource_policy=policy,
                owner=root_arn(image.account_id, image.region),
            )
        except ClientError as failure:
            return Check(
                1, UNKNOWN, f"IAM's policy simulator refused: {error_code(failure)}: {_message(failure)}"
            )
        statements = _pull_statements(policy)
        resource = _resource_decision(result)
        if resource is None:
            # Without the per-policy details, both sides are known only when the role's own side allows.
            resource = _decision(result) if identity.status == OK else None
        if resource is None:
            return Check(
                1, UNKNOWN, f"not separable: the role's own policy denies as well; {where}: {statements}"
            )
        status = OK if resource == "allowed" else FAILED
        verb = "lets" if status == OK else "does not let"
        return Check(
            1,
            status,
            f"the repository policy of {where} {verb} account {environment.account_id} pull "
            f"(IAM policy simulator: {resource}); {statements}",
        )

    def policy(self, image: Image) -> str | None:
        """The deployed repository policy, read through a stack deployed to the registry's account."""
        if image.repository_arn not in self._policies:
            owner = next((s for s in self.deployment.reachable if s.account_id == image.account_id), None)
            if owner is None:
                raise VerifyError(
                    f"no stack deploys to account {image.account_id}, so the policy of {image.repository} "
                    "there cannot be read"
                )
            with self.sessions.errors(owner):
                ecr = self.sessions(owner).client("ecr", region_name=image.region)
                try:
                    text = ecr.get_repository_policy(
                        registryId=image.account_id, repositoryName=image.repository
                    )["policyText"]
                except ClientError as failure:
                    if error_code(failure) not in (
                        "RepositoryPolicyNotFoundException",
                        "RepositoryNotFoundException",
                    ):
                        raise
                    text = None
            self._policies[image.repository_arn] = text
        return self._policies[image.repository_arn]


def _api_pull(ecr: Any, image: Image) -> list[Step]:
    """The calls ``docker login`` and ``docker pull`` make, stopping at the first that fails."""
    steps: list[Step] = []
    try:
        ecr.get_authorization_token()
        steps.append(Step("GetAuthorizationToken", True))
        manifest = _manifest(ecr, image, image.image_id)
        if manifest.get("mediaType") in MANIFEST_TYPES[2:] or "manifests" in manifest:
            first = manifest["manifests"][0]["digest"]
            manifest = _manifest(ecr, image, {"imageDigest": first})
        steps.append(Step("BatchGetImage", True, f"{image.repository} {_image_id_text(image.image_id)}"))
        config = manifest["config"]["digest"]
        ecr.get_download_url_for_layer(
            registryId=image.account_id, repositoryName=image.repository, layerDigest=config
        )
        steps.append(Step("GetDownloadUrlForLayer", True, f"config blob {config}"))
    except _PullFailed as failure:
        steps.append(Step(failure.call, False, failure.detail))
    except ClientError as failure:
        call = ("GetAuthorizationToken", "BatchGetImage", "GetDownloadUrlForLayer")[min(len(steps), 2)]
        steps.append(Step(call, False, f"{error_code(failure)}: {_message(failure)}"))
    return steps


class _PullFailed(Exception):
    def __init__(self, call: str, detail: str) -> None:
        super().__init__(detail)
        self.call = call
        self.detail = detail


def _manifest(ecr: Any, image: Image, image_id: dict[str, str]) -> dict[str, Any]:
    answer = ecr.batch_get_image(
        registryId=image.account_id,
        repositoryName=image.repository,
        imageIds=[image_id],
        acceptedMediaTypes=list(MANIFEST_TYPES),
    )
    if not answer.get("images"):
        failure = (answer.get("failures") or [{}])[0]
        reason = f"{failure.get('failureCode', 'no image')}: {failure.get('failureReason', '')}".rstrip(": ")
        raise _PullFailed("BatchGetImage", f"{image.repository} {_image_id_text(image_id)}: {reason}")
    manifest: dict[str, Any] = json.loads(answer["images"][0]["imageManifest"])
    return manifest


def _image_id_text(image_id: dict[str, str]) -> str:
    return f"@{image_id['imageDigest']}" if "imageDigest" in image_id else f":{image_id['imageTag']}"


def _docker_pull(docker: Docker, ecr: Any, image: Image) -> list[Step]:
    """The design's two commands, with this stack's token: ``docker login`` then ``docker pull``."""
    try:
        token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    except ClientError as failure:
        return [Step("docker login", False, f"{error_code(failure)}: {_message(failure)}")]
    password = base64.b64decode(token).decode().split(":", 1)[1]
    code, output = docker.run(
        ["login", "--username", "AWS", "--password-stdin", image.registry_host], password
    )
    if code != 0:
        return [Step("docker login", False, output)]
    code, output = docker.run(["pull", image.reference])
    return [Step("docker login", True), Step("docker pull", code == 0, "" if code == 0 else output)]


def _simulate(
    iam: Any,
    *,
    role: str,
    actions: list[str],
    resource: str,
    resource_policy: str | None = None,
    owner: str | None = None,
) -> list[dict[str, Any]]:
    params: dict[str, Any] = {"PolicySourceArn": role, "ActionNames": actions, "ResourceArns": [resource]}
    if resource_policy is not None:
        params["ResourcePolicy"] = resource_policy
    if owner is not None:
        params["ResourceOwner"] = owner
    results: list[dict[str, Any]] = []
    for page in iam.get_paginator("simulate_principal_policy").paginate(**params):
        results += page["EvaluationResults"]
    return results


def _simulated(
    number: int, iam: Any, role: str, actions: list[str], resource: str, what: Callable[[str], str]
) -> Check:
    """A check of the role's own policies alone (no resource policy: the role's account decides)."""
    try:
        results = _simulate(iam, role=role, actions=actions, resource=resource)
    except ClientError as failure:
        if error_code(failure) == "NoSuchEntity":
            return Check(number, FAILED, f"role {role} does not exist")
        return Check(
            number, UNKNOWN, f"IAM's policy simulator refused: {error_code(failure)}: {_message(failure)}"
        )
    denied = [r["EvalActionName"] for r in results if r["EvalDecision"] != "allowed"]
    if not denied:
        sources = sorted(
            {
                m["SourcePolicyId"]
                for r in results
                for m in r.get("MatchedStatements", [])
                if m.get("SourcePolicyId")
            }
        )
        return Check(
            number, OK, f"{what('allowed')} by {', '.join(sources) or 'the role policies'} of {role}"
        )
    decisions = sorted({r["EvalDecision"] for r in results if r["EvalDecision"] != "allowed"})
    return Check(
        number,
        FAILED,
        f"{', '.join(denied)} on {resource}: {'/'.join(decisions)} for {role}: no statement of its policies allows "
        + ("it" if len(denied) == 1 else "them"),
    )


def _decision(results: list[dict[str, Any]]) -> str:
    decisions = {r["EvalDecision"] for r in results}
    return next((d for d in ("explicitDeny", "implicitDeny") if d in decisions), "allowed")


def _resource_decision(results: list[dict[str, Any]]) -> str | None:
    """The resource policy's own decision, from the per-policy details IAM gives for cross-account
    simulations (EvalDecisionDetails); None where it gave none."""
    decisions = []
    for result in results:
        details = result.get("EvalDecisionDetails") or {}
        found = [v for k, v in details.items() if "resource" in k.lower()]
        if not found:
            return None
        decisions += found
    return next((d for d in ("explicitDeny", "implicitDeny") if d in decisions), "allowed")


def _pull_statements(policy: str) -> str:
    """The deployed policy's statements about pulls, for people: Sid, effect and principals."""
    document = json.loads(policy)
    statements = document.get("Statement", [])
    described = []
    for index, statement in enumerate(statements if isinstance(statements, list) else [statements]):
        actions = statement.get("Action", [])
        actions = actions if isinstance(actions, list) else [actions]
        if not any(a == "ecr:*" or a in PULL_ACTIONS or a == "*" for a in actions):
            continue
        principal = statement.get("Principal", {})
        names: list[str] = []
        if isinstance(principal, dict):
            for value in principal.values():
                names += value if isinstance(value, list) else [value]
        else:
            names.append(str(principal))
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        condition = " with conditions" if statement.get("Condition") else ""
        sid = statement.get("Sid", f"statement {index + 1}")
        described.append(f"{sid} ({statement.get('Effect')}): {shown}{condition}")
    return "its pull statements: " + ("; ".join(described) if described else "none")


def _message(failure: ClientError) -> str:
    return str(failure.response.get("Error", {}).get("Message", ""))
