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
from typing import Any

from components.verify.evaluator.logic import TRUE, Outcome, all_of, unknown
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


def evaluate_conditions(block: Any, context: RequestContext) -> Outcome:
    """Whether a statement's Condition element holds for the request."""
    if block is None:
        return TRUE
    if not isinstance(block, dict):
        return unknown("Condition is not a map of operators")
    outcomes: list[Outcome] = []
    for operator, keys in block.items():
        if not isinstance(keys, dict):
            outcomes.append(unknown(f"Condition operator {operator} does not hold a map of keys"))
            continue
        outcomes.extend(evaluate_condition(operator, key, values, context) for key, values in keys.items())
    return all_of(outcomes)


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


def evaluate_condition(operator: str, key: str, values: Any, context: RequestContext) -> Outcome:
    """One ``operator: {key: values}`` entry of a Condition block."""
    label = f"{operator} {key}"
    qualifier, base, if_exists = _split_operator(operator)
    if qualifier is not None and qualifier not in SET_QUALIFIERS:
        return unknown(f"condition {label}: qualifier {qualifier} is not evaluated")
    if base != "Null" and base not in _OPERATORS:
        return unknown(f"condition {label}: operator {base} is not evaluated")
    policy_values = _policy_strings(values)
    if not policy_values:
        return unknown(f"condition {label}: values must be strings, booleans or numbers")
    if any(has_policy_variable(v) for v in policy_values):
        return unknown(f"condition {label}: policy variables are not resolved")
    if key.lower() not in context:
        return unknown(f"condition {label}: key {key} is not evaluated")
    present = context[key.lower()]

    if base == "Null":
        return _null_check(label, qualifier, if_exists, policy_values, present)
    matcher, negated = _OPERATORS[base]
    if base.startswith("Arn") and any(len(v.split(":", 5)) != 6 for v in policy_values):
        return unknown(f"condition {label}: a value is not an ARN pattern of six segments")

    if not present:
        if if_exists or qualifier == "ForAllValues":
            return TRUE
        if qualifier == "ForAnyValue":
            return Outcome(False, f"condition {label} fails: the request has no {key}")
        return TRUE if negated else Outcome(False, f"condition {label} fails: the request has no {key}")

    def holds(request_value: str) -> bool:
        matched = any(matcher(p, request_value) for p in policy_values)
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


__all__ = ["RequestContext", "evaluate_condition", "evaluate_conditions"]
