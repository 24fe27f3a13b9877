"""The Condition element: the operators and keys that ECR repository and role policies use.

Rules, all from the IAM User Guide (https://docs.aws.amazon.com/IAM/latest/UserGuide/):
- reference_policies_elements_condition.html: operators in a block are ANDed, keys under an
  operator are ANDed, values of one key are ORed; condition key names are not case-sensitive.
- reference_policies_condition-logic-multiple-context-keys-or-values.html: for a negated operator
  (StringNotEquals, ...) the values of one key are combined with NOR.
- reference_policies_elements_condition_operators.html: a key missing from the request context
  makes a condition false, or true for a negated operator; ``...IfExists`` is true when the key is
  missing; ``Null`` tests presence only; ArnEquals/ArnLike compare each of the six ARN segments
  case-sensitively, both accepting ``*`` and ``?``; ``Bool`` compares ``true`` or ``false``.
- reference_policies_condition-single-vs-multi-valued-context-keys.html: ``ForAnyValue`` is true if
  any request value matches (false when the key is missing); ``ForAllValues`` is true if every
  request value matches, and also when the key is missing.

Anything else (another operator, a key the request context does not model, a policy variable)
is unknown: the caller reports it, it is never taken as a match.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from components.verify.evaluator.logic import TRUE, Outcome, unknown
from components.verify.evaluator.matching import as_list, has_policy_variable, wildcard_match

# Lower-cased key -> its values in the request, or None when the request does not carry it.
# A key absent from this mapping is one the evaluator does not model: conditions on it are unknown.
RequestContext = Mapping[str, tuple[str, ...] | None]

SET_QUALIFIERS = ("ForAnyValue", "ForAllValues")


def _string_equals(pattern: str, value: str) -> bool:
    return pattern == value


def _string_like(pattern: str, value: str) -> bool:
    return wildcard_match(pattern, value)


def _bool_equals(pattern: str, value: str) -> bool:
    return pattern.lower() == value.lower()


def _arn_like(pattern: str, value: str) -> bool:
    pattern_parts, value_parts = pattern.split(":", 5), value.split(":", 5)
    if len(value_parts) != 6:
        return False
    return all(wildcard_match(p, v) for p, v in zip(pattern_parts, value_parts, strict=True))


# Base operator -> (positive matcher, negated?)
_OPERATORS: dict[str, tuple[Callable[[str, str], bool], bool]] = {
    "StringEquals": (_string_equals, False),
    "StringNotEquals": (_string_equals, True),
    "StringLike": (_string_like, False),
    "StringNotLike": (_string_like, True),
    "ArnEquals": (_arn_like, False),
    "ArnLike": (_arn_like, False),
    "ArnNotEquals": (_arn_like, True),
    "ArnNotLike": (_arn_like, True),
    "Bool": (_bool_equals, False),
}
# Operators whose matcher is plain equality (Bool: of lower-cased values): a set lookup gives the same.
_EXACT = frozenset({"StringEquals", "StringNotEquals", "Bool"})


def _split_operator(operator: str) -> tuple[str | None, str, bool]:
    qualifier, _, base = operator.rpartition(":")
    if_exists = base.endswith("IfExists")
    return (qualifier or None), base.removesuffix("IfExists"), if_exists


def _policy_strings(values: Any) -> list[str] | None:
    """Policy values as strings; JSON booleans and numbers are written as AWS reads them."""
    strings: list[str] = []
    for value in as_list(values):
        if isinstance(value, bool):
            strings.append("true" if value else "false")
        elif isinstance(value, int | str):
            strings.append(str(value))
        else:
            return None
    return strings


@dataclass(frozen=True)
class Condition:
    """One ``operator: {key: values}`` entry, parsed once: what it needs from a request context."""

    label: str
    name: str
    """The key as written."""
    key: str
    """The key, lower-cased (condition key names are not case-sensitive)."""
    qualifier: str | None
    base: str
    if_exists: bool
    values: tuple[str, ...]
    problem: Outcome | None = None
    """Why it cannot be evaluated whatever the request: an operator, qualifier or value not modelled."""
    exact: frozenset[str] | None = None
    """The values as a set, for the operators that compare exactly (a lookup instead of a scan)."""


def compile_conditions(block: Any) -> tuple[Condition, ...] | Outcome:
    """A statement's Condition element as ``Condition`` entries, or the unknown it is."""
    if block is None:
        return ()
    if not isinstance(block, dict):
        return unknown("Condition is not a map of operators")
    compiled: list[Condition] = []
    for operator, keys in block.items():
        if isinstance(keys, dict):
            compiled += [compile_condition(operator, key, values) for key, values in keys.items()]
        else:
            problem = unknown(f"Condition operator {operator} does not hold a map of keys")
            compiled.append(Condition(operator, "", "", None, "", False, (), problem))
    return tuple(compiled)


