"""Errors raised before any resource is registered."""

from __future__ import annotations

import json
from typing import Any


class ConfigError(ValueError):
    """A configuration value that AWS would reject, or that would deploy something unintended.

    The message names the config key, the bad value and what was expected, e.g.
    ``ecr-share:access.accounts[2]: "12345" is not a 12-digit AWS account ID``.
    """

    def __init__(self, key: str, value: Any, problem: str) -> None:
        self.key = key
        self.value = value
        self.problem = problem
        super().__init__(f"{key}: {_render(value)} {problem}")


def _render(value: Any) -> str:
    try:
        return json.dumps(value, sort_keys=True)
    except (TypeError, ValueError):
        return repr(value)
