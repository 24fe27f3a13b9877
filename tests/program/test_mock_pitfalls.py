"""The guards against silent passes in mock tests work: proven by running a would-be vacuous test
under this project's own pytest settings."""

from __future__ import annotations

import asyncio
import tomllib

import pytest

from tests.support.pulumi_harness import PROJECT_DIR

pytest_plugins = ["pytester"]

VACUOUS_TEST = """
import pulumi


def test_returns_an_output_without_the_runtime_test_decorator():
    return pulumi.Output.from_input(1).apply(lambda value: value == 2)
"""


def test_a_test_returning_an_output_without_the_decorator_fails(pytester: pytest.Pytester) -> None:
    ini = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    pytester.makeini("[pytest]\nfilterwarnings =\n    " + "\n    ".join(ini["filterwarnings"]) + "\n")
    pytester.makepyfile(test_vacuous=VACUOUS_TEST)
    # As in a fresh pytest process: an event loop for the main thread (the harness unsets its own).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        result = pytester.runpytest_inprocess("-p", "no:cacheprovider")
    finally:
        asyncio.set_event_loop(None)
        loop.close()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*PytestReturnNotNoneWarning*"])
