"""``registryScanning``: the registry scanning configuration a stack owns, with every choice ECR's
PutRegistryScanningConfiguration offers (``rules.SCAN_TYPES``, ``rules.SCAN_FREQUENCIES``, WILDCARD
filters).

The scanning configuration exists once per account and Region. Whoever writes it replaces the whole
setting: its scan type (BASIC, or ENHANCED with Amazon Inspector) and every rule. So ecr-share
writes it only where the config asks for it with this key, never as a side effect of another
setting; where Inspector or a security team owns scanning, leave the key out.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from components.aws import rules
from components.config import values
from components.errors import ConfigError
from components.replication.documents import scanning_filters
from components.replication.model import RegistryScanning, ScanningRule

SCANNING_KEYS = ("scanType", "rules")
SCANNING_RULE_KEYS = ("scanFrequency", "filters")
# Keys that once wrote the whole scanning configuration as a side effect: refused, saying what
# replaced them, so an old stack file cannot silently keep (or lose) that ownership.
RETIRED_SCAN_ON_PUSH = "scanOnPush"


def refuse_retired_scan_on_push(full_key: str, settings: Any) -> None:
    if isinstance(settings, dict) and RETIRED_SCAN_ON_PUSH in settings:
        raise ConfigError(
            f"{full_key}.{RETIRED_SCAN_ON_PUSH}",
            settings[RETIRED_SCAN_ON_PUSH],
            "is no longer a setting: it replaced the registry's whole scanning configuration (and so "
            "switched off ENHANCED/Inspector scanning) with BASIC scan on push. Use "
            f"{full_key}.registryScanning to own that setting explicitly, e.g. {{scanType: BASIC, "
            "rules: [{scanFrequency: SCAN_ON_PUSH}]}, or remove the key to leave scanning to "
            "whoever owns it (Amazon Inspector, a security team)",
        )


def parse_registry_scanning(full_key: str, value: Any) -> RegistryScanning:
    settings = values.mapping(full_key, value, SCANNING_KEYS)
    for required in SCANNING_KEYS:
        if required not in settings:
            raise ConfigError(
                f"{full_key}.{required}",
                None,
                "is missing: owning the scanning configuration means saying it all",
            )
    scan_type = values.one_of(f"{full_key}.scanType", settings["scanType"], rules.SCAN_TYPES)
    rules_key = f"{full_key}.rules"
    entries = values.sequence(rules_key, settings["rules"])
    values.at_most(rules_key, len(entries), rules.SCANNING_MAX_RULES, "rules", "scanning rules")
    parsed = tuple(_rule(f"{rules_key}[{i}]", entry, scan_type) for i, entry in enumerate(entries))
    values.unique(
        rules_key, [r.scan_frequency for r in parsed], "scan frequency (merge the two rules' filters)"
    )
    return RegistryScanning(scan_type, parsed)


def _rule(full_key: str, value: Any, scan_type: str) -> ScanningRule:
    settings = values.mapping(full_key, value, SCANNING_RULE_KEYS, ("filters",))
    if "scanFrequency" not in settings:
        raise ConfigError(f"{full_key}.scanFrequency", None, "is missing: set how often the rule scans")
    frequency = values.one_of(
        f"{full_key}.scanFrequency", settings["scanFrequency"], rules.SCAN_FREQUENCIES[scan_type]
    )
    if "filters" not in settings:
        return ScanningRule(frequency)
    filters_key = f"{full_key}.filters"
    entries = values.sequence(filters_key, settings["filters"])
    values.at_most(
        filters_key, len(entries), rules.SCANNING_MAX_FILTERS_PER_RULE, "filters", "filters per scanning rule"
    )
    filters = [scanning_filter(f"{filters_key}[{i}]", entry) for i, entry in enumerate(entries)]
    values.unique(filters_key, filters, "filter")
    return ScanningRule(frequency, tuple(filters))


def scanning_filter(full_key: str, value: Any) -> str:
    low, high = rules.SCANNING_FILTER_LENGTH
    if (
        not isinstance(value, str)
        or not low <= len(value) <= high
        or rules.SCANNING_FILTER.fullmatch(value) is None
    ):
        raise ConfigError(
            full_key,
            value,
            f"is not a registry scanning filter ECR accepts ({low} to {high} of lowercase letters, digits, "
            '"*" and single "._-/" between them, e.g. "team-a/*" or "*")',
        )
    return value


def resolved_rules(
    full_key: str, scanning: RegistryScanning, replicated: Sequence[str]
) -> tuple[ScanningRule, ...]:
    """The rules with every left-out ``filters`` replaced by WILDCARD filters that select the
    replicated repositories (``replicated``: PREFIX_MATCH filters; empty: every repository)."""
    default = tuple(scanning_filters(replicated))
    check_scanning_filters(full_key, default)
    return tuple(
        ScanningRule(r.scan_frequency, default if r.filters is None else r.filters) for r in scanning.rules
    )


def check_scanning_filters(full_key: str, wildcards: Iterable[str]) -> None:
    """Refuse replicated prefixes whose WILDCARD form ECR would not accept."""
    wildcards = tuple(wildcards)
    if len(wildcards) > rules.SCANNING_MAX_FILTERS_PER_RULE:
        raise ConfigError(
            full_key,
            f"{len(wildcards)} filters",
            f"need more than ECR's {rules.SCANNING_MAX_FILTERS_PER_RULE} scanning filters per rule: "
            "give the rules their own filters",
        )
    for wildcard in wildcards:
        if rules.SCANNING_FILTER.fullmatch(wildcard) is None:
            raise ConfigError(
                full_key,
                wildcard,
                "is not a registry scanning filter ECR accepts: use replication filters that end in a "
                'letter, digit or "/", or give the rules their own filters',
            )
