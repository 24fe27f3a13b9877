"""Three-valued logic: True, False, or None for "cannot be evaluated".

An unknown part must never turn into an allow, so the evaluator combines parts with Kleene's
rules: ``False and unknown`` is False, ``True or unknown`` is True, anything else with an unknown
stays unknown. Each unknown carries the sentence that explains it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Tri = bool | None


@dataclass(frozen=True)
class Outcome:
    """A three-valued result; ``why`` explains an unknown (or a notable False)."""

    value: Tri
    why: str = ""

    @property
    def unknown(self) -> bool:
        return self.value is None


TRUE = Outcome(True)
FALSE = Outcome(False)


def unknown(why: str) -> Outcome:
    return Outcome(None, why)


def all_of(outcomes: Iterable[Outcome]) -> Outcome:
    """Kleene AND: the first False decides; otherwise the first unknown."""
    first_unknown: Outcome | None = None
    for outcome in outcomes:
        if outcome.value is False:
            return outcome
        if outcome.value is None and first_unknown is None:
            first_unknown = outcome
    return first_unknown or TRUE


def any_of(outcomes: Iterable[Outcome]) -> Outcome:
    """Kleene OR: the first True decides; otherwise the first unknown; a False keeps the reasons."""
    return first_true(outcomes)[0]


def first_true(outcomes: Iterable[Outcome]) -> tuple[Outcome, int | None]:
    """``any_of``, and the position of the outcome that made it true."""
    first_unknown: Outcome | None = None
    reasons: list[str] = []
    for n, outcome in enumerate(outcomes):
        if outcome.value is True:
            return outcome, n
        if outcome.value is None and first_unknown is None:
            first_unknown = outcome
        elif outcome.value is False and outcome.why:
            reasons.append(outcome.why)
    return first_unknown or Outcome(False, "; ".join(reasons)), None
