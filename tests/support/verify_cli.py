"""Run `python -m components verify` in process and read what it prints."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

from components.verify.cli import main

BUILD_REGISTRY = "build registry 111111111111 us-east-1"
WEST_REPLICAS = "replicas 111111111111 us-west-2"
PROD_REPLICAS = "replicas 444444444444 us-east-1"


def run(*args: str, **options: Any) -> tuple[int, str, str]:
    """The exit code, standard output and standard error of ``verify <args>``."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", *args], out=out, err=err, **options)
    return code, out.getvalue(), err.getvalue()


def drift(project: Path, *args: str) -> tuple[int, list[str]]:
    """The exit code and the drift findings of ``verify --live`` on ``project`` (the moto accounts
    of ``tests.support.deployed``)."""
    from tests.support.deployed import session_for

    code, out, err = run(
        "--live", "--stacks-dir", str(project), "--format", "json", *args, session_for=session_for
    )
    assert err == ""
    return code, [finding for build in json.loads(out)["builds"] for finding in build["drift"]]


def registry_table(out: str, registry: str) -> dict[str, list[str]]:
    """One registry's table of the table format: each principal's label -> its cells, in order."""
    assert f"\n{registry}: " in out, f"no table for {registry}"
    table = out.split(f"\n{registry}: ", 1)[1].split("\n\n", 2)[1]
    _header, _rule, *rows = table.splitlines()
    return {cells[0]: cells[1:] for cells in (re.split(r"\s{2,}", row) for row in rows)}


def json_cells(build: dict[str, Any]) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The cells of one build stack's JSON report by (principal, registry, repository)."""
    return {(c["principal"], c["registry"], c["repository"]): c for c in build["cells"]}
