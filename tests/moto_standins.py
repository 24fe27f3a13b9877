"""The AWS calls moto 5.2.5 lacks, answered around it for the tests: each stand-in answers through
botocore's ``before-call`` event (the hook ``botocore.stub.Stubber`` answers through) and checks the
request and its answer against the service's model, as ``Stubber`` does
(``botocore.validate.validate_parameters``), so a stand-in cannot answer what AWS could not.

``serve`` is the one way in: a stand-in gives the call's parameters (as the caller passed them, for
every protocol) to a function, and returns its answer; ``None`` lets moto answer.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters

# (operation name, the caller's parameters) -> the answer, or None to let moto answer.
Respond = Callable[[str, dict[str, Any]], "dict[str, Any] | None"]
_PARAMS = "moto_standins.params"


def serve(client: Any, operations: Iterable[str], respond: Respond) -> None:
    """Answer ``operations`` of this client with ``respond``, checked against the model."""
    service = client.meta.service_model.service_id.hyphenize()
    for operation in operations:
        client.meta.events.register(f"before-parameter-build.{service}.{operation}", _keep_params)
        client.meta.events.register(f"before-call.{service}.{operation}", _answer(respond))


def _keep_params(params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
    # The parameters as given: before-call sees them serialized (a JSON body, a query string...).
    context[_PARAMS] = dict(params)


def _answer(respond: Respond) -> Any:
    def answer(model: Any, context: dict[str, Any], **_: Any) -> Any:
        params = context.get(_PARAMS, {})
        validate_parameters(params, model.input_shape)
        response = respond(model.name, params)
        if response is None:
            return None
        validate_parameters(response, model.output_shape)
        return AWSResponse("", 200, {}, None), response

    return answer


def error(operation: str, code: str, message: str) -> ClientError:
    """What botocore raises for an AWS error answer."""
    return ClientError({"Error": {"Code": code, "Message": message}}, operation)
