"""The package installed from its wheel into a fresh virtualenv, once per test run."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

import pytest

from tests.support.installing import build_and_install


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fresh virtualenv's Python. Under pytest-xdist the workers share it: the first to need it
    builds it in the run's temporary folder (the parent of each worker's own) while the others wait
    on a lock, then use it (a build is some 5 s of pip and venv). The tests only run it."""
    if "PYTEST_XDIST_WORKER" not in os.environ:
        return build_and_install(tmp_path_factory.mktemp("install"))
    run_folder = tmp_path_factory.getbasetemp().parent
    with open(run_folder / "install.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        built = run_folder / "installed-python"
        if not built.exists():
            # A folder of this worker's: a build that failed leaves nothing another would reuse.
            python = build_and_install(tmp_path_factory.mktemp("install"))
            built.write_text(str(python), encoding="utf-8")
        return Path(built.read_text(encoding="utf-8"))
