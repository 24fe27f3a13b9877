"""``pulumi up`` per stack on the real CLI, as the README's deploy section runs it (see conftest for the
stand-ins it runs with)."""

from __future__ import annotations

import yaml

from components.contract.outputs import read_build_outputs
from tests_engine.conftest import Engine

BUILD_ACCOUNT, PROD_ACCOUNT = "111111111111", "444444444444"
REGISTRY = f"{BUILD_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
REPLICA_REGISTRY = f"{PROD_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"


def quick_start(engine: Engine) -> None:
    """The README's deploy section, as written: both stacks, then `up` of each in order."""
    engine.pulumi("stack", "init", "build")
    engine.pulumi("stack", "init", "prod")
    engine.pulumi("up", "-s", "build", "--yes")
    engine.pulumi("up", "-s", "prod", "--yes")


def test_quick_start_deploys_both_stacks_with_the_documented_outputs(engine: Engine) -> None:
    quick_start(engine)

    build = engine.outputs("build")
    assert build["contractVersion"] == 4
    assert build["registryId"] == BUILD_ACCOUNT
    assert build["region"] == "us-east-1"
    assert build["repositoryArns"] == {
        name: f"arn:aws:ecr:us-east-1:{BUILD_ACCOUNT}:repository/{name}" for name in ("web-app", "worker")
    }
    assert build["repositoryUrls"] == {name: f"{REGISTRY}/{name}" for name in ("web-app", "worker")}
    assert build["access"] == {"accounts": ["222222222222", "333333333333", PROD_ACCOUNT]}

    # The environment read those outputs through a StackReference from the file backend's state.
    prod = engine.outputs("prod")
    assert prod["executionRoleArn"] == f"arn:aws:iam::{PROD_ACCOUNT}:role/ecr-share-prod-execution"
    assert prod["images"] == {
        "web-app": f"{REPLICA_REGISTRY}/web-app:v1.2.3",
        "worker": f"{REPLICA_REGISTRY}/worker@sha256:"
        "0b4e1a5c3f2d6e7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1a",
    }
    assert prod["taskDefinitionArns"] == {
        name: f"arn:aws:ecs:us-east-1:{PROD_ACCOUNT}:task-definition/{name}:1"
        for name in ("web-app", "worker")
    }
    assert prod.get("ecsServices", {}) == {}

    # What the stand-in created in moto, in each stack's own account.
    repositories = engine.aws("ecr", BUILD_ACCOUNT).describe_repositories()["repositories"]
    assert {(r["repositoryName"], r["imageTagMutability"]) for r in repositories} == {
        ("web-app", "IMMUTABLE"),
        ("worker", "IMMUTABLE"),
    }
    role = engine.aws("iam", PROD_ACCOUNT).get_role(RoleName="ecr-share-prod-execution")["Role"]
    assert role["Arn"] == prod["executionRoleArn"]

    # A second `up` of each stack changes nothing (--expect-no-changes fails the command otherwise).
    for stack in ("build", "prod"):
        engine.pulumi("up", "-s", stack, "--yes", "--expect-no-changes")


def changed_steps(engine: Engine, stack: str) -> set[tuple[str, str]]:
    """(operation, resource name) of every step of a preview that changes something."""
    return {
        (s["op"], s["urn"].rsplit("::", 1)[1])
        for s in engine.preview_steps(stack)
        if s["op"] not in ("same", "read")
    }


def test_config_set_path_reaches_the_program_as_structured_config(engine: Engine) -> None:
    """`pulumi config set --path` writes a nested value into a list the program reads back as
    structured config: the repository is updated in place, protected as it is."""
    engine.pulumi("stack", "init", "build")
    engine.pulumi("up", "-s", "build", "--yes")
    engine.pulumi("config", "set", "-s", "build", "--path", "ecr-share:repositories[1].scanOnPush", "false")

    written = yaml.safe_load((engine.project / "Pulumi.build.yaml").read_text())
    assert written["config"]["ecr-share:repositories"][1]["scanOnPush"] is False

    assert changed_steps(engine, "build") == {("update", "shared-worker")}
    engine.pulumi("up", "-s", "build", "--yes")
    (worker,) = engine.aws("ecr", BUILD_ACCOUNT).describe_repositories(repositoryNames=["worker"])[
        "repositories"
    ]
    assert worker["imageScanningConfiguration"] == {"scanOnPush": False}


def test_a_changed_lifecycle_rule_deploys(engine: Engine) -> None:
    """Found by this stage: a lifecycle policy took its repository's protection, and pulumi-aws replaces
    one on any change, so the engine refused; protection is now exactly the plan's."""
    engine.pulumi("stack", "init", "build")
    engine.pulumi("up", "-s", "build", "--yes")
    engine.pulumi(
        "config", "set", "-s", "build", "--path", "ecr-share:lifecycle.expireUntaggedAfterDays", "30"
    )
    engine.pulumi("up", "-s", "build", "--yes")


def test_verify_live_after_up_reports_no_drift(engine: Engine) -> None:
    """`verify --live` reads what `pulumi up` left in moto (each stack's aws:profile assumes a role
    in its account) and finds it as planned."""
    for stack in ("dev", "staging"):  # the README deploys build and prod only
        (engine.project / f"Pulumi.{stack}.yaml").unlink()
    quick_start(engine)
    first_replicated_push(engine)
    result = engine.python("-m", "components", "verify", "--live", check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert result.stdout.endswith(
        "Result: all 13 intended pulls are allowed; no access of any class goes beyond what the config declares; "
        "the deployed policies match the plan (exit code 0)\n"
    ), result.stdout[-4000:]


def first_replicated_push(engine: Engine) -> None:
    """What ECR does at the first push after replication is configured, which moto cannot: each
    destination of the build stack's `replication` output gets its replicas, with the settings of
    the creation template ECR applies there (the one moto_server.py keeps)."""
    build = engine.outputs("build")
    names = list(build["repositoryUrls"])
    # The destinations as an environment reads them: from the normalised replication rules.
    for replica in read_build_outputs("organization/ecr-share/build", build).replicas:
        destination = replica.destination
        ecr = engine.aws("ecr", destination.account_id, destination.region)
        (template,) = ecr.describe_repository_creation_templates(prefixes=["ROOT"])[
            "repositoryCreationTemplates"
        ]
        for name in names:
            if name not in replica.repositories:
                continue
            ecr.create_repository(
                repositoryName=name,
                imageTagMutability=template["imageTagMutability"],
                encryptionConfiguration=template["encryptionConfiguration"],
            )
            if template.get("repositoryPolicy"):
                ecr.set_repository_policy(repositoryName=name, policyText=template["repositoryPolicy"])
            if template.get("lifecyclePolicy"):
                ecr.put_lifecycle_policy(repositoryName=name, lifecyclePolicyText=template["lifecyclePolicy"])