def compile_condition(operator: str, key: str, values: Any) -> Condition:
    label = f"{operator} {key}"
    qualifier, base, if_exists = _split_operator(operator)
    policy_values = _policy_strings(values)
    problem = None
    if qualifier is not None and qualifier not in SET_QUALIFIERS:
        problem = unknown(f"condition {label}: qualifier {qualifier} is not evaluated")
    elif base != "Null" and base not in _OPERATORS:
        problem = unknown(f"condition {label}: operator {base} is not evaluated")
    elif not policy_values:
        problem = unknown(f"condition {label}: values must be strings, booleans or numbers")
    elif any(has_policy_variable(v) for v in policy_values):
        problem = unknown(f"condition {label}: policy variables are not resolved")
    strings = tuple(policy_values or ())
    exact = None
    if base in _EXACT:
        exact = frozenset(v.lower() for v in strings) if base == "Bool" else frozenset(strings)
    return Condition(label, key, key.lower(), qualifier, base, if_exists, strings, problem, exact)


def holds_for(conditions: tuple[Condition, ...], context: RequestContext) -> Outcome:
    """Kleene AND of the entries: the first False decides, else the first unknown."""
    first_unknown: Outcome | None = None
    for condition in conditions:
        outcome = condition_outcome(condition, context)
        if outcome.value is False:
            return outcome
        if outcome.value is None and first_unknown is None:
            first_unknown = outcome
    return first_unknown or TRUE


def condition_outcome(condition: Condition, context: RequestContext) -> Outcome:
    if condition.problem is not None:
        return condition.problem
    label, key, qualifier, base = condition.label, condition.name, condition.qualifier, condition.base
    if condition.key not in context:
        return unknown(f"condition {label}: key {key} is not evaluated")
    present = context[condition.key]

    if base == "Null":
        return _null_check(label, qualifier, condition.if_exists, list(condition.values), present)
    matcher, negated = _OPERATORS[base]
    if base.startswith("Arn") and any(len(v.split(":", 5)) != 6 for v in condition.values):
        return unknown(f"condition {label}: a value is not an ARN pattern of six segments")

    if not present:
        if condition.if_exists or qualifier == "ForAllValues":
            return TRUE
        if qualifier == "ForAnyValue":
            return Outcome(False, f"condition {label} fails: the request has no {key}")
        return TRUE if negated else Outcome(False, f"condition {label} fails: the request has no {key}")

    exact = condition.exact

    def holds(request_value: str) -> bool:
        if exact is not None:
            matched = (request_value.lower() if base == "Bool" else request_value) in exact
        else:
            matched = any(matcher(p, request_value) for p in condition.values)
        return matched != negated  # negated operators: NOR over the policy values

    if qualifier is None:
        if len(present) > 1:
            return unknown(
                f"condition {label}: {key} has several values; a plain operator on it is not evaluated"
            )
        result = holds(present[0])
    elif qualifier == "ForAnyValue":
        result = any(holds(v) for v in present)
    else:
        result = all(holds(v) for v in present)
    if result:
        return TRUE
    return Outcome(False, f"condition {label} fails: the request has {key} = {', '.join(present)}")


def _null_check(
    label: str,
    qualifier: str | None,
    if_exists: bool,
    policy_values: list[str],
    present: tuple[str, ...] | None,
) -> Outcome:
    if qualifier is not None or if_exists or len(policy_values) != 1:
        return unknown(f"condition {label}: only a plain Null with one value is evaluated")
    wanted = policy_values[0].lower()
    if wanted not in ("true", "false"):
        return unknown(f"condition {label}: Null takes true or false")
    missing = not present
    if missing == (wanted == "true"):
        return TRUE
    return Outcome(False, f"condition {label} fails: the key is {'missing' if missing else 'present'}")


__all__ = [
    "Condition",
    "RequestContext",
    "compile_conditions",
    "condition_outcome",
    "holds_for",
]
