"""docs/components.md, "Use the components in your own program": its reference tables are the package
schema's, its Python examples (and the README's) run under mocks and register what they say, its
TypeScript example uses only inputs and outputs the schema has, and the refusal it shows is the real
one."""

from __future__ import annotations

import re
from typing import Any

import pulumi
import pytest

from components import ArgsError, SharedRepositories, image_uri
from components.provider import EcrShareProvider, package_schema, reference
from tests.support.pulumi_harness import PROJECT_DIR, run_program

PAGE = (PROJECT_DIR / "docs" / "components.md").read_text(encoding="utf-8")
SECTION = PAGE.split("## Use the components in your own program\n", 1)[1].split("\n## ", 1)[0]
PYTHON = re.findall(r"```python\n(.*?)```", SECTION, flags=re.DOTALL)
(TYPESCRIPT,) = re.findall(r"```typescript\n(.*?)```", SECTION, flags=re.DOTALL)


def test_the_reference_is_generated_from_the_package_schema() -> None:
    shown = SECTION.split("tests/docs/test_component_reference.py -->\n", 1)[1].split(
        "<!-- end of reference -->"
    )[0]
    assert shown == reference(package_schema())


def run_example(source: str, shown_in: str = "docs/components.md") -> tuple[list[str], dict[str, Any]]:
    def program() -> None:
        exec(compile(source, shown_in, "exec"), {"__name__": "__main__"})

    run = run_program("example", {"aws:allowedAccountIds": ["111111111111"]}, program=program)
    return sorted(r.key for r in run.resources), run.exports


def test_the_build_account_example_runs() -> None:
    registered, exports = run_example(PYTHON[0])
    assert registered == [
        "aws:ecr/repository:Repository::shared-web-app",
        "aws:ecr/repository:Repository::shared-worker",
        "aws:ecr/repositoryPolicy:RepositoryPolicy::shared-web-app-pull",
        "aws:ecr/repositoryPolicy:RepositoryPolicy::shared-worker-pull",
        "ecr-share:index:SharedRepositories::shared",
    ]
    assert exports == {
        "repositoryUrls": {
            "web-app": "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app",
            "worker": "111111111111.dkr.ecr.us-east-1.amazonaws.com/worker",
        },
        "webImage": "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3",
    }


def test_the_readmes_example_runs() -> None:
    readme = (PROJECT_DIR / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```python\n(.*?)```", readme, flags=re.DOTALL)
    registered, exports = run_example(example, "README.md")
    assert registered == [
        "aws:ecr/repository:Repository::shared-web-app",
        "aws:ecr/repositoryPolicy:RepositoryPolicy::shared-web-app-pull",
        "ecr-share:index:SharedRepositories::shared",
    ]
    assert exports == {}


def test_the_environment_account_example_runs() -> None:
    registered, exports = run_example(PYTHON[1])
    assert registered == [
        "aws:cloudwatch/logGroup:LogGroup::payments-logs",
        "aws:ecs/taskDefinition:TaskDefinition::payments-task",
        "aws:iam/role:Role::execution-role",
        "aws:iam/rolePolicy:RolePolicy::execution-pull",
        "ecr-share:index:FargateTaskDefinition::payments",
        "ecr-share:index:PullExecutionRole::execution",
    ]
    assert exports == {"taskDefinitionArn": "arn:aws:ecs:us-east-1:111111111111:task-definition/payments:1"}


def test_the_typescript_example_uses_the_schemas_inputs_and_outputs() -> None:
    resources = package_schema()["resources"]
    constructed = re.findall(
        r"const (\w+) = new ecrshare\.(\w+)\(\"[\w-]+\", \{\n(.*?)\n\}\);", TYPESCRIPT, re.DOTALL
    )
    assert [c[1] for c in constructed] == ["PullExecutionRole", "FargateTaskDefinition"]
    kinds = {}
    for variable, component, body in constructed:
        schema = resources[f"ecr-share:index:{component}"]
        keys = re.findall(r"^    (\w+):", body, flags=re.MULTILINE)
        assert set(schema["requiredInputs"]) <= set(keys) <= set(schema["inputProperties"]), component
        kinds[variable] = schema
    for variable, output in re.findall(r"\b(role|task)\.(\w+)", TYPESCRIPT):
        assert output in kinds[variable]["properties"]
    # The same values as the Python example, which runs (the image is what its image_uri gives).
    python = {
        *re.findall(r'"([^"]+)"', PYTHON[1]),
        image_uri("111111111111", "us-east-1", "web-app", tag="v1.2.3"),
    }
    assert set(re.findall(r'"([^"]+)"', TYPESCRIPT)) - {"@pulumi/ecr-share"} <= python


def test_the_refusal_shown_is_the_components_own() -> None:
    shown = SECTION.split("```text\n", 1)[1].split("\n```", 1)[0]
    with pytest.raises(ArgsError) as refused:
        run_program(
            "example",
            {},
            program=lambda: SharedRepositories(
                "shared",
                {
                    "repositories": [{"name": "web-app", "image_tag_mutability": "mutable"}],
                    "access": {"accounts": ["222222222222"]},
                    "region": "us-east-1",
                },
            ),
        )
    assert str(refused.value) == shown
    assert isinstance(refused.value, pulumi.RunError)


def test_the_property_error_shown_is_the_providers_own() -> None:
    inputs = {
        "repositories": [{"name": "web-app", "imageTagMutability": "mutable"}],
        "access": {"accounts": ["222222222222"]},
        "region": "us-east-1",
    }

    def program() -> None:
        EcrShareProvider().construct("shared", "ecr-share:index:SharedRepositories", inputs)

    with pytest.raises(pulumi.InputPropertiesError) as refused:
        run_program("example", {}, program=program)
    (error,) = refused.value.errors or []
    assert f"`{error['property_path']}: {error['reason']}`" in SECTION


def test_the_package_add_command_points_at_the_plugin_folder() -> None:
    commands = re.findall(r"^pulumi package add (\S+)", SECTION, flags=re.MULTILINE)
    assert commands == ["<repository-url>/provider@<tag>"]
    assert "pulumi package add /path/to/ecr-share/provider" in SECTION
    assert (PROJECT_DIR / "provider" / "PulumiPlugin.yaml").is_file()
