"""``verify --live`` reads back every lifecycle policy the plans deploy (each build repository's, each
creation template's, each replica's against its template) and runs the pin check on the deployed
rules: a rule rewritten behind the program's back to expire an image an environment runs is drift
(exit code 1), named twice: the rules that differ, and the image the deployed rule would delete."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.deployed import client, deploy
from tests.support.verify_cli import drift

BUILD, PROD = "111111111111", "444444444444"

# "Keep one image of any tag": what someone writes to save storage, and what deletes v1.2.3.
KEEP_ONE = {
    "rules": [
        {
            "rulePriority": 1,
            "description": "Keep one image of any tag",
            "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 1},
            "action": {"type": "expire"},
        }
    ]
}
KEEP_ONE_RULE = (
    '{"action":{"type":"expire"},"description":"Keep one image of any tag","rulePriority":1,'
    '"selection":{"countNumber":1,"countType":"imageCountMoreThan","tagStatus":"any"}}'
)
UNTAGGED_RULE = (
    '{"action":{"type":"expire"},"description":"Expire untagged images 14 days after their push",'
    '"rulePriority":1,"selection":{"countNumber":14,"countType":"sinceImagePushed","countUnit":"days",'
    '"tagStatus":"untagged"}}'
)
DEV_RULE = (
    '{"action":{"type":"expire"},"description":"Keep only the newest 20 images tagged dev-*","rulePriority":2,'
    '"selection":{"countNumber":20,"countType":"imageCountMoreThan","tagPrefixList":["dev-"],'
    '"tagStatus":"tagged"}}'
)


def rewritten(label: str) -> list[str]:
    """The drift findings of a lifecycle policy replaced by KEEP_ONE."""
    return [
        f"{label}: lifecyclePolicy rules include {KEEP_ONE_RULE}, which the plan does not",
        f"{label}: lifecyclePolicy rules lack {UNTAGGED_RULE}, which the plan deploys",
        f"{label}: lifecyclePolicy rules lack {DEV_RULE}, which the plan deploys",
    ]


def expires(where: str, stack: str, image: str = "web-app:v1.2.3", service: str = "web-app") -> str:
    return (
        f"lifecycle: rule 1 (keep one image of any tag) of {where} can expire {image}, which stack {stack} "
        f"runs (service {service}): once 1 newer images match the rule, ECR deletes it and the service can "
        "no longer start"
    )


def test_a_build_repositorys_policy_rewritten_to_keep_one_image_of_any_tag(aws: None, project: Path) -> None:
    """The defect: exit code 0 before. dev and staging run web-app:v1.2.3 from the build registry.
    And worker's policy deleted."""
    deploy(project)
    ecr = client("ecr", BUILD)
    ecr.put_lifecycle_policy(repositoryName="web-app", lifecyclePolicyText=json.dumps(KEEP_ONE))
    ecr.delete_lifecycle_policy(repositoryName="worker")
    where = "the deployed lifecycle policy of web-app in 111111111111 us-east-1"
    code, found = drift(project)
    assert (code, found[:3]) == (1, rewritten("repository web-app in 111111111111 us-east-1 (stack build)"))
    assert found[3].startswith(
        "repository worker in 111111111111 us-east-1 (stack build): lifecyclePolicy is missing (planned: "
        '{"rules":[{"action":{"type":"expire"},"description":"Expire untagged images 14 days after their push"'
    )
    assert found[4:] == [expires(where, "dev"), expires(where, "staging")]


def test_a_replicas_own_policy_is_checked_against_its_template_and_the_images_it_serves(
    aws: None, project: Path
) -> None:
    """prod runs both images from its replicas: a template applies only when ECR creates a replica,
    so what is in force is the replica's own policy."""
    deploy(project)
    client("ecr", PROD).put_lifecycle_policy(
        repositoryName="worker", lifecyclePolicyText=json.dumps(KEEP_ONE)
    )
    digest = "worker@sha256:0b4e1a5c3f2d6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a"
    assert drift(project) == (
        1,
        [
            *rewritten("replica worker in 444444444444 us-east-1 (stack prod)"),
            expires(
                "the deployed lifecycle policy of the replica worker in 444444444444 us-east-1",
                "prod",
                digest,
                "worker",
            ),
        ],
    )


def test_a_templates_policy_applies_to_the_replicas_it_has_not_made_yet(aws: None, project: Path) -> None:
    """Rewritten in prod's ROOT template, the rule reaches no existing replica; once web-app's replica
    is gone (ECR makes it again from the template with the next push), it is what will be in force."""
    deploy(project)
    ecr = client("ecr", PROD)
    ecr.update_repository_creation_template(
        prefix="ROOT", appliedFor=["REPLICATION"], lifecyclePolicy=json.dumps(KEEP_ONE)
    )
    label = "creation template ROOT in 444444444444 us-east-1 (stack prod)"
    assert drift(project) == (1, rewritten(label))
    ecr.delete_repository(repositoryName="web-app", force=True)
    where = "the deployed creation template ROOT of its replica in 444444444444 us-east-1"
    assert drift(project) == (1, [*rewritten(label), expires(where, "prod")])


def test_a_replicas_settings_are_its_templates(aws: None, project: Path) -> None:
    deploy(project)
    client("ecr", PROD).put_image_tag_mutability(repositoryName="web-app", imageTagMutability="MUTABLE")
    assert drift(project) == (
        1,
        [
            "replica web-app in 444444444444 us-east-1 (stack prod): imageTagMutability is MUTABLE (planned: IMMUTABLE)"
        ],
    )
