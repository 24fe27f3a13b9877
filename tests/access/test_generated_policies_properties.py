"""Property-based proof of the generated policies, evaluated with the offline access evaluator.

For many random valid configurations (account list or organization, several repositories, several
environments), parsed with the real ``parse_stack_config`` and rendered with the real policy
builders exactly as ``components.program`` wires them:
- every intended consumer's execution role can pull exactly the repositories its services use;
- a role of an account or organization that was not granted cannot pull, even with ``ecr:*`` on
  ``*`` in its own identity policy;
- no consumer can push, delete images or the repository, or change the repository policy.

Hypothesis runs derandomized with a bounded number of examples, so CI is deterministic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.access import Decision, Principal, Request, can_pull, evaluate
from components.aws_rules import partition_for
from components.model import BuildStack, EnvironmentStack
from components.naming import execution_role_name, log_group_arn, repository_arn
from components.policies import execution_role_policy, repository_pull_policy
from components.stack_config import parse_stack_config

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

accounts = st.from_regex(r"[0-9]{12}", fullmatch=True)
repository_names = st.from_regex(r"[a-z][a-z0-9]{1,8}(-[a-z0-9]{1,4})?(/[a-z0-9]{2,6})?", fullmatch=True)
org_ids = st.from_regex(r"o-[a-z0-9]{10}", fullmatch=True)
ou_ids = st.from_regex(r"ou-[a-z0-9]{4}-[a-z0-9]{8}", fullmatch=True)


@dataclass(frozen=True)
class Scenario:
    build: BuildStack
    environments: tuple[EnvironmentStack, ...]
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
        root = f"r-{draw(st.from_regex(r'[a-z0-9]{4}', fullmatch=True))}"
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

    build = parse_stack_config(
        "build",
        {
            "aws:region": region,
            "aws:allowedAccountIds": [build_account],
            "ecr-share:stackKind": "build",
            "ecr-share:repositories": repositories,
            "ecr-share:access": access,
        },
    )
    assert isinstance(build, BuildStack)
    environments = []
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
        environment = parse_stack_config(f"env{index}", config)
        assert isinstance(environment, EnvironmentStack)
        environments.append(environment)
    return Scenario(build, tuple(environments), stranger, stranger_org)


def repo_arn(build: BuildStack, name: str) -> str:
    return repository_arn(build.region, build.account_id, name)


def repository_policy(build: BuildStack) -> dict[str, Any]:
    return repository_pull_policy(build.access, partition_for(build.region))


def consumer_role(
    build: BuildStack, env: EnvironmentStack, identity: dict[str, Any] | None = None
) -> Principal:
    """The environment's execution role as components.program deploys it."""
    policy = identity or execution_role_policy(
        [repo_arn(build, r) for r in env.repositories],
        [log_group_arn(env.region, env.account_id, s.name) for s in env.services],
    )
    path = env.organization_path
    return Principal(
        account_id=env.account_id,
        arn=f"arn:{partition_for(env.region)}:iam::{env.account_id}:role/{execution_role_name(env.stack)}",
        organization_id=path.split("/", 1)[0] if path else None,
        organization_paths=(path,) if path else (),
        identity_policies=(policy,),
    )


@PROPERTY_SETTINGS
@given(scenarios())
def test_every_consumer_pulls_exactly_the_repositories_it_uses(scenario: Scenario) -> None:
    build = scenario.build
    policy = repository_policy(build)
    for env in scenario.environments:
        role = consumer_role(build, env)
        for repository in build.repositories:
            result = can_pull(role, repo_arn(build, repository.name), policy)
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
        result = can_pull(stranger, repo_arn(build, repository.name), repository_policy(build))
        assert result.decision is Decision.DENY, result.reasons
        # It is the repository policy that refuses (check 1), not the stranger's own policy.
        assert all(evaluation.resource_allows is False for _, evaluation in result.actions)


@PROPERTY_SETTINGS
@given(scenarios())
def test_no_consumer_can_push_delete_or_change_the_repository_policy(scenario: Scenario) -> None:
    build = scenario.build
    policy = repository_policy(build)
    for env in scenario.environments:
        # With the role ecr-share generates, and even if the consumer account's admin gives the
        # role ecr:* on *: the repository policy grants pull actions only.
        for role in (consumer_role(build, env), consumer_role(build, env, ADMIN)):
            for repository in build.repositories:
                for action in FORBIDDEN_ACTIONS:
                    request = Request(
                        role, action, repo_arn(build, repository.name), build.account_id, policy
                    )
                    assert evaluate(request).decision is Decision.DENY, (env.stack, action)
