"""The AWS calls moto 5.2.5 lacks, answered around it for the tests: each stand-in answers through
botocore's ``before-call`` event (the hook ``botocore.stub.Stubber`` answers through) and checks the
request and its answer against the service's model, as ``Stubber`` does
(``botocore.validate.validate_parameters``), so a stand-in cannot answer what AWS could not.

``serve`` is the one way in: a stand-in gives the call's parameters (as the caller passed them, for
every protocol) to a function, and returns its answer; ``None`` lets moto answer.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import unquote

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
        client.meta.service_model.operation_model(operation)  # OperationNotFoundError: not in the model
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


# -- A small IAM evaluator: what the stand-ins below need to decide like AWS, for the documents the
# project writes (Allow and Deny statements, account-root and role principals, a few conditions).
# It refuses what it cannot evaluate rather than guess.

ClientFor = Callable[[str, str, str], Any]
"""(service, account, Region) -> a moto client of that account."""

_CONDITION_KEYS = ("aws:PrincipalAccount", "aws:PrincipalArn", "aws:PrincipalIsAWSService")


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _wildcard(pattern: str, value: str, *, case: bool = True) -> bool:
    return fnmatch.fnmatchcase(value if case else value.lower(), pattern if case else pattern.lower())


def _principal_matches(element: Any, principal_arn: str, account: str) -> bool:
    if element == "*":
        return True
    if not isinstance(element, dict):
        return False
    return any(
        p in ("*", principal_arn, account) or p.endswith(f":iam::{account}:root")
        for p in _listed(element.get("AWS", []))
    )


def _conditions_hold(conditions: dict[str, Any], context: dict[str, str]) -> bool:
    for operator, tests in conditions.items():
        base = operator.removesuffix("IfExists")
        for key, wanted in tests.items():
            if key not in _CONDITION_KEYS or base not in (
                "StringEquals",
                "StringLike",
                "ArnEquals",
                "ArnLike",
                "Bool",
            ):
                raise AssertionError(f"the stand-in evaluator cannot evaluate {operator} {key}")
            if key not in context:
                if not operator.endswith("IfExists"):
                    return False
                continue
            like = base in ("StringLike", "ArnLike")
            if not any(_wildcard(w, context[key]) if like else w == context[key] for w in _listed(wanted)):
                return False
    return True


def _applies(
    statement: dict[str, Any], action: str, resource: str, principal: tuple[str, str] | None
) -> bool:
    if "NotAction" in statement or "NotResource" in statement or "NotPrincipal" in statement:
        raise AssertionError("the stand-in evaluator cannot evaluate Not* elements")
    if not any(_wildcard(a, action, case=False) for a in _listed(statement.get("Action", []))):
        return False
    if "Resource" in statement and not any(_wildcard(r, resource) for r in _listed(statement["Resource"])):
        return False
    context: dict[str, str] = {}
    if principal is not None:
        arn, account = principal
        if not _principal_matches(statement.get("Principal"), arn, account):
            return False
        context = {
            "aws:PrincipalAccount": account,
            "aws:PrincipalArn": arn,
            "aws:PrincipalIsAWSService": "false",
        }
    return _conditions_hold(statement.get("Condition", {}), context)


def decide(
    policies: list[tuple[str, str, dict[str, Any]]],
    action: str,
    resource: str,
    principal: tuple[str, str] | None = None,
) -> tuple[str, list[dict[str, str]]]:
    """IAM's decision of these policies (source id, source type, document) on one request, and the
    statements that made it: ``allowed``, ``explicitDeny`` or ``implicitDeny``."""
    allowing: list[dict[str, str]] = []
    for source_id, source_type, document in policies:
        for statement in _listed(document.get("Statement", [])):
            if not _applies(statement, action, resource, principal):
                continue
            matched = {"SourcePolicyId": source_id, "SourcePolicyType": source_type}
            if statement.get("Effect") == "Deny":
                return "explicitDeny", [matched]
            allowing.append(matched)
    return ("allowed", allowing) if allowing else ("implicitDeny", [])


def _both_sides(identity: str, resource: str) -> str:
    """Cross-account: both sides must allow, and any explicit deny wins."""
    if "explicitDeny" in (identity, resource):
        return "explicitDeny"
    return "allowed" if identity == resource == "allowed" else "implicitDeny"


class EcrPulls:
    """The pull calls of an account's ECR client across accounts, which moto answers from the
    caller's own registry only: BatchGetImage and BatchCheckLayerAvailability are answered from the
    owner's registry once its repository policy lets the caller's account pull (the caller's own
    identity policy is taken to allow it: these are a deployer's credentials), and
    GetDownloadUrlForLayer, which moto lacks, for any registry: a blob some image of the repository
    names gets a download URL."""

    OPERATIONS = ("BatchGetImage", "BatchCheckLayerAvailability", "GetDownloadUrlForLayer")

    def __init__(self, client_for: ClientFor) -> None:
        self.client_for = client_for

    def install(self, ecr: Any, account_id: str, caller_arn: str) -> None:
        region = ecr.meta.region_name

        def respond(operation: str, params: dict[str, Any]) -> dict[str, Any] | None:
            owner = params.get("registryId", account_id)
            if owner == account_id and operation != "GetDownloadUrlForLayer":
                return None
            owner_ecr = self.client_for("ecr", owner, region)
            name = params["repositoryName"]
            arn = f"arn:aws:ecr:{region}:{owner}:repository/{name}"
            if owner != account_id:
                self._check_policy(owner_ecr, operation, name, arn, caller_arn, account_id)
            if operation == "GetDownloadUrlForLayer":
                return self._download_url(owner_ecr, owner, region, name, params["layerDigest"])
            answer = getattr(owner_ecr, _snake(operation))(**params)
            answer.pop("ResponseMetadata", None)
            return dict(answer)

        serve(ecr, self.OPERATIONS, respond)

    @staticmethod
    def _check_policy(owner_ecr: Any, operation: str, name: str, arn: str, caller: str, account: str) -> None:
        try:
            text = owner_ecr.get_repository_policy(repositoryName=name)["policyText"]
        except ClientError as failure:
            if failure.response["Error"]["Code"] != "RepositoryPolicyNotFoundException":
                raise
            text = None
        action = f"ecr:{operation}"
        if (
            text is None
            or decide([("", "resource", _json(text))], action, arn, (caller, account))[0] != "allowed"
        ):
            raise error(
                operation,
                "AccessDeniedException",
                f"User: {caller} is not authorized to perform: {action} on resource: {arn} because no "
                f"resource-based policy allows the {action} action",
            )

    @staticmethod
    def _download_url(owner_ecr: Any, owner: str, region: str, name: str, digest: str) -> dict[str, Any]:
        images = owner_ecr.describe_images(repositoryName=name)["imageDetails"]
        blobs: set[str] = set()
        for detail in images:
            (image,) = owner_ecr.batch_get_image(
                repositoryName=name, imageIds=[{"imageDigest": detail["imageDigest"]}]
            )["images"]
            manifest = _json(image["imageManifest"])
            blobs.update(b["digest"] for b in (manifest.get("config", {}), *manifest.get("layers", [])) if b)
        if digest not in blobs:
            raise error(
                "GetDownloadUrlForLayer",
                "LayersNotFoundException",
                f"The specified layer {digest} was not found",
            )
        return {
            "downloadUrl": f"https://prod-{region}-starport-layer-bucket.s3.{region}.amazonaws.com/{owner}/{name}/{digest}",
            "layerDigest": digest,
        }


class PolicySimulator:
    """IAM's SimulatePrincipalPolicy, which moto lacks, for a role of the caller's account: the
    role's inline and attached policies as moto holds them, the given resource policy, and the
    resource's owner (``ResourceOwner``), decided as IAM decides a same- or cross-account request.
    ``EvalDecisionDetails`` (per policy kind) is given for cross-account simulations only, as the
    IAM API reference says."""

    def install(self, iam: Any, account_id: str) -> None:
        def respond(operation: str, params: dict[str, Any]) -> dict[str, Any]:
            role_arn = params["PolicySourceArn"]
            if f":{account_id}:role/" not in role_arn:
                raise error(operation, "InvalidInput", f"{role_arn} is not a role of account {account_id}")
            identity = self._role_policies(iam, role_arn.rsplit("/", 1)[1])
            resource_policy = params.get("ResourcePolicy")
            owner = (
                params.get("ResourceOwner", account_id).split(":")[-2]
                if ":" in params.get("ResourceOwner", "")
                else params.get("ResourceOwner", account_id)
            )
            results = []
            for action in params["ActionNames"]:
                for resource in params.get("ResourceArns", ["*"]):
                    results.append(
                        self._result(action, resource, identity, resource_policy, role_arn, account_id, owner)
                    )
            return {"EvaluationResults": results, "IsTruncated": False}

        serve(iam, ("SimulatePrincipalPolicy",), respond)

    @staticmethod
    def _role_policies(iam: Any, name: str) -> list[tuple[str, str, dict[str, Any]]]:
        try:
            inline = iam.list_role_policies(RoleName=name)["PolicyNames"]
        except ClientError as failure:
            raise error("SimulatePrincipalPolicy", "NoSuchEntity", f"role {name} not found") from failure
        policies = [
            (p, "role", _json(iam.get_role_policy(RoleName=name, PolicyName=p)["PolicyDocument"]))
            for p in inline
        ]
        for attached in iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"]:
            version = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]["DefaultVersionId"]
            document = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=version)
            policies.append(
                (attached["PolicyArn"], "user-managed", _json(document["PolicyVersion"]["Document"]))
            )
        return policies

    @staticmethod
    def _result(
        action: str,
        resource: str,
        identity: list[tuple[str, str, dict[str, Any]]],
        resource_policy: str | None,
        role_arn: str,
        account: str,
        owner: str,
    ) -> dict[str, Any]:
        identity_decision, matched = decide(identity, action, resource)
        result: dict[str, Any] = {"EvalActionName": action, "EvalResourceName": resource}
        if resource_policy is None:
            decision = identity_decision if owner == account else "implicitDeny"
        else:
            resource_decision, resource_matched = decide(
                [("RepositoryPolicy", "resource", _json(resource_policy))],
                action,
                resource,
                (role_arn, account),
            )
            matched = matched + resource_matched
            if owner == account:
                decision = (
                    "explicitDeny"
                    if "explicitDeny" in (identity_decision, resource_decision)
                    else "allowed"
                    if "allowed" in (identity_decision, resource_decision)
                    else "implicitDeny"
                )
            else:
                decision = _both_sides(identity_decision, resource_decision)
                result["EvalDecisionDetails"] = {
                    "IAM Policy": identity_decision,
                    "Resource Policy": resource_decision,
                }
        result["EvalDecision"] = decision
        result["MatchedStatements"] = matched if decision != "implicitDeny" else []
        result["MissingContextValues"] = []
        return result


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    try:
        parsed: dict[str, Any] = json.loads(value)
    except json.JSONDecodeError:
        parsed = json.loads(unquote(value))
    return parsed


def _snake(operation: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation).lower()


class LookupEvents:
    """CloudTrail's LookupEvents, which moto lacks: the given records as the Event history of one
    account and Region, newest first, ``MaxResults`` a page with a NextToken, filtered by the one
    lookup attribute and the time range; the first ``throttle`` calls are refused with
    ThrottlingException, as AWS refuses more than two calls a second."""

    def __init__(self, records: Iterable[dict[str, Any]], throttle: int = 0) -> None:
        self.records = sorted(records, key=lambda r: r["eventTime"], reverse=True)
        self.throttle = throttle
        self.calls = 0

    def install(self, cloudtrail: Any) -> None:
        serve(cloudtrail, ("LookupEvents",), self._respond)

    def _respond(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        from datetime import UTC, datetime

        self.calls += 1
        if self.calls <= self.throttle:
            raise error(operation, "ThrottlingException", "Rate exceeded")
        (attribute,) = params.get("LookupAttributes", [{"AttributeKey": "", "AttributeValue": ""}])
        key = {"EventSource": "eventSource", "EventName": "eventName"}.get(attribute["AttributeKey"])
        since = params.get("StartTime", datetime.min.replace(tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        until = params.get("EndTime", datetime.max.replace(tzinfo=UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
        matching = [
            r
            for r in self.records
            if since <= r["eventTime"] <= until and (key is None or r.get(key) == attribute["AttributeValue"])
        ]
        start = int(params.get("NextToken", "0"))
        size = params.get("MaxResults", 50)
        page = matching[start : start + size]
        answer: dict[str, Any] = {
            "Events": [
                {
                    "EventId": r["eventID"],
                    "EventName": r["eventName"],
                    "ReadOnly": str(r.get("readOnly", False)).lower(),
                    "EventTime": datetime.strptime(r["eventTime"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC),
                    "EventSource": r["eventSource"],
                    "Resources": [],
                    "CloudTrailEvent": json.dumps(r),
                }
                for r in page
            ]
        }
        if start + size < len(matching):
            answer["NextToken"] = str(start + size)
        return answer
