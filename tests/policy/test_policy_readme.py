"""docs/policy-pack.md lists every policy with its real default level and options, and
its config example is one the pack accepts."""

from __future__ import annotations

import json
import re

from ecr_security import POLICIES
from pulumi_policy import EnforcementLevel

from tests.support.pulumi_harness import PROJECT_DIR

SECTION = (PROJECT_DIR / "docs" / "policy-pack.md").read_text(encoding="utf-8")
ROWS = {
    m[0]: (m[1], m[2])
    for m in re.findall(r"^\| `([a-z-]+)` \| (\w+) \| [^|]+ \| (.+) \|$", SECTION, re.MULTILINE)
}


def test_the_table_lists_every_policy_with_its_default_level() -> None:
    assert list(ROWS) == [p.name for p in POLICIES]
    for policy in POLICIES:
        assert ROWS[policy.name][0] == (policy.enforcement_level or EnforcementLevel.ADVISORY).value


def test_the_table_names_every_option_of_each_policy() -> None:
    for policy in POLICIES:
        options = set(policy.config_schema.properties) if policy.config_schema else set()
        named = set(re.findall(r"[Oo]ptions? `(\w+)`", ROWS[policy.name][1]))
        assert named == options, policy.name


def test_the_config_example_is_valid_for_the_pack() -> None:
    example = json.loads(SECTION.split("```json\n", 1)[1].split("\n```", 1)[0])
    schemas = {p.name: (p.config_schema.properties if p.config_schema else {}) for p in POLICIES}
    for name, value in example.items():
        assert name in schemas
        if isinstance(value, str):
            assert EnforcementLevel(value)
        else:
            assert set(value) - {"enforcementLevel"} <= set(schemas[name]), name


def test_the_commands_are_shown() -> None:
    assert "pulumi preview -s prod --policy-pack policy " in SECTION
    assert "pip install -r policy/requirements.txt" in SECTION
