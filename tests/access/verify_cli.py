"""Run `python -m components verify` in process and capture what it prints."""

from __future__ import annotations

import io
from typing import Any

from components.access.cli import main


def run(*args: str, **options: Any) -> tuple[int, str, str]:
    """The exit code, standard output and standard error of ``verify <args>``."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["verify", *args], out=out, err=err, **options)
    return code, out.getvalue(), err.getvalue()
