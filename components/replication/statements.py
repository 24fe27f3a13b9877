"""Registry policy statements from config (``receiveReplication.registryPolicyStatements``): what
other tooling needs in the one registry policy of an account and Region (pull-through cache rules,
another replication source with its own conditions), validated like every other value.

A registry policy is a resource policy on the whole registry, so a statement here may allow only
the registry permissions (``rules.REGISTRY_POLICY_ACTIONS``), to named principals of this partition,
on repository ARNs of this registry under a prefix: never ``*`` for a principal, an action or a
resource of an Allow (by meaning: ``repository/**`` names every repository too), no Allow that
reaches what the registry receives from the build account, and no Deny that stops one of the
registry's own replication statements (``replication.writes``). Each statement is rendered
canonically (sorted, de-duplicated lists), so the plan's text is stable and drift is compared by
meaning.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from components.aws import rules
from components.aws.globs import matches_every_repository
from components.aws.names import account_root_arn
from components.aws.policy import Statement, canonical_json
from components.config import values
from components.errors import ConfigError
from components.replication.documents import repository_arn_prefix
from components.replication.writes import Received, check_allow_resource, check_deny

STATEMENT_KEYS = ("Sid", "Effect", "Principal", "Action", "Resource", "Condition")
# Elements that name what a statement does NOT cover: an Allow with one of them grants everything
# else, the opposite of least privilege (IAM reference_policies_elements_notprincipal.html).
NEGATED = ("NotPrincipal", "NotAction", "NotResource")


def parse_statements(
    full_key: str, value: Any, received: Received, replication: Sequence[Statement]
) -> tuple[str, ...]:
    """Each statement as canonical JSON text, in config order. ``received``: what the registry receives
    from the build account (no Allow may reach it); ``replication``: the statements ecr-share writes
    itself for every source (``ReplicationFrom<account>``, ``Received.replication_statements``), as
    the registry policy holds them: they keep their Sids, and no Deny may stop them
    (``replication.writes``)."""
    entries = values.sequence(full_key, value)
    seen = {s["Sid"]: "ecr-share's own replication statement" for s in replication}
    parsed: list[str] = []
    for index, entry in enumerate(entries):
        statement = parse_statement(f"{full_key}[{index}]", entry, received)
        sid = statement["Sid"]
        if sid in seen:
            raise ConfigError(
                f"{full_key}[{index}].Sid", sid, f"is already the Sid of {seen[sid]}: Sids must be unique"
            )
        seen[sid] = f"{full_key}[{index}]"
        check_deny(f"{full_key}[{index}]", sid, statement, replication)
        parsed.append(canonical_json(statement))
    return tuple(parsed)


def parse_statement(full_key: str, value: Any, received: Received) -> Statement:
    if isinstance(value, dict):
        for name in NEGATED:
            if name in value:
                raise ConfigError(
                    f"{full_key}.{name}",
                    value[name],
                    f"is not accepted: name exactly what the statement covers ({name[3:]})",
                )
    settings = values.mapping(full_key, value, STATEMENT_KEYS, ("Condition",))
    for required in ("Sid", "Effect", "Principal", "Action", "Resource"):
        if required not in settings:
            raise ConfigError(f"{full_key}.{required}", None, "is missing: every statement needs it")
    sid = settings["Sid"]
    if not isinstance(sid, str) or rules.STATEMENT_SID.fullmatch(sid) is None:
        raise ConfigError(f"{full_key}.Sid", sid, "is not a statement ID (1 to 128 ASCII letters and digits)")
    effect = values.one_of(f"{full_key}.Effect", settings["Effect"], ("Allow", "Deny"))
    allow = effect == "Allow"
    partition = rules.partition_for(received.destination.region)
    statement: Statement = {
        "Sid": sid,
        "Effect": effect,
        "Principal": {"AWS": _principals(f"{full_key}.Principal", settings["Principal"], partition, allow)},
        "Action": _actions(f"{full_key}.Action", settings["Action"]),
        "Resource": _resources(f"{full_key}.Resource", settings["Resource"], received, allow),
    }
    if "Condition" in settings:
        statement["Condition"] = _condition(f"{full_key}.Condition", settings["Condition"])
    return statement


def _strings(full_key: str, value: Any) -> list[tuple[str, Any]]:
    """A string or a non-empty list of them, each with its key path."""
    if isinstance(value, str):
        return [(full_key, value)]
    if not isinstance(value, list):
        raise ConfigError(full_key, value, "is not a string or a list of strings (quote numbers in YAML)")
    entries = values.sequence(full_key, value)
    return [(f"{full_key}[{i}]", entry) for i, entry in enumerate(entries)]


def _principals(full_key: str, value: Any, partition: str, allow: bool) -> list[str]:
    if not isinstance(value, dict) or set(value) != {"AWS"}:
        raise ConfigError(
            full_key,
            value,
            'is not {"AWS": <account IDs or IAM ARNs>}: a registry policy names AWS principals only',
        )
    found: set[str] = set()
    for key_, principal in _strings(f"{full_key}.AWS", value["AWS"]):
        if principal == "*" and not allow:
            found.add(principal)
        elif isinstance(principal, str) and rules.ACCOUNT_ID.fullmatch(principal):
            found.add(account_root_arn(principal, partition))
        else:
            match = rules.IAM_PRINCIPAL_ARN.fullmatch(principal) if isinstance(principal, str) else None
            if match is None or match.group(1) != partition:
                wildcard = ' (an Allow names its principals: no "*")' if principal == "*" else ""
                raise ConfigError(
                    key_,
                    principal,
                    f"is not a 12-digit account ID or an IAM root, role or user ARN in partition "
                    f"{partition}{wildcard}",
                )
            found.add(principal)
    return sorted(found)


def _actions(full_key: str, value: Any) -> list[str]:
    found: set[str] = set()
    for key_, action in _strings(full_key, value):
        if action not in rules.REGISTRY_POLICY_ACTIONS:
            raise ConfigError(
                key_,
                action,
                f"is not a registry permission ({', '.join(rules.REGISTRY_POLICY_ACTIONS)}, the ones ECR "
                "enforces at registry level under scope V1 and V2; no wildcards): grant repository "
                "access in repository policies",
            )
        found.add(action)
    return sorted(found)


def _resources(full_key: str, value: Any, received: Received, allow: bool) -> list[str]:
    """Repository ARNs of this registry. An Allow's must neither match every repository name (by
    meaning: ``repository/**`` and ``repository/?*`` too) nor reach what the registry receives."""
    registry = repository_arn_prefix(received.destination)
    found: set[str] = set()
    for key_, resource in _strings(full_key, value):
        inside = isinstance(resource, str) and resource.startswith(registry)
        if not inside or rules.REGISTRY_POLICY_RESOURCE.fullmatch(resource) is None:
            raise ConfigError(
                key_, resource, f"is not a repository ARN of this registry ({registry}<prefix>*)"
            )
        glob = resource[len(registry) :]
        if allow and matches_every_repository(glob):
            raise ConfigError(
                key_,
                resource,
                "matches every repository name, so it covers every repository of the registry: name the "
                f'prefix the statement serves ("{registry}ecr-public/*")',
            )
        if allow:
            check_allow_resource(key_, resource, glob, received)
        found.add(resource)
    return sorted(found)


def _condition(full_key: str, value: Any) -> dict[str, dict[str, list[str]]]:
    if not isinstance(value, dict) or not value:
        raise ConfigError(full_key, value, "is not a non-empty map of condition operators")
    condition: dict[str, dict[str, list[str]]] = {}
    for operator, keys in value.items():
        operator_key = f"{full_key}.{operator}"
        if not isinstance(operator, str) or rules.CONDITION_OPERATOR.fullmatch(operator) is None:
            raise ConfigError(operator_key, keys, "is not an IAM condition operator (StringEquals, ...)")
        if not isinstance(keys, dict) or not keys:
            raise ConfigError(operator_key, keys, "is not a non-empty map of condition keys to values")
        condition[operator] = {}
        for name, given in keys.items():
            name_key = f"{operator_key}.{name}"
            if not isinstance(name, str) or rules.CONDITION_KEY.fullmatch(name) is None:
                raise ConfigError(name_key, given, "is not an IAM condition key (aws:SourceAccount, ...)")
            strings = []
            for key_, item in _strings(name_key, given):
                if not isinstance(item, str) or not item.isascii() or not item.isprintable() or not item:
                    raise ConfigError(key_, item, "is not a condition value (printable ASCII text)")
                strings.append(item)
            condition[operator][name] = sorted(set(strings))
    return condition
