"""One botocore loader for every session a test process makes: ``shared_loader`` (for the session,
``tests/conftest.py``).

Each botocore session (every ``boto3.Session``, every ``boto3.client`` under a fresh moto, every
session the pipeline or ``verify`` makes) creates its own loader, which reads and parses the AWS
service models and endpoint data from JSON again: about a tenth of the suite's CPU. The loader
caches what it parsed per instance, and botocore already shares one loader between all the clients
of a session, so the parsed models are treated as read-only; one loader serves every session here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import botocore.loaders
import botocore.session
import pytest


class _SearchPaths(list[str]):
    """A loader's search paths: boto3 appends its own data folder to the loader of each session it
    makes (boto3/session.py, _setup_loader); once is enough."""

    def append(self, path: str) -> None:
        if path not in self:
            super().append(path)


@contextmanager
def shared_loader() -> Iterator[None]:
    """While in it, every new botocore session uses one loader (per data path setting)."""
    loaders: dict[Any, botocore.loaders.Loader] = {}
    create = botocore.loaders.create_loader

    def create_loader(search_path_string: Any = None) -> botocore.loaders.Loader:
        if search_path_string not in loaders:
            loader = create(search_path_string)
            loader._search_paths = _SearchPaths(loader.search_paths)
            loaders[search_path_string] = loader
        return loaders[search_path_string]

    with pytest.MonkeyPatch.context() as monkeypatch:
        # botocore.session imported the function: its sessions call it by that name.
        monkeypatch.setattr(botocore.session, "create_loader", create_loader)
        yield
