"""The over-grants of issue 19, each as the config that asked for it and as the component args behind
that config, with the one message both paths refuse it with. The config path's tests, the component
args' tests, the whole-program runs and the policy pack's tests all read this table, so the four can
never disagree about a case.

Each case edits a copy of a committed stack file (never the file): the build stack's ``access``, or
prod's ``receiveReplication`` (it receives web-app* and worker* from 111111111111 and runs them).
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

from components.config.files import load_stack_config
from tests.support.pulumi_harness import PROJECT_DIR

BUILD_ACCOUNT = "111111111111"
PROD = "444444444444"
OTHER = "555555555555"
DEV_EXECUTION = "arn:aws:iam::222222222222:role/ecr-share-dev-execution"
REGISTRY = f"arn:aws:ecr:us-east-1:{PROD}:repository/"
REPLICATE = ["ecr:CreateRepository", "ecr:ReplicateImage"]
RECEIVED_FROM = f"which this registry receives from the build account {BUILD_ACCOUNT}"


@dataclass(frozen=True)
class Case:
    name: str
    stack: str
    """"build" or "prod": the committed stack file the case edits."""
    changes: dict[str, Any]
    """Keys of ``access`` (build) or of ``receiveReplication`` (prod) to set."""
    key: str
    """The config key refused, without the namespace."""
    value: Any
    problem: str
    component: str
    """The component that takes the same grant as args."""
    args: dict[str, Any] = field(default_factory=dict)
    """That component's args (Python names) behind the config."""

    def config(self) -> dict[str, Any]:
        """The committed stack file's config map with the case's changes."""
        config = load_stack_config(PROJECT_DIR, self.stack)
        edited = config["ecr-share:access" if self.stack == "build" else "ecr-share:receiveReplication"]
        edited.update(copy.deepcopy(self.changes))
        return config

    @property
    def message(self) -> str:
        """The config path's whole message."""
        return f"ecr-share:{self.key}: {json.dumps(self.value)} {self.problem}"


def _receiver(**args: Any) -> dict[str, Any]:
    """prod's ReplicationReceiver args, as its plan passes them, with ``args`` added."""
    return {
        "source_account": BUILD_ACCOUNT,
        "account_id": PROD,
        "region": "us-east-1",
        "filters": ["web-app", "worker"],
        "template_prefixes": ["ROOT"],
        "description": "replicas",
        **args,
    }


def _statement(**fields: Any) -> dict[str, Any]:
    return {"Sid": "Cache", "Effect": "Allow", "Principal": {"AWS": OTHER}, "Action": REPLICATE, **fields}


LAMBDA_ACCESS = {
    "accounts": ["333333333333", PROD],
    "roles": [DEV_EXECUTION],
    "lambdaAccounts": ["222222222222"],
}
OVERLAP = (
    f"account {OTHER} could create it and replicate other images into it. Give it prefixes that no "
    "received repository starts with and that start with none of the received filters"
)
WRITES = (
    "the statement would let its principals create repositories or write images there. Name prefixes "
    "outside what this registry receives"
)
EVERY = (
    "matches every repository name, so it covers every repository of the registry: name the prefix the "
    f'statement serves ("{REGISTRY}ecr-public/*")'
)
DENY = {
    "Sid": "NoReplication",
    "Effect": "Deny",
    "Principal": {"AWS": "*"},
    "Action": "ecr:ReplicateImage",
    "Resource": f"{REGISTRY}*",
}

