"""The Pulumi CLI that tools/pulumi/ builds is not older than the pulumi SDK requirements.txt pins:
a newer CLI runs an older SDK, an older one may not (the SDK asks the engine for features it may
lack)."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLI_MODULE = "github.com/pulumi/pulumi/pkg/v3"


def release(version: str) -> tuple[int, int, int]:
    """A plain release version (3.272.0 or v3.272.0) as numbers; anything else fails the test."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)\.(\d+)", version)
    assert match, f"not a plain release version: {version!r}"
    major, minor, patch = (int(part) for part in match.groups())
    return major, minor, patch


def go_mod_version(module: str) -> str:
    go_mod = (ROOT / "tools" / "pulumi" / "go.mod").read_text()
    found = re.findall(rf"^\s*(?:require\s+)?{re.escape(module)} (\S+)", go_mod, re.MULTILINE)
    assert len(found) == 1, f"tools/pulumi/go.mod requires {module} {len(found)} times: {found}"
    return str(found[0])


def requirements_version(package: str) -> str:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    found = [line.split("==", 1)[1].strip() for line in lines if line.startswith(f"{package}==")]
    assert len(found) == 1, f"requirements.txt pins {package} {len(found)} times: {found}"
    return found[0]


def test_the_cli_is_not_older_than_the_sdk() -> None:
    cli, sdk = go_mod_version(CLI_MODULE), requirements_version("pulumi")
    assert release(cli) >= release(sdk), (
        f"tools/pulumi/go.mod builds the CLI {cli}, older than the pulumi SDK {sdk}"
    )


def test_the_cli_and_its_sdk_module_are_one_release() -> None:
    assert go_mod_version(CLI_MODULE) == go_mod_version("github.com/pulumi/pulumi/sdk/v3")


def test_release_reads_only_plain_versions() -> None:
    assert release("v3.274.0") == (3, 274, 0)
    assert release("3.272.0") < release("v3.274.0") < release("3.1000.0")
