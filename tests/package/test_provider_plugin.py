"""The plugin ``pulumi package add`` runs: ``provider/`` is a Python plugin (``PulumiPlugin.yaml``)
whose requirements install this package, and whose ``__main__.py``, started the way the Pulumi
language host starts it (``python <plugin folder> <engine address>``), serves the package schema
over gRPC. ``pulumi package add`` reads the schema with this same ``GetSchema`` call."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import grpc
import yaml
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components.provider import package_schema
from tests.support.installing import OFFLINE, PIP, run
from tests.support.pulumi_harness import PROJECT_DIR

PLUGIN = PROJECT_DIR / "provider"


def test_the_plugin_is_a_python_plugin_folder_apart_from_the_program() -> None:
    assert yaml.safe_load((PLUGIN / "PulumiPlugin.yaml").read_text(encoding="utf-8")) == {"runtime": "python"}
    # The repository root is the program's project; the plugin must not be mistaken for it.
    assert not (PLUGIN / "Pulumi.yaml").exists()
    assert (PROJECT_DIR / "Pulumi.yaml").is_file()


def test_the_plugins_requirements_install_this_package() -> None:
    """The CLI runs pip in the plugin folder, where ``..`` is this repository."""
    report = run(
        [
            *PIP,
            "install",
            *OFFLINE,
            "--no-build-isolation",
            "--dry-run",
            "--report",
            "-",
            "-r",
            "requirements.txt",
        ],
        cwd=PLUGIN,
    )
    (install,) = json.loads(report)["install"]
    assert install["metadata"]["name"] == "ecr-share"
    assert install["download_info"]["url"] == PROJECT_DIR.as_uri()


def test_the_plugin_serves_the_package_schema(installed: Path) -> None:
    """Run with the wheel installed, as in the plugin's own virtualenv."""
    plugin = subprocess.Popen(
        [str(installed), str(PLUGIN), "127.0.0.1:1"],
        cwd=PLUGIN.parent.parent,
        env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert plugin.stdout is not None
        line = plugin.stdout.readline()
        assert line.strip().isdigit(), plugin.stderr.read() if plugin.stderr else line
        with grpc.insecure_channel(f"127.0.0.1:{int(line)}") as channel:
            response = provider_pb2_grpc.ResourceProviderStub(channel).GetSchema(
                provider_pb2.GetSchemaRequest(version=0), timeout=30
            )
    finally:
        plugin.terminate()
        plugin.wait(timeout=30)
    assert json.loads(response.schema) == package_schema()
