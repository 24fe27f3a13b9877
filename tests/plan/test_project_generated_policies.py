"""Property-based proof of the generated policies, evaluated with the offline access evaluator.

For many random valid configurations (account list or organization, several repositories, several
environments), planned with the real ``plan_stacks`` (the plans the program registers exactly,
``tests/plan/test_registration``), with the documents taken from the planned resources:
- every intended consumer's execution role can pull exactly the repositories its services use;
- a role of an account or organization that was not granted cannot pull, even with ``ecr:*`` on
  ``*`` in its own identity policy;
- no consumer can push, delete images or the repository, or change the repository policy.

Hypothesis runs derandomized with a bounded number of examples, so CI is deterministic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.aws.names import repository_arn
from components.aws.rules import partition_for
from components.config.model import BuildStack, EnvironmentStack
from components.consumers.resources import ROLE, ROLE_POLICY
from components.plan.model import StackPlan
from components.plan.project import plan_stacks
from components.repositories.resources import REPOSITORY_POLICY
from components.verify.evaluator import Decision, Principal, Request, can_pull, evaluate

PROPERTY_SETTINGS = settings(
    max_examples=100, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
BUILD_STACK = "organization/ecr-share/build"
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-2")
ADMIN = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]}
# Every ECR action that writes images, deletes, or changes who may pull (ECR API reference).
FORBIDDEN_ACTIONS = (
    "ecr:InitiateLayerUpload",
    "ecr:UploadLayerPart",
    "ecr:CompleteLayerUpload",
    "ecr:PutImage",
    "ecr:BatchDeleteImage",
    "ecr:DeleteRepository",
    "ecr:SetRepositoryPolicy",
    "ecr:DeleteRepositoryPolicy",
    "ecr:PutLifecyclePolicy",
    "ecr:PutImageTagMutability",
    "ecr:TagResource",
)

# Built from small alphabets rather than st.from_regex, which costs most of these tests' time.
LOWER = "abcdefghijklmnopqrstuvwxyz"
ALNUM = LOWER + "0123456789"


def word(size: int, most: int | None = None) -> st.SearchStrategy[str]:
    return st.text(ALNUM, min_size=size, max_size=size if most is None else most)


accounts = st.integers(0, 10**12 - 1).map(lambda n: f"{n:012d}")
# [a-z][a-z0-9]{1,8}(-[a-z0-9]{1,4})?(/[a-z0-9]{2,6})?
repository_names = st.builds(
    lambda first, rest, dash, namespace: first + rest + dash + namespace,
    st.sampled_from(LOWER),
    word(1, 8),
    st.one_of(st.just(""), word(1, 4).map(lambda w: f"-{w}")),
    st.one_of(st.just(""), word(2, 6).map(lambda w: f"/{w}")),
)
org_ids = word(10).map(lambda w: f"o-{w}")
ou_ids = st.builds(lambda a, b: f"ou-{a}-{b}", word(4), word(8))


@dataclass(frozen=True)
class Scenario:
    build: BuildStack
    environments: tuple[EnvironmentStack, ...]
    plans: dict[str, StackPlan]
    stranger_account: str  # neither the build account, nor granted, nor a consumer
    stranger_organization: tuple[str | None, tuple[str, ...]]  # org and paths of the stranger


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    ids = draw(st.lists(accounts, min_size=7, max_size=7, unique=True))
    build_account, stranger, *consumer_pool = ids
    repositories = draw(st.lists(repository_names, min_size=1, max_size=4, unique=True))
    consumer_accounts = consumer_pool[: draw(st.integers(1, 4))]
    organization_mode = draw(st.booleans())
    region = draw(st.sampled_from(REGIONS))

    env_paths: dict[str, str] = {}
    if organization_mode:
        org = draw(org_ids)
        root = f"r-{draw(word(4))}"
        ous = draw(st.lists(ou_ids, min_size=2, max_size=4, unique=True))
        granted_ou, other_ou, *_ = ous
        narrowed = draw(st.booleans())
        access: dict[str, Any] = {"organizationId": org}
        if narrowed:
            access["organizationPaths"] = [f"{org}/{root}/{granted_ou}/*"]
        for account in consumer_accounts:
            child = draw(st.one_of(st.just(""), ou_ids.map(lambda ou: f"{ou}/")))
            env_paths[account] = f"{org}/{root}/{granted_ou}/{child}"
        # The stranger is outside the organization, in another one, or (when the grant is
        # narrowed to an OU) a member of the organization in another OU.
        choices: list[tuple[str | None, tuple[str, ...]]] = [
            (None, ()),
            ("o-zzzzzzzzzz", (f"o-zzzzzzzzzz/{root}/{granted_ou}/",)),
        ]
        if narrowed:
            choices.append((org, (f"{org}/{root}/{other_ou}/",)))
        stranger_org = draw(st.sampled_from(choices))
    else:
        extra = draw(st.lists(accounts, max_size=2))
        granted = [
            a for a in dict.fromkeys([*consumer_accounts, *extra]) if a not in (build_account, stranger)
        ]
        access = {"accounts": granted}
        stranger_org = (None, ())

    stacks: dict[str, dict[str, Any]] = {
        "build": {
            "aws:region": region,
            "aws:allowedAccountIds": [build_account],
            "ecr-share:stackKind": "build",
            "ecr-share:repositories": repositories,
            "ecr-share:access": access,
        }
    }
    for index, account in enumerate(consumer_accounts):
        used = draw(st.lists(st.sampled_from(repositories), min_size=1, max_size=3))
        config: dict[str, Any] = {
            "aws:region": draw(st.sampled_from(REGIONS)),
            "aws:allowedAccountIds": [account],
            "ecr-share:stackKind": "environment",
            "ecr-share:buildStack": BUILD_STACK,
            "ecr-share:services": [
                {
                    "name": f"svc{n}",
                    "repository": r,
                    "imageTag": "v1",
                    "cpu": 256,
                    "memory": 512,
                    "containerPort": 80,
                }
                for n, r in enumerate(used)
            ],
        }
        if account in env_paths:
            config["ecr-share:organizationPath"] = env_paths[account]
        stacks[f"env{index}"] = config
    project = plan_stacks(stacks)
    (build,) = project.builds()
    environments = tuple(project.environments_of("build"))
    return Scenario(build, environments, dict(project.plans), stranger, stranger_org)


def repo_arn(build: BuildStack, name: str) -> str:
    return repository_arn(build.region, build.account_id, name)


def repository_policy(scenario: Scenario, name: str) -> dict[str, Any]:
    """The policy the build plan attaches to repository ``name``."""
    (policy,) = (
        r for r in scenario.plans["build"].of_type(REPOSITORY_POLICY) if r.inputs["repository"] == name
    )
    return dict(json.loads(policy.inputs["policy"]))


def consumer_role(
    scenario: Scenario, env: EnvironmentStack, identity: dict[str, Any] | None = None
) -> Principal:
    """The environment's execution role as its plan registers it (or with ``identity`` instead)."""
    plan = scenario.plans[env.stack]
    (role,) = plan.of_type(ROLE)
    (policy,) = plan.of_type(ROLE_POLICY)
    path = env.organization_path
    return Principal(
        account_id=env.account_id,
        arn=f"arn:{partition_for(env.region)}:iam::{env.account_id}:role/{role.inputs['name']}",
        organization_id=path.split("/", 1)[0] if path else None,
        organization_paths=(path,) if path else (),
        identity_policies=(identity or json.loads(policy.inputs["policy"]),),
    )


