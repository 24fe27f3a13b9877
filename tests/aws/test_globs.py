"""Repository-name wildcards decided by meaning (``components.aws.globs``): the name automaton is
ECR's name pattern, every example name the search returns is a valid name that matches (or escapes)
as claimed, and no name is missed where a brute-force enumeration finds one."""

from __future__ import annotations

import itertools
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from components.aws import rules
from components.aws.globs import (
    NAME_CHARACTERS,
    common_name,
    matches_every_repository,
    matching_name,
    name_glob,
    prefix_glob,
)


def matches(glob: str, name: str) -> bool:
    """IAM's reading of a wildcard, as a regex: the reference the search is held to. Letters are
    compared without case and a policy variable stands for anything, as ``globs`` documents."""
    glob = re.sub(r"\$\{[^}]*\}", "*", glob)
    pattern = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.fullmatch(pattern, name, re.IGNORECASE | re.DOTALL) is not None


def valid(name: str) -> bool:
    low, high = rules.REPOSITORY_NAME_LENGTH
    return low <= len(name) <= high and rules.ECR_REPOSITORY_NAME.fullmatch(name) is not None


# Every name of up to 4 characters over a small alphabet that still reaches every automaton state.
SMALL = "ab1-._/"
SHORT_NAMES = ["".join(chars) for size in range(1, 5) for chars in itertools.product(SMALL, repeat=size)]
VALID_SHORT_NAMES = [n for n in SHORT_NAMES if valid(n)]


@pytest.mark.parametrize(
    ("glob", "every"),
    [
        ("*", True),
        ("**", True),
        ("?*", True),
        ("*?", True),
        ("??*", True),
        ("*?*", True),
        ("${aws:username}", True),
        ("???*", False),  # "ab" has two characters
        ("?", False),
        ("a*", False),
        ("*a*", False),
        ("W*", False),
        ("*/*", False),
        ("-*", False),  # no name starts with "-": it matches none
    ],
)
def test_every_repository_by_meaning(glob: str, every: bool) -> None:
    assert matches_every_repository(glob) is every
    escaping = matching_name((), (glob,))
    assert (escaping is None) is every
    if escaping is not None:
        assert valid(escaping) and not matches(glob, escaping)


@pytest.mark.parametrize(
    ("first", "second", "shared"),
    [
        ("w*", "web-app*", "web-app"),
        ("we*", "web-app*", "web-app"),
        ("web-app*", "web-app*", "web-app"),
        ("web-app-v2*", "web-app*", "web-app-v2"),
        ("W*", "web-app*", "web-app"),
        ("?eb*", "web-app*", "web-app"),
        ("*app", "web-app*", "web-app"),
        ("*/*", "worker*", "worker/a"),
        ("team-b/*", "web-app*", None),
        ("x*", "web-app*", None),
        ("web-app", "web-app*", "web-app"),
        ("ecr-public/*", "*", "ecr-public/a"),
        ("-*", "*", None),
    ],
)
def test_common_names(first: str, second: str, shared: str | None) -> None:
    assert common_name(first, second) == shared
    assert common_name(second, first) == shared


def test_the_name_automaton_is_ecrs_name_pattern() -> None:
    """Every short name over characters that reach each state: accepted exactly when ECR's pattern
    accepts it (matching_name with the wildcard that is the name itself finds it, or nothing)."""
    for name in SHORT_NAMES:
        assert (matching_name((name,)) == name) is valid(name), name


def test_the_shortest_example_comes_first() -> None:
    assert matching_name(("*",)) == "aa"
    assert matching_name((prefix_glob("team-a/"),)) == "team-a/a"
    assert NAME_CHARACTERS.startswith("abc")


def test_name_glob_reads_repository_arns_only() -> None:
    assert name_glob("arn:aws:ecr:us-east-1:444444444444:repository/w*") == "w*"
    assert name_glob("arn:aws:ecr:us-east-1:444444444444:repository/team/a:b") == "team/a:b"
    assert name_glob("*") is None
    assert name_glob("arn:aws:ecr:us-east-1:444444444444:*") is None


GLOBS = st.text(alphabet="ab-/*?", max_size=6)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(first=GLOBS, second=GLOBS)
def test_the_search_agrees_with_brute_force(first: str, second: str) -> None:
    """Over every short name: when some name both wildcards match exists, the search finds one (of
    at most that length), and the one it returns is valid and matched by both."""
    found = common_name(first, second)
    brute = next((n for n in VALID_SHORT_NAMES if matches(first, n) and matches(second, n)), None)
    if found is not None:
        assert valid(found) and matches(first, found) and matches(second, found)
    if brute is not None:
        assert found is not None and len(found) <= len(brute)
    escaping = matching_name((), (first,))
    brute_escaping = next((n for n in VALID_SHORT_NAMES if not matches(first, n)), None)
    if escaping is not None:
        assert valid(escaping) and not matches(first, escaping)
    if brute_escaping is not None:
        assert escaping is not None


def test_a_wildcard_naming_every_letter_and_digit_is_searched_too() -> None:
    every = "abcdefghijklmnopqrstuvwxyz0123456789*"
    assert matching_name((), (every,)) == "aa"
    assert common_name(every, "*") == every[:-1]
