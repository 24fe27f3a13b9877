"""Whatever YAML a person writes in any config key, the result is a plan or a config error that names
a key: never another exception, never a traceback (issue 11). Every stack of the project is planned,
so a value that crosses into another stack's checks (the build stack's outputs) is covered too."""

from __future__ import annotations

import copy
import re
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config.files import list_stacks, load_stack_config
from components.plan.project import ProjectError, plan_stacks
from tests.support.pulumi_harness import PROJECT_DIR

COMMITTED = {name: load_stack_config(PROJECT_DIR, name) for name in list_stacks(PROJECT_DIR)}
# Optional keys the committed files leave out, so the generator reaches them too.
EXTRA_KEYS = {
    "build": ["ecr-share:nothing", "ecr-share:replication"],
    "dev": [
        "ecr-share:organizationPath",
        "ecr-share:logRetentionDays",
        "ecr-share:pullFrom",
        "ecr-share:receiveReplication",
    ],
    "prod": ["ecr-share:receiveReplication"],
}
NAMES_A_KEY = re.compile(r"(ecr-share:[A-Za-z]|aws:[A-Za-z]|stack name)")


def paths(value: Any, prefix: tuple[Any, ...]) -> list[tuple[Any, ...]]:
    """Every place in a config value a person could write something else."""
    found = [prefix]
    if isinstance(value, dict):
        for name, item in value.items():
            found += paths(item, (*prefix, name))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


PATHS = sorted(
    {
        (stack, *path)
        for stack, config in COMMITTED.items()
        for name, value in config.items()
        for path in paths(value, (name,))
    }
    | {(stack, name) for stack, names in EXTRA_KEYS.items() for name in names}
    | {("prod", "ecr-share:services", 0, "ecsService")}
    | {
        ("prod", "ecr-share:receiveReplication", name)
        for name in ("otherSources", "registryPolicyStatements")
    },
    key=repr,
)

INTERESTING = [
    "",
    " ",
    "*",
    "null",
    "true",
    "0",
    "-1",
    "\uff11\uff12",
    "5\u00b2",
    "us-east-1",
    "us-gov-west-1",
    "cn-north-1",
    "222222222222",
    "111111111111",
    "o-abc123def4",
    "o-abc123def4/r-ab12/ou-ab12-11111111/*",
    "web-app",
    "web-app/",
    "ROOT",
    "replica",
    "KMS",
    "sha256:" + "a" * 64,
    "arn:aws:ecr:us-east-1:111111111111:repository/web-app",
    "organization/ecr-share/build",
    "x" * 300,
]
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=20)
    | st.sampled_from(INTERESTING)
)
KEYS = st.sampled_from(
    ["name", "accounts", "organizationId", "rules", "destinations", "region", "account", "filters"]
)
VALUES = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(KEYS | st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


def replaced(path: tuple[Any, ...], value: Any) -> dict[str, dict[str, Any]]:
    stacks = copy.deepcopy(COMMITTED)
    target: Any = stacks
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return stacks


@settings(max_examples=400, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(path=st.sampled_from(PATHS), value=VALUES)
def test_any_value_anywhere_is_a_plan_or_an_error_naming_a_key(path: tuple[Any, ...], value: Any) -> None:
    try:
        plan_stacks(replaced(path, value))
    except ProjectError as error:
        assert NAMES_A_KEY.search(str(error)), str(error)


def test_the_generator_reaches_every_key_of_every_committed_stack() -> None:
    reached = {(p[0], p[1]) for p in PATHS}
    assert reached >= {(stack, name) for stack, config in COMMITTED.items() for name in config}
    assert len(PATHS) > 60
