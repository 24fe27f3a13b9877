"""The project config schema in ``Pulumi.yaml``: every top-level key of both stack kinds, with its type
and description, so ``pulumi config`` and the engine know them. The engine checks only the top-level
type; every value is still validated in full by ``config/stack.py`` and the features' parsers.

What Pulumi's schema can say (pulumi/pulumi, ``sdk/go/common/workspace/project.go`` and
``project.json``; ``pkg/workspace/config.go``, ``mergeConfig``): ``type`` string, integer, boolean,
array (with ``items``) or object; ``description``; ``default``; ``secret``. Only keys of the project's
own namespace can be typed (``aws:region`` may only be given a fixed ``value``, so none is declared).
A declared key without a default is required in every stack, and a default is merged into every
stack that does not set the key. The two stack kinds have different keys, so each key but
``stackKind`` declares a default, and ``without_engine_defaults`` drops such values before a stack is
parsed, so that a build stack is not refused for the environment keys the engine filled in. The
default is the parser's own where it has one (``logRetentionDays``, ``pullFrom``: the same meaning
when written out), else a marker nobody writes (``NOT_SET``, or a one-item list or an object holding
it): an explicit ``{}``, ``[]`` or ``""`` is still parsed, and refused, as before.

``Pulumi.yaml``'s ``config:`` is this module's ``project_config()`` (``tests/config/test_schema.py``);
print it with ``python -m components.config.schema``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.consumers.config import DEFAULT_LOG_RETENTION_DAYS, SERVICE_KEYS
from components.encryption.config import KMS_KEYS_KEYS
from components.project import BUILD, ENVIRONMENT, NAMESPACE, STACK_KINDS
from components.replication.config import PULL_FROM, RECEIVE_KEYS, REPLICATION_KEYS
from components.repositories.config import ACCESS_KEYS, LIFECYCLE_KEYS, REPOSITORY_KEYS

# What the schema's defaults hold where a key is not set (no parser accepts it as a value).
NOT_SET = "(not set)"


@dataclass(frozen=True)
class TopLevelKey:
    """One top-level key: the stack kinds that take it, its engine type and what it means."""

    name: str
    kinds: tuple[str, ...]
    # None where YAML allows two shapes the schema cannot express (a name or an object).
    type: str | None
    description: str
    items: str | None = None
    # The object keys the program accepts (the feature's key list), named in the description.
    keys: tuple[str, ...] = ()
    # The parser's own default, the same value as when the key is left out; None: a marker.
    default: Any = None
    required_everywhere: bool = False

    def engine_default(self) -> Any:
        """What the engine merges into a stack that does not set the key (None: nothing, required)."""
        if self.required_everywhere:
            return None
        if self.default is not None:
            return self.default
        marker = {
            "object": {NOT_SET: True},
            "array": [{NOT_SET: True} if self.items == "object" else NOT_SET],
        }
        return marker.get(self.type or "", NOT_SET)

    def declaration(self) -> dict[str, Any]:
        kinds = "every stack" if set(self.kinds) == set(STACK_KINDS) else f"{self.kinds[0]} stacks"
        text = f"({kinds}) {self.description}"
        if self.keys:
            text += f" Keys: {', '.join(self.keys)}."
        declared: dict[str, Any] = {}
        if self.type is not None:
            declared["type"] = self.type
        if self.items is not None:
            declared["items"] = {"type": self.items}
        declared["description"] = text
        if self.engine_default() is not None:
            declared["default"] = self.engine_default()
        return declared


_BOTH = (BUILD, ENVIRONMENT)
_BUILD = (BUILD,)
_ENVIRONMENT = (ENVIRONMENT,)

TOP_LEVEL_KEYS = (
    TopLevelKey(
        "stackKind",
        _BOTH,
        "string",
        f"What this stack deploys: {' or '.join(STACK_KINDS)}.",
        required_everywhere=True,
    ),
    TopLevelKey(
        "repositories",
        _BUILD,
        None,
        "The repositories to share: a list of names, or of objects with a name and settings.",
        keys=REPOSITORY_KEYS,
    ),
    TopLevelKey(
        "access",
        _BUILD,
        "object",
        "Who may pull: accounts or an AWS Organization, and narrower grants.",
        keys=ACCESS_KEYS,
    ),
    TopLevelKey(
        "replication",
        _BUILD,
        "object",
        "Replication rules to other Regions and accounts, and the replicas' scanning.",
        keys=REPLICATION_KEYS,
    ),
    TopLevelKey(
        "lifecycle",
        _BUILD,
        "object",
        "The lifecycle policy of every repository that sets none.",
        keys=LIFECYCLE_KEYS,
    ),
    TopLevelKey(
        "kmsKeys",
        _BUILD,
        "object",
        "Customer managed KMS keys for the repositories, created or given by ARN.",
        keys=KMS_KEYS_KEYS,
    ),
    TopLevelKey(
        "buildStack",
        _ENVIRONMENT,
        "string",
        "The build stack whose repositories this stack pulls from.",
    ),
    TopLevelKey(
        "services",
        _ENVIRONMENT,
        "array",
        "The services to run: an image of a shared repository each, as a Fargate task definition.",
        items="object",
        keys=SERVICE_KEYS,
    ),
    TopLevelKey(
        "organizationPath",
        _ENVIRONMENT,
        "string",
        "This account's AWS Organizations path, when the build stack grants by path.",
    ),
    TopLevelKey(
        "logRetentionDays",
        _ENVIRONMENT,
        "integer",
        "Days the services' CloudWatch log groups keep their events.",
        default=DEFAULT_LOG_RETENTION_DAYS,
    ),
    TopLevelKey(
        "pullFrom",
        _ENVIRONMENT,
        "string",
        f"Where the services pull their images: {' or '.join(PULL_FROM)}.",
        default=PULL_FROM[0],
    ),
    TopLevelKey(
        "receiveReplication",
        _ENVIRONMENT,
        "object",
        "Receive the build stack's replicas in this account's registry.",
        keys=RECEIVE_KEYS,
    ),
    TopLevelKey(
        "pullRoles",
        _ENVIRONMENT,
        "array",
        "Existing roles of this account (names or ARNs) that get the pull policy.",
        items="string",
    ),
    TopLevelKey(
        "deployAfter",
        _ENVIRONMENT,
        "array",
        "Environment stacks the pipeline deploys before this one.",
        items="string",
    ),
    TopLevelKey(
        "requireSignature",
        _ENVIRONMENT,
        "array",
        "AWS Signer signing profile ARNs, one of which must have signed every image this stack runs.",
        items="string",
    ),
)


def project_config() -> dict[str, dict[str, Any]]:
    """``Pulumi.yaml``'s ``config:`` section (keys in the project's namespace, written without it)."""
    return {key.name: key.declaration() for key in TOP_LEVEL_KEYS}


def _as_the_engine_passes(value: Any) -> str:
    """A default as the engine hands it to the program: a string as is, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value, separators=(",", ":"))


_DEFAULTS = {
    f"{NAMESPACE}:{key.name}": key.engine_default()
    for key in TOP_LEVEL_KEYS
    if key.engine_default() is not None
}


def without_engine_defaults(config: Mapping[str, Any]) -> dict[str, Any]:
    """The stack's config without the values the schema's defaults stand for, as the engine merges
    them in (JSON text) or a stack file states them (YAML values): each means "not set"."""
    return {
        full_key: value
        for full_key, value in config.items()
        if full_key not in _DEFAULTS
        or (value != _DEFAULTS[full_key] and value != _as_the_engine_passes(_DEFAULTS[full_key]))
    }


if __name__ == "__main__":
    import yaml

    print(yaml.safe_dump({"config": project_config()}, sort_keys=False, width=110), end="")