@PROPERTY_SETTINGS
@given(scenarios())
def test_every_consumer_pulls_exactly_the_repositories_it_uses(scenario: Scenario) -> None:
    build = scenario.build
    for env in scenario.environments:
        role = consumer_role(scenario, env)
        for repository in build.repositories:
            result = can_pull(
                role, repo_arn(build, repository.name), repository_policy(scenario, repository.name)
            )
            expected = Decision.ALLOW if repository.name in env.repositories else Decision.DENY
            assert result.decision is expected, (env.stack, repository.name, result.reasons)


@PROPERTY_SETTINGS
@given(scenarios())
def test_an_ungranted_account_cannot_pull_even_with_ecr_star(scenario: Scenario) -> None:
    build = scenario.build
    organization, paths = scenario.stranger_organization
    stranger = Principal(
        account_id=scenario.stranger_account,
        arn=f"arn:aws:iam::{scenario.stranger_account}:role/admin",
        organization_id=organization,
        organization_paths=paths,
        identity_policies=(ADMIN,),
    )
    assert stranger.account_id != build.account_id
    for repository in build.repositories:
        result = can_pull(
            stranger, repo_arn(build, repository.name), repository_policy(scenario, repository.name)
        )
        assert result.decision is Decision.DENY, result.reasons
        # It is the repository policy that refuses (check 1), not the stranger's own policy.
        assert all(evaluation.resource_allows is False for _, evaluation in result.actions)


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_consumer_can_push_delete_or_change_the_repository_policy(scenario: Scenario) -> None:
    build = scenario.build
    for env in scenario.environments:
        # With the role ecr-share generates, and even if the consumer account's admin gives the
        # role ecr:* on *: the repository policy grants pull actions only.
        for role in (consumer_role(scenario, env), consumer_role(scenario, env, ADMIN)):
            for repository in build.repositories:
                policy = repository_policy(scenario, repository.name)
                for action in FORBIDDEN_ACTIONS:
                    request = Request(
                        role, action, repo_arn(build, repository.name), build.account_id, policy
                    )
                    assert evaluate(request).decision is Decision.DENY, (env.stack, action)
