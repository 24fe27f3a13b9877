"""The package installs and works outside this repository: the wheel, installed into a fresh
virtualenv (the ``installed`` fixture, conftest.py), runs a small consumer program under Pulumi's
mocks from another folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from components.project import VERSION
from tests.support.installing import environment_site_packages, run, site_packages
from tests.support.pulumi_harness import PROJECT_DIR

CONSUMER = """
import importlib.metadata
import json
import sys

import pulumi


class Mocks(pulumi.runtime.Mocks):
    registered = []

    def new_resource(self, args):
        self.registered.append(f"{args.typ}::{args.name}")
        outputs = dict(args.inputs)
        if args.typ == "aws:ecr/repository:Repository":
            outputs["repositoryUrl"] = "111111111111.dkr.ecr.us-east-1.amazonaws.com/" + args.inputs["name"]
        return f"{args.name}-id", outputs

    def call(self, args):
        return {}, None


pulumi.runtime.set_mocks(Mocks(), project="consumer", stack="dev", preview=False)

import components
from components import ArgsError, SharedRepositories

try:
    SharedRepositories("bad", {"repositories": [{"name": "Web"}], "access": {"accounts": []}, "region": "us-east-1"})
    refused = None
except ArgsError as error:
    refused = str(error)

seen = {}


@pulumi.runtime.test
def program():
    shared = SharedRepositories(
        "shared",
        {"repositories": [{"name": "web-app"}], "access": {"organization_id": "o-abc123def4"}, "region": "us-east-1"},
    )
    return shared.image_uri("web-app", tag="v1.2.3").apply(lambda image: seen.update(image=image))


program()
print(json.dumps({
    "components": components.__file__,
    "version": importlib.metadata.version("ecr-share"),
    "requires": importlib.metadata.requires("ecr-share"),
    "registered": sorted(Mocks.registered),
    "image": seen["image"],
    "refused": refused,
    "loaded": sorted(m for m in ("boto3", "botocore", "moto", "pytest") if m in sys.modules),
}))
"""


def test_the_ci_environment_does_not_hold_the_package() -> None:
    """Otherwise the consumer below could import it from there instead of from the wheel."""
    for path in environment_site_packages():
        assert not (Path(path) / "components").exists()


def test_a_consumer_program_elsewhere_uses_the_installed_wheel(installed: Path, tmp_path: Path) -> None:
    consumer = tmp_path / "consumer"
    consumer.mkdir()
    (consumer / "program.py").write_text(CONSUMER, encoding="utf-8")
    result: dict[str, Any] = json.loads(run([str(installed), "program.py"], cwd=consumer))
    site = site_packages(installed)
    assert Path(result["components"]) == site / "components" / "__init__.py"
    assert PROJECT_DIR not in Path(result["components"]).parents
    assert result["version"] == VERSION
    assert sorted(result["requires"]) == [
        'boto3<2,>=1.28; extra == "cli"',
        "pulumi-aws<8,>=7.0.0",
        "pulumi<4,>=3.272.0",
        'pyyaml<7,>=6.0; extra == "cli"',
    ]
    assert result["registered"] == [
        "aws:ecr/repository:Repository::shared-web-app",
        "aws:ecr/repositoryPolicy:RepositoryPolicy::shared-web-app-pull",
        "ecr-share:index:SharedRepositories::shared",
    ]
    assert result["image"] == "111111111111.dkr.ecr.us-east-1.amazonaws.com/web-app:v1.2.3"
    assert result["refused"] == (
        'SharedRepositories "bad": repositories[0].name: "Web" is not an ECR repository name: lowercase '
        'letters and digits, separated by single ".", "_" or "-", with "/" between namespaces'
    )
    # Using the components needs pulumi and pulumi-aws only: nothing of the cli extra or the tests.
    assert result["loaded"] == []


def test_the_console_scripts_run_the_command_lines(installed: Path, tmp_path: Path) -> None:
    """``ecr-share`` is ``python -m components``, ``ecr-share-pipeline`` is ``python -m components.pipeline``,
    installed beside the virtualenv's Python and run from a folder that holds no ``components``."""
    commands = installed.parent
    verify_help = run([str(commands / "ecr-share"), "--help"], cwd=tmp_path)
    assert verify_help.startswith("usage: ")
    assert "{verify,audit,new-environment}" in verify_help
    assert "new-environment" in run([str(commands / "ecr-share"), "new-environment", "--help"], cwd=tmp_path)
    pipeline_help = run([str(commands / "ecr-share-pipeline"), "--help"], cwd=tmp_path)
    assert pipeline_help.startswith("usage: python -m components.pipeline")


def test_the_package_metadata_names_its_licence(installed: Path) -> None:
    site = site_packages(installed)
    (metadata,) = site.glob("ecr_share-*.dist-info/METADATA")
    headers = metadata.read_text(encoding="utf-8").split("\n\n", 1)[0].splitlines()
    assert "License-Expression: Apache-2.0" in headers
    assert "License-File: LICENSE" in headers
    licence = metadata.parent / "licenses" / "LICENSE"
    assert licence.read_text(encoding="utf-8") == (PROJECT_DIR / "LICENSE").read_text(encoding="utf-8")


def test_the_wheel_holds_the_package_and_its_type_marker_only(installed: Path) -> None:
    site = site_packages(installed)
    (record,) = site.glob("ecr_share-*.dist-info/RECORD")
    paths = [line.split(",")[0] for line in record.read_text(encoding="utf-8").splitlines()]
    # The console scripts are installed outside site-packages, beside the virtualenv's Python.
    assert sorted(Path(p).name for p in paths if p.startswith("..")) == ["ecr-share", "ecr-share-pipeline"]
    top = {p.split("/")[0] for p in paths if not p.startswith("..")}
    assert top == {"components", record.parent.name}
    assert (site / "components" / "py.typed").is_file()
    assert (site / "components" / "provider.py").is_file()
