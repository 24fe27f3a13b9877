"""What only the real engine decides: refusals, protect, the 0.1.x aliases, the policy pack."""

from __future__ import annotations

import json
from pathlib import Path

from tests_engine.conftest import Engine
from tests_engine.test_deploy import BUILD_ACCOUNT, changed_steps

OURS = ("aws:", "ecr-share:")


def test_a_refused_environment_registers_nothing_at_preview_and_at_up(engine: Engine) -> None:
    engine.pulumi("stack", "init", "build")
    engine.pulumi("up", "-s", "build", "--yes")
    engine.pulumi("stack", "init", "prod")
    engine.pulumi("config", "set", "-s", "prod", "--path", "ecr-share:services[0].cpu", "333")

    preview = engine.pulumi("preview", "-s", "prod", "--json", check=False)
    assert preview.returncode != 0
    steps = json.loads(preview.stdout).get("steps") or []
    assert [s["urn"] for s in steps if s["urn"].split("::")[2].startswith(OURS)] == []
    up = engine.pulumi("up", "-s", "prod", "--yes", check=False)
    assert up.returncode != 0
    assert "ecr-share:services[0].cpu" in up.stdout
    assert [t for t in engine.types("prod") if t.startswith(OURS)] == []


def test_destroy_stops_at_the_protected_repositories(engine: Engine) -> None:
    engine.pulumi("stack", "init", "build")
    engine.pulumi("up", "-s", "build", "--yes")
    destroy = engine.pulumi("destroy", "-s", "build", "--yes", check=False)
    assert destroy.returncode != 0
    assert "protect" in destroy.stdout + destroy.stderr, destroy.stdout[-3000:]
    names = {
        r["repositoryName"] for r in engine.aws("ecr", BUILD_ACCOUNT).describe_repositories()["repositories"]
    }
    assert names == {"web-app", "worker"}
    assert engine.types("build").count("aws:ecr/repository:Repository") == 2


# The 0.1.x identities the plan's aliases name (tests/plan/test_register_program.py pins them): each
# current URN fragment -> what 0.1.x deployed, as whole JSON strings or type names of the state.
RENAMES_0_1 = {
    "build": [("ecr-share:index:SharedRepositories", "ecr-share:index:SharedRepository")],
    "prod": [
        (
            'ecr-share:index:PullExecutionRole$aws:iam/role:Role::execution-role"',
            'ecr-share:index:PullExecutionRole$aws:iam/role:Role::execution"',
        ),
        *(
            (
                f'FargateTaskDefinition$aws:ecs/taskDefinition:TaskDefinition::{name}-task"',
                f'FargateTaskDefinition$aws:ecs/taskDefinition:TaskDefinition::{name}"',
            )
            for name in ("web-app", "worker")
        ),
        ("ecr-share:index:FargateTaskDefinition", "ecr-share:index:CrossAccountTaskDefinition"),
    ],
}


def test_a_state_written_with_the_0_1_urns_moves_over_without_replacing_anything(
    engine: Engine, tmp_path: Path
) -> None:
    engine.pulumi("stack", "init", "build")
    engine.pulumi("stack", "init", "prod")
    for stack, renames in RENAMES_0_1.items():
        engine.pulumi("up", "-s", stack, "--yes")
        text = json.dumps(engine.export(stack))
        for current, old in renames:
            assert current in text, current
            text = text.replace(current, old)
        state = tmp_path / f"{stack}-0.1.json"
        state.write_text(text)
        engine.pulumi("stack", "import", "-s", stack, "--file", str(state))
        assert renames[0][0] not in json.dumps(engine.export(stack))

        # Every resource is found under its alias: nothing created, deleted or replaced.
        assert changed_steps(engine, stack) == set()
        engine.pulumi("up", "-s", stack, "--yes")
        assert renames[0][0] in json.dumps(engine.export(stack))
        engine.pulumi("up", "-s", stack, "--yes", "--expect-no-changes")


def test_the_policy_pack_runs_in_preview_and_fails_a_violating_stack(engine: Engine, tmp_path: Path) -> None:
    engine.pulumi("stack", "init", "build")
    engine.pulumi("up", "-s", "build", "--yes")
    engine.pulumi("stack", "init", "prod")
    passed = engine.pulumi("preview", "-s", "prod", "--policy-pack", "policy")
    assert "ecr-share-security@v1.0.0" in passed.stdout

    config = tmp_path / "policy-config.json"
    config.write_text(json.dumps({"ecs-image-pinned-by-digest": {"productionStacks": ["prod"]}}))
    failed = engine.pulumi(
        "preview", "-s", "prod", "--policy-pack", "policy", "--policy-pack-config", str(config), check=False
    )
    assert failed.returncode != 0
    assert "[mandatory]  ecs-image-pinned-by-digest  (aws:ecs:TaskDefinition: web-app-task)" in failed.stdout
    assert (
        "container 'app' runs 444444444444.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3, not pinned by digest"
        in failed.stdout
    )
    # worker is pinned by digest: the only finding is web-app's.
    assert failed.stdout.count("[mandatory]") == 1
