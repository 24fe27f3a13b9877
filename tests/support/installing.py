"""Build the package's wheel and install it into a fresh virtualenv, the way a consumer gets it.

Offline and fast: the wheel is built with the build backend already installed (no build isolation),
installed with ``--no-deps``, and the fresh virtualenv reaches pulumi and pulumi-aws through a ``.pth``
file naming this environment's site-packages, which does not hold ``components``: this repository
is on the test run's path only, not in the environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from tests.support.pulumi_harness import PROJECT_DIR

PIP = [sys.executable, "-m", "pip", "--quiet", "--disable-pip-version-check"]
OFFLINE = ["--no-deps", "--no-index"]


def environment_site_packages() -> set[str]:
    """Where this test run's dependencies are installed."""
    return {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}


def build_and_install(root: Path) -> Path:
    """The wheel built from a copy of the sources, installed into ``root/venv``; its Python."""
    source = root / "source"
    source.mkdir()
    # What an sdist holds: the project metadata, its readme, its licence and the package (a build
    # writes build/ and *.egg-info next to them, so never in the repository).
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(PROJECT_DIR / name, source / name)
    shutil.copytree(
        PROJECT_DIR / "components", source / "components", ignore=shutil.ignore_patterns("__pycache__")
    )
    run([*PIP, "wheel", *OFFLINE, "--no-build-isolation", "--wheel-dir", str(root / "dist"), str(source)])
    (wheel,) = (root / "dist").glob("ecr_share-*.whl")
    run([sys.executable, "-m", "venv", "--without-pip", str(root / "venv")])
    python = root / "venv" / "bin" / "python"
    run([*PIP, "--python", str(python), "install", *OFFLINE, str(wheel)])
    lines = "\n".join(sorted(environment_site_packages()))
    (site_packages(python) / "test-run-dependencies.pth").write_text(lines + "\n", encoding="utf-8")
    return python


def run(command: list[str], cwd: Path | None = None) -> str:
    """Run a command outside this test run's path (no PYTHONPATH); its stdout."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    return done.stdout


def site_packages(python: Path) -> Path:
    return Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).strip())
