"""How often a pure function runs: for the tests that prove a fact is decided once per run."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

import pytest


def calls_of(monkeypatch: pytest.MonkeyPatch, function: Callable[..., Any]) -> list[tuple[Any, ...]]:
    """The positional arguments of every call of ``function`` until the test ends. Each module of
    the package that holds it under its name gets a counting stand-in: its own module, and every
    caller that imported it by name (``from ... import``) and so holds a binding of its own. Call
    it once the modules are imported (after a run of the program, such as a session fixture's)."""
    calls: list[tuple[Any, ...]] = []

    @functools.wraps(function)
    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        return function(*args, **kwargs)

    holders = [
        module
        for name, module in list(sys.modules.items())
        if name.startswith("components") and getattr(module, function.__name__, None) is function
    ]
    assert sys.modules[function.__module__] in holders, f"{function.__qualname__} is not its module's"
    for module in holders:
        monkeypatch.setattr(module, function.__name__, counted)
    return calls
