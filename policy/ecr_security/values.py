"""Reading what the engine sends: resource properties, URNs, the policy's config.

Properties arrive camelCased, as in the provider's schema (``imageTagMutability``), wrapped by the
SDK in proxies that raise ``UnknownValueError`` when a value is not known yet (during preview). The
pack lets that error through: the SDK reports "can't run policy ... during preview" as an advisory
note, and the policy runs on the known value at ``pulumi up``.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyConfigSchema, PolicyProviderResource


def plain(value: Any) -> Any:
    """The SDK's read-only proxies as plain dicts and lists (reading every value, so an unknown one
    raises here, before any rule looks at it)."""
    if isinstance(value, Mapping):
        return {str(k): plain(value[k]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, str | bytes):
        return [plain(v) for v in value]
    return value


def prop(props: Mapping[str, Any], name: str) -> Any:
    """A property as a plain value, or None when the program left it out."""
    return plain(props[name]) if name in props else None


def as_list(value: Any) -> list[Any]:
    """An IAM element that may be one value or a list of them."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def stack_of(urn: str) -> str:
    """The stack of a URN, ``urn:pulumi:<stack>::<project>::<type>::<name>``: its short name, as
    Pulumi writes it into every URN on every backend."""
    return urn.split(":", 3)[2].split("::", 1)[0] if urn.startswith("urn:pulumi:") else ""


def matches_any(value: str, patterns: Sequence[str]) -> bool:
    """Shell-style patterns (``prod``, ``prod-*``), as the config options document."""
    return any(fnmatch.fnmatchcase(value, p) for p in patterns)


def region_of(props: Mapping[str, Any], provider: PolicyProviderResource | None) -> str:
    """The resource's own ``region`` (pulumi-aws 7 has one on every resource), else its provider's;
    "" when neither is known (the default provider's Region, unknown to the pack)."""
    for source in (props, provider.props if provider is not None else {}):
        value = prop(source, "region")
        if isinstance(value, str) and value:
            return value
    return ""


def provider_accounts(provider: PolicyProviderResource | None) -> set[str]:
    """The provider's ``allowedAccountIds`` when it names exactly one account: the account the
    resource is deployed to. The engine may send the list as JSON text (a config value)."""
    if provider is None:
        return set()
    value = prop(provider.props, "allowedAccountIds")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            value = [value]
    accounts = [str(v) for v in as_list(value)]
    return set(accounts) if len(accounts) == 1 else set()


def settings(config: Mapping[str, Any], schema: PolicyConfigSchema | None) -> dict[str, Any]:
    """The policy's options: what the pack's config sets, else the schema's ``default`` (the CLI fills
    the defaults in too; tests and older CLIs may not)."""
    properties = schema.properties if schema is not None else {}
    values = {name: plain(spec["default"]) for name, spec in properties.items() if "default" in spec}
    values.update({k: plain(v) for k, v in config.items() if k in properties})
    return values