CASES: tuple[Case, ...] = (
    Case(
        "a Lambda grant voids the role narrowing of its account",
        "build",
        LAMBDA_ACCESS,
        "access.lambdaAccounts[0]",
        "222222222222",
        "would let every principal of account 222222222222 get the images: AWS's statement for the "
        "identities that create the account's Lambda functions names its root (statement "
        "'AllowLambdaAccountPull': ecr:BatchGetImage and ecr:GetDownloadUrlForLayer), while "
        "ecr-share:access.roles grants only some of its roles. List the roles that create its functions "
        "in ecr-share:access.lambdaAccounts[0].deployers (the statement then names only them), or grant "
        "the account whole",
        "SharedRepositories",
        {
            "repositories": [{"name": "web-app"}],
            "access": {
                "accounts": ["333333333333", PROD],
                "roles": [DEV_EXECUTION],
                "lambda_accounts": [{"account": "222222222222"}],
            },
            "region": "us-east-1",
            "account_id": BUILD_ACCOUNT,
        },
    ),
    Case(
        "another source without filters",
        "prod",
        {"otherSources": [{"account": OTHER}]},
        "receiveReplication.otherSources[0]",
        {"account": OTHER},
        f"has no filters, so account {OTHER} could create and replicate into every repository of this "
        f"registry, including what it receives from the build account {BUILD_ACCOUNT}: give the prefixes "
        "it replicates (filters), none of which a received repository starts with",
        "ReplicationReceiver",
        _receiver(other_sources=[{"account": OTHER}]),
    ),
    Case(
        "another source's filter is a prefix of a received one",
        "prod",
        {"otherSources": [{"account": OTHER, "filters": ["we"]}]},
        "receiveReplication.otherSources[0].filters[0]",
        "we",
        f'reaches web-app, {RECEIVED_FROM} (filter "web-app"): {OVERLAP}',
        "ReplicationReceiver",
        _receiver(other_sources=[{"account": OTHER, "filters": ["we"]}]),
    ),
    Case(
        "another source's filter is a received one",
        "prod",
        {"otherSources": [{"account": OTHER, "filters": ["team-b/", "web-app"]}]},
        "receiveReplication.otherSources[0].filters[1]",
        "web-app",
        f'reaches web-app, {RECEIVED_FROM} (filter "web-app"): {OVERLAP}',
        "ReplicationReceiver",
        _receiver(other_sources=[{"account": OTHER, "filters": ["team-b/", "web-app"]}]),
    ),
    Case(
        "a statement allows a prefix of what is received",
        "prod",
        {"registryPolicyStatements": [_statement(Resource=f"{REGISTRY}w*")]},
        "receiveReplication.registryPolicyStatements[0].Resource",
        f"{REGISTRY}w*",
        f'reaches web-app, {RECEIVED_FROM} (filter "web-app"): {WRITES}',
        "ReplicationReceiver",
        _receiver(registry_policy_statements=[json.dumps(_statement(Resource=f"{REGISTRY}w*"))]),
    ),
    Case(
        "a statement allows every repository, written repository/**",
        "prod",
        {"registryPolicyStatements": [_statement(Resource=[f"{REGISTRY}team-b/*", f"{REGISTRY}**"])]},
        "receiveReplication.registryPolicyStatements[0].Resource[1]",
        f"{REGISTRY}**",
        EVERY,
        "ReplicationReceiver",
        _receiver(
            registry_policy_statements=[
                json.dumps(_statement(Resource=[f"{REGISTRY}team-b/*", f"{REGISTRY}**"]))
            ]
        ),
    ),
    Case(
        "a statement allows every repository, written repository/?*",
        "prod",
        {"registryPolicyStatements": [_statement(Resource=f"{REGISTRY}?*")]},
        "receiveReplication.registryPolicyStatements[0].Resource",
        f"{REGISTRY}?*",
        EVERY,
        "ReplicationReceiver",
        _receiver(registry_policy_statements=[json.dumps(_statement(Resource=f"{REGISTRY}?*"))]),
    ),
    Case(
        "a Deny stops the build account's replication",
        "prod",
        {"registryPolicyStatements": [DENY]},
        "receiveReplication.registryPolicyStatements[0]",
        "NoReplication",
        f"denies replication into web-app, which ReplicationFrom{BUILD_ACCOUNT} lets account "
        f"{BUILD_ACCOUNT} replicate here: the Deny would silently stop it (its conditions are not read: "
        "they may hold for a replication). Leave the replicated prefixes out of its Resource, or the "
        "replication actions out of its Action",
        "ReplicationReceiver",
        _receiver(registry_policy_statements=[json.dumps(DENY)]),
    ),
)


def args_message(case: Case) -> str:
    """The same refusal as the component's check gives it (schema names): the config's message with
    the args' keys, which are the config's without the namespace and, for a receiver, without
    ``receiveReplication.``."""
    config_prefix = "ecr-share:receiveReplication." if case.stack == "prod" else "ecr-share:"
    return case.message.replace(config_prefix, "")
