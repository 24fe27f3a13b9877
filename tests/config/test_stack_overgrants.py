"""Issue 19: every over-grant a stack file could write is refused where it is written, with one
message naming the key, the value, what is expected and the over-grant it would cause. The cases are
shared with the component args, the whole-program and the policy pack tests (tests/support/overgrant_cases.py)."""

from __future__ import annotations

import pytest

from components.config.stack import parse_stack_config
from components.errors import ConfigError
from tests.support.overgrant_cases import CASES, Case


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_each_over_grant_is_refused_with_its_message(case: Case) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_stack_config(case.stack, case.config())
    assert str(refused.value) == case.message
    assert (refused.value.key, refused.value.value) == (f"ecr-share:{case.key}", case.value)
