"""A stack file asking for an over-grant registers nothing: the real ``__main__.py`` under mocks ends
with the refusal's message alone (a RunError), before the first registration (issue 19)."""

from __future__ import annotations

import pytest
from pulumi.errors import RunError

from tests.support.overgrant_cases import CASES, Case
from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_program


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_a_refused_stack_registers_nothing(case: Case, build: ProgramRun) -> None:
    run = ProgramRun()
    outputs = {BUILD_STACK: build.exports} if case.stack != "build" else None
    with pytest.raises(RunError) as refused:
        run_program(case.stack, case.config(), outputs, run=run)
    assert str(refused.value) == case.message
    assert run.resources == []
