"""The execution role's documents: exactly the seed's step 2 and a confused-deputy-safe trust."""

from __future__ import annotations

import json

from components.aws.policy import canonical_json
from components.consumers.documents import ecs_tasks_trust_policy, execution_role_policy

SEED_PULL_ACTIONS = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]


def test_execution_role_policy_is_the_seeds_step_2_plus_own_logs() -> None:
    repository = "arn:aws:ecr:us-east-1:111111111111:repository/web-app"
    logs = "arn:aws:logs:us-east-1:444444444444:log-group:/ecs/web-app:*"
    assert execution_role_policy([repository], [logs]) == {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "ECRAuth", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken"], "Resource": "*"},
            {"Sid": "ECRPull", "Effect": "Allow", "Action": SEED_PULL_ACTIONS, "Resource": [repository]},
            {
                "Sid": "WriteOwnLogs",
                "Effect": "Allow",
                "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": [logs],
            },
        ],
    }


def test_only_get_authorization_token_is_granted_on_star() -> None:
    document = execution_role_policy(["arn:aws:ecr:us-east-1:111111111111:repository/a"], ["log"])
    on_star = [s for s in document["Statement"] if s["Resource"] == "*"]
    assert [s["Action"] for s in on_star] == [["ecr:GetAuthorizationToken"]]


def test_trust_policy_admits_ecs_tasks_of_its_own_account_only() -> None:
    assert json.loads(canonical_json(ecs_tasks_trust_policy("444444444444"))) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EcsTasksAssumeRole",
                "Effect": "Allow",
                "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                "Action": ["sts:AssumeRole"],
                "Condition": {"StringEquals": {"aws:SourceAccount": "444444444444"}},
            }
        ],
    }


def test_role_policy_rendering_is_deterministic_whatever_the_input_order() -> None:
    first = execution_role_policy(["arn:b", "arn:a", "arn:a"], ["log:b", "log:a"])
    second = execution_role_policy(["arn:a", "arn:b"], ["log:a", "log:b"])
    assert canonical_json(first) == canonical_json(second)
