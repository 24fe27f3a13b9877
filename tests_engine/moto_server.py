"""A moto server for the engine tests (``python -m tests_engine.moto_server PORT``), with the two ECR
calls moto 5.2.5 lacks answered where every client sees them, the stand-in provider in the CLI's
process tree and ``verify --live`` in the test's:

- repository creation templates: moto has no such API. ECRResponse gets the four actions, answered by
  the model-checked ``CreationTemplates`` the live tests already use (tests/support/deployed.py:
  each request and answer checked against botocore's ECR model), keyed by the caller's account and
  Region;
- a replication configuration of more than one rule: moto refuses it ("This feature is disabled"),
  so such a configuration is written into moto's registry state as tests/support/deployed.py does.
Every other call is moto's own.
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path
from typing import Any

import botocore.session
from botocore.exceptions import ClientError
from botocore.validate import validate_parameters
from moto.ecr.models import ECRBackend
from moto.ecr.responses import ECRResponse
from moto.server import ThreadedMotoServer

# The unit tests' shared modules (tests/support), imported from the project root as pytest does.
sys.path[:0] = [str(Path(__file__).resolve().parents[1])]
from tests.support.deployed import TEMPLATES  # noqa: E402

_ECR_MODEL = botocore.session.get_session().get_service_model("ecr")
_one_rule = ECRBackend.put_replication_configuration


def _put_replication_configuration(self: ECRBackend, replication_config: dict[str, Any]) -> dict[str, Any]:
    if len(replication_config["rules"]) <= 1:
        return _one_rule(self, replication_config)
    self.replication_config = replication_config
    return {"replicationConfiguration": replication_config}


def _template_action(operation: str) -> Any:
    def action(self: ECRResponse) -> Any:
        params = json.loads(self.body or "{}")
        shape = _ECR_MODEL.operation_model(operation)
        validate_parameters(params, shape.input_shape)
        templates = TEMPLATES.registries.setdefault((self.current_account, self.region), {})
        try:
            answer = TEMPLATES._answer(operation, params, templates, self.current_account)
        except ClientError as error:
            body = {"__type": error.response["Error"]["Code"], "message": error.response["Error"]["Message"]}
            return 400, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(body)
        validate_parameters(answer, shape.output_shape)
        return json.dumps(answer, default=str)

    return action


def install() -> None:
    ECRBackend.put_replication_configuration = _put_replication_configuration  # type: ignore[method-assign]
    for operation in TEMPLATES.OPERATIONS:
        name = "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")
        setattr(ECRResponse, name, _template_action(operation))


def main(port: int) -> None:
    install()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    print(f"moto listening on 127.0.0.1:{port}", flush=True)
    threading.Event().wait()


if __name__ == "__main__":
    main(int(sys.argv[1]))
