"""Which repository names an IAM resource wildcard matches, decided by meaning rather than by its text.

A registry policy names repositories by ARN, and the part after ``repository/`` may hold the
wildcards ``*`` (any run of characters, ``/`` included) and ``?`` (any one character) (IAM
reference_policies_elements_resource.html, "Including wildcard characters in the resource ARN").
``repository/*``, ``repository/**`` and ``repository/?*`` all name every repository; only the names
ECR accepts (``rules.ECR_REPOSITORY_NAME``, 2 to 256 characters) decide it. So each question here is
answered by searching those names: the shortest name that every given wildcard matches and none of
the others does, or ``None`` when there is none. The search walks the product of the repository-name
automaton and each wildcard's states, breadth first, so its answer is exact and its example name the
shortest (and first in ``NAME_CHARACTERS`` order) there is.

Two choices err on the side of refusing:
- letters are compared without case, although ARNs are matched by case (inferred: the IAM pages do not
  say how ECR compares a wildcard ARN); ``repository/W*`` is taken to match ``web-app``;
- a policy variable (``${aws:username}``) may stand for any text (IAM
  reference_policies_variables.html), so it counts as ``*``.

Pure and free of any dependency but ``rules``: the policy pack (``policy/ecr_security``) imports it too,
so the program, the component args and the pack decide each wildcard the same way.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from functools import lru_cache

from components.aws.rules import REPOSITORY_NAME_LENGTH, lazy_pattern

# Every character of a repository name, in the order the search tries them (letters first, so an
# example name reads like one).
NAME_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789-._/"
_ALNUM = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_VARIABLE = lazy_pattern(r"\$\{[^}]*\}")

# rules.ECR_REPOSITORY_NAME as an automaton: [a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+(...)*)*.
# States: start, inside a run of letters and digits (the only accepting one), after "." or "/", after
# one "_", after "__", after one or more "-". tests/aws/test_globs.py holds it equal to the regex.
_START, _ALNUM_RUN, _DOT, _UNDERSCORE, _UNDERSCORES, _HYPHENS = range(6)
_NAME_MOVES: dict[tuple[int, str], int] = {
    (_ALNUM_RUN, "."): _DOT,
    (_ALNUM_RUN, "/"): _DOT,
    (_ALNUM_RUN, "_"): _UNDERSCORE,
    (_UNDERSCORE, "_"): _UNDERSCORES,
    (_ALNUM_RUN, "-"): _HYPHENS,
    (_HYPHENS, "-"): _HYPHENS,
}


def _name_move(state: int, character: str) -> int | None:
    """The name automaton's next state, None when no valid name continues this way."""
    if character in _ALNUM:
        return _ALNUM_RUN
    return _NAME_MOVES.get((state, character))


@lru_cache(maxsize=1024)
def _tokens(glob: str) -> tuple[str, ...]:
    """The wildcard as tokens: ``*``, ``?`` or one lowercase literal character."""
    return tuple(_VARIABLE.sub("*", glob).lower())


def _closure(tokens: tuple[str, ...], positions: frozenset[int]) -> frozenset[int]:
    """Positions reachable without reading a character: a ``*`` may match nothing."""
    found = set(positions)
    for position in sorted(positions):
        while position < len(tokens) and tokens[position] == "*":
            position += 1
            found.add(position)
    return frozenset(found)


def _step(tokens: tuple[str, ...], positions: frozenset[int], character: str) -> frozenset[int]:
    moved: set[int] = set()
    for position in positions:
        if position == len(tokens):
            continue
        token = tokens[position]
        if token == "*":
            moved.add(position)
        elif token in ("?", character):
            moved.add(position + 1)
    return _closure(tokens, frozenset(moved))


def _characters(globs: Sequence[tuple[str, ...]]) -> str:
    """The characters worth trying: those the wildcards name, the separators, and the first letter or
    digit they do not name, which stands for all the others (no wildcard and no automaton state tells
    them apart). Kept in ``NAME_CHARACTERS`` order, so the answer is the one a search over every
    character would give, only sooner."""
    named = {token for tokens in globs for token in tokens}
    stand_in = next((c for c in NAME_CHARACTERS if c in _ALNUM and c not in named), None)
    return "".join(c for c in NAME_CHARACTERS if c in named or c not in _ALNUM or c == stand_in)


def matching_name(matched_by: Sequence[str], unmatched_by: Sequence[str] = ()) -> str | None:
    """The shortest repository name ECR accepts that every wildcard of ``matched_by`` matches and no
    wildcard of ``unmatched_by`` does; ``None`` if no such name exists."""
    globs = [_tokens(g) for g in (*matched_by, *unmatched_by)]
    characters = _characters(globs)
    required = len(matched_by)
    low, high = REPOSITORY_NAME_LENGTH
    start = tuple(_closure(t, frozenset({0})) for t in globs)
    # The length is kept only up to the shortest name allowed: beyond it, states repeat.
    seen = {(_START, start, 0)}
    queue: deque[tuple[int, tuple[frozenset[int], ...], str]] = deque([(_START, start, "")])
    while queue:
        state, positions, name = queue.popleft()
        if (
            state == _ALNUM_RUN
            and len(name) >= low
            and all(len(globs[i]) in positions[i] for i in range(required))
            and not any(len(globs[i]) in positions[i] for i in range(required, len(globs)))
        ):
            return name
        if len(name) == high:
            continue
        for character in characters:
            following = _name_move(state, character)
            if following is None:
                continue
            moved = tuple(_step(t, p, character) for t, p in zip(globs, positions, strict=True))
            if any(not moved[i] for i in range(required)):
                continue
            key = (following, moved, min(len(name) + 1, low))
            if key not in seen:
                seen.add(key)
                queue.append((following, moved, name + character))
    return None


def matches_every_repository(glob: str) -> bool:
    """Whether the wildcard matches every name a repository can have (``*``, ``**``, ``?*``, ``??*``)."""
    return matching_name((), (glob,)) is None


def common_name(first: str, second: str) -> str | None:
    """A repository name both wildcards match (the shortest), ``None`` if they share none."""
    return matching_name((first, second))


def prefix_glob(prefix: str) -> str:
    """The wildcard of a PREFIX_MATCH replication filter: every name that starts with it."""
    return f"{prefix}*"


def name_glob(resource: str) -> str | None:
    """The wildcard after ``:repository/`` of a repository ARN, ``None`` for anything else."""
    before, found, after = resource.partition(":repository/")
    return after if found and before.count(":") == 4 else None
