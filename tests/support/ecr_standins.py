"""Boto3 sessions whose ECR clients answer the operations moto does not serve, through the tests'
one model-checked way to answer them (``tests/support/moto_standins.py``: ``serve``): for the pipeline's
``registry_session``."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from tests.support.moto_standins import Respond, serve


class ServingSession:
    """A boto3 session whose ECR clients answer ``operations`` with ``respond``; every other call goes
    on to moto."""

    def __init__(self, session: Any, operations: Iterable[str], respond: Respond) -> None:
        self._session = session
        self._operations = list(operations)
        self._respond = respond

    def client(self, service: str, **kwargs: Any) -> Any:
        client = self._session.client(service, **kwargs)
        if service == "ecr":
            serve(client, self._operations, self._respond)
        return client
