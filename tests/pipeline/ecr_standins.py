"""ECR operations moto does not serve, answered beside it and checked against the pinned botocore
model: each request is validated with ``botocore.validate.validate_parameters`` against the
operation's input shape, and each answer against its output shape, so a stand-in cannot accept or
return what AWS would not. Same shape as ``tests/moto_standins.py`` on the wip-evidence branch
(``serve(client, operations, respond)``), to be folded into it."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.validate import ParamValidator, validate_parameters

Respond = Callable[[str, dict[str, Any]], Mapping[str, Any]]


@dataclass
class _Http:
    status_code: int = 200
    headers: Mapping[str, str] | None = None


def serve(client: Any, operations: Iterable[str], respond: Respond) -> Any:
    """Answer ``operations`` of ``client`` with ``respond(operation, request)``; the client otherwise
    goes on to moto. Returns the client."""
    model = client.meta.service_model
    for name in operations:
        operation = model.operation_model(name)  # raises OperationNotFoundError: not in the model

        def answer(params: Mapping[str, Any], _operation: Any = operation, **_: Any) -> tuple[_Http, Any]:
            body = params.get("body") or b"{}"
            request = json.loads(body.decode() if isinstance(body, bytes) else body)
            validate_parameters(request, _operation.input_shape)
            response = dict(respond(_operation.name, request))
            report = ParamValidator().validate(response, _operation.output_shape)
            assert not report.has_errors(), report.generate_report()
            return _Http(), {**response, "ResponseMetadata": {"HTTPStatusCode": 200}}

        client.meta.events.register(f"before-call.{model.service_id.hyphenize()}.{name}", answer)
    return client


class ServingSession:
    """A boto3 session whose ECR clients answer ``operations`` with ``respond`` (for the pipeline's
    ``registry_session``)."""

    def __init__(self, session: Any, operations: Iterable[str], respond: Respond) -> None:
        self._session = session
        self._operations = list(operations)
        self._respond = respond

    def client(self, service: str, **kwargs: Any) -> Any:
        client = self._session.client(service, **kwargs)
        return serve(client, self._operations, self._respond) if service == "ecr" else client
