"""The engine stage: real ``pulumi`` CLI runs (tools/pulumi/build.sh builds it) against a file backend
and a moto server, with the STAND-IN language host and aws provider of tools/standins on PATH.

Each test gets a copy of the project in a temporary folder (the repository's stack files are never
edited), its own backend and its own moto server on a free 127.0.0.1 port. Every subprocess runs in
its own session with a timeout, and its whole process group is killed when it ends, so no plugin or
server outlives its test. AWS profiles named in the stack files exist in a generated AWS config file:
each assumes a role in its account through moto's STS, the way a real profile would.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

REPO = Path(__file__).resolve().parents[1]
PULUMI_BIN = REPO / "tools" / "pulumi" / "bin"
STANDINS_BIN = REPO / "tools" / "standins" / "bin"
TIMEOUT = 300
PASSPHRASE = "engine-stage"
PROFILES = {
    "build-deploy": "111111111111",
    "dev-deploy": "222222222222",
    "staging-deploy": "333333333333",
    "production-deploy": "444444444444",
}
PROJECT_FILES = ("components", "__main__.py", "Pulumi.yaml", "policy")


class CommandFailed(AssertionError):
    pass


def run_process(
    argv: Sequence[str], cwd: Path, env: dict[str, str], timeout: float = TIMEOUT, check: bool = True
) -> subprocess.CompletedProcess[str]:
    """One subprocess in its own session; on return or timeout its whole group is killed."""
    process = subprocess.Popen(
        list(argv),
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        output, errors = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        output, errors = process.communicate()
        raise CommandFailed(f"timed out after {timeout}s: {' '.join(argv)}\n{output}\n{errors}") from None
    finally:
        _kill_group(process)
    result = subprocess.CompletedProcess(list(argv), process.returncode, output, errors)
    if check and result.returncode != 0:
        raise CommandFailed(f"exit {result.returncode}: {' '.join(argv)}\n{output}\n{errors}")
    return result


def _kill_group(process: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


@dataclass
class Engine:
    """A project copy, its file backend and the environment every command of a test runs with."""

    project: Path
    env: dict[str, str]

    def pulumi(
        self, *args: str, check: bool = True, timeout: float = TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        return run_process(["pulumi", *args], self.project, self.env, timeout, check)

    def python(
        self, *args: str, check: bool = True, timeout: float = TIMEOUT
    ) -> subprocess.CompletedProcess[str]:
        return run_process([sys.executable, *args], self.project, self.env, timeout, check)

    def outputs(self, stack: str) -> dict[str, Any]:
        return dict(json.loads(self.pulumi("stack", "output", "-s", stack, "--json").stdout))

    def export(self, stack: str) -> dict[str, Any]:
        return dict(json.loads(self.pulumi("stack", "export", "-s", stack).stdout))

    def types(self, stack: str) -> list[str]:
        return sorted(r["type"] for r in self.export(stack)["deployment"].get("resources") or [])

    def preview_steps(self, stack: str, *args: str) -> list[dict[str, Any]]:
        """The steps of ``pulumi preview --json`` (the CLI's engine events, not the mock's)."""
        result = self.pulumi("preview", "-s", stack, "--json", *args)
        return list(json.loads(result.stdout).get("steps") or [])

    def aws(self, service: str, account: str, region: str = "us-east-1") -> Any:
        """A boto3 client of one moto account: credentials of a role assumed there (moto keeps
        accounts apart by the credentials' account), for the test's own reads."""
        endpoint = self.env["AWS_ENDPOINT_URL"]
        keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        sts = boto3.client("sts", region_name=region, endpoint_url=endpoint, **keys)
        role = f"arn:aws:iam::{account}:role/engine-stage"
        credentials = sts.assume_role(RoleArn=role, RoleSessionName="engine-stage")["Credentials"]
        return boto3.client(
            service,
            region_name=region,
            endpoint_url=endpoint,
            aws_access_key_id=credentials["AccessKeyId"],
            aws_secret_access_key=credentials["SecretAccessKey"],
            aws_session_token=credentials["SessionToken"],
        )


@pytest.fixture(scope="session")
def pulumi_cli() -> Path:
    cli = PULUMI_BIN / "pulumi"
    if not cli.exists():
        pytest.fail(f"no Pulumi CLI at {cli}: build it with tools/pulumi/build.sh")
    return cli


@pytest.fixture(scope="session")
def pulumi_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pulumi-home")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def moto_endpoint(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    log = (tmp_path / "moto.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "tests_engine.moto_server", str(port)],
        cwd=REPO,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
                break
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"moto server did not start: {(tmp_path / 'moto.log').read_text()}")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        _kill_group(server)  # type: ignore[arg-type]
        server.wait(timeout=30)
        log.close()


def aws_config(path: Path) -> Path:
    lines = ["[default]", "region = us-east-1", ""]
    for profile, account in PROFILES.items():
        lines += [
            f"[profile {profile}]",
            f"role_arn = arn:aws:iam::{account}:role/engine-stage",
            "source_profile = default",
            "region = us-east-1",
            "",
        ]
    path.write_text("\n".join(lines))
    return path


@pytest.fixture
def engine(tmp_path: Path, pulumi_cli: Path, pulumi_home: Path, moto_endpoint: str) -> Engine:
    project = tmp_path / "project"
    project.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "venv", ".venv")
    for name in PROJECT_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, project / name, ignore=ignore)
        else:
            shutil.copy2(source, project / name)
    for stack_file in REPO.glob("Pulumi.*.yaml"):
        shutil.copy2(stack_file, project / stack_file.name)
    # The project's and the policy pack's virtualenvs (Pulumi.yaml / PulumiPolicy.yaml) are this one.
    (project / ".venv").symlink_to(sys.prefix)
    (project / "policy" / "venv").symlink_to(sys.prefix)
    (tmp_path / "state").mkdir()
    credentials = tmp_path / "aws-credentials"
    credentials.write_text("[default]\naws_access_key_id = testing\naws_secret_access_key = testing\n")
    keep = ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER")
    env = {k: os.environ[k] for k in keep if k in os.environ}
    env.update(
        PATH=os.pathsep.join(
            [str(STANDINS_BIN), str(PULUMI_BIN), str(Path(sys.executable).parent), "/usr/bin", "/bin"]
        ),
        PULUMI_HOME=str(pulumi_home),
        PULUMI_BACKEND_URL=f"file://{tmp_path / 'state'}",
        PULUMI_CONFIG_PASSPHRASE=PASSPHRASE,
        PULUMI_SKIP_UPDATE_CHECK="true",
        PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION="true",
        PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK="false",
        AWS_ENDPOINT_URL=moto_endpoint,
        AWS_CONFIG_FILE=str(aws_config(tmp_path / "aws-config")),
        AWS_SHARED_CREDENTIALS_FILE=str(credentials),
        AWS_DEFAULT_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        PYTHONPATH=str(project),
    )
    return Engine(project, env)
