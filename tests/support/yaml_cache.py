"""Each YAML text parsed once per test process: ``parsed_once`` puts a cache in front of ``yaml.load``
(which ``yaml.safe_load`` calls), for the session (``tests/conftest.py``).

pyyaml's pure-Python parser was a quarter of the suite's CPU: every plan of a project reads
``Pulumi.yaml`` (its config schema) once per stack file, and the tests plan the same committed
files hundreds of times. Parsing is pure, so a text is parsed the first time it is seen, by the
real loader, and later callers get a deep copy of that result (each may change its own). A text
that fails to parse is not kept: it fails again, the same way, every time. Streams (open files)
are parsed as before.
"""

from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import yaml

# Texts kept, least recently used dropped first: the committed files and the variants of a test
# file fit many times over; generated texts (hypothesis) must not grow the cache without bound.
CAPACITY = 512


class ParsedOnce:
    """``yaml.load`` with each (text, Loader) parsed once."""

    def __init__(self, load: Callable[..., Any]) -> None:
        self._load = load
        self._parsed: OrderedDict[tuple[str, type], Any] = OrderedDict()

    def __call__(self, stream: Any, Loader: type) -> Any:  # yaml.load names it Loader
        if not isinstance(stream, str):
            return self._load(stream, Loader)
        key = (stream, Loader)
        if key in self._parsed:
            self._parsed.move_to_end(key)
        else:
            self._parsed[key] = self._load(stream, Loader)
            if len(self._parsed) > CAPACITY:
                self._parsed.popitem(last=False)
        return copy.deepcopy(self._parsed[key])


@contextmanager
def parsed_once() -> Iterator[None]:
    """While in it, ``yaml.load`` and ``yaml.safe_load`` parse each text once."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        # yaml.safe_load(stream) is load(stream, SafeLoader), looked up in the module when called.
        monkeypatch.setattr(yaml, "load", ParsedOnce(yaml.load))
        yield
