"""``aws.rules.lazy_pattern``: a module-level pattern compiled on first use, answering as the
compiled one."""

from __future__ import annotations

import re

from components.aws import rules
from components.aws.rules import lazy_pattern


def test_a_lazy_pattern_answers_as_the_compiled_one() -> None:
    lazy = lazy_pattern(r"([\w]+)-([0-9]+)", re.ASCII)
    compiled = re.compile(r"([\w]+)-([0-9]+)", re.ASCII)
    assert lazy.pattern == compiled.pattern
    assert lazy.flags == compiled.flags
    assert repr(lazy) == repr(compiled)
    assert lazy.fullmatch("web-12") is not None
    assert lazy.fullmatch("wéb-12") is None  # the flags are the given ones
    assert lazy.sub(r"\2", "web-12 api-3") == "12 3"
    assert lazy.groups == 2


def test_a_lazy_pattern_is_compiled_only_when_used() -> None:
    lazy = lazy_pattern(r"[0-9]{12}")
    assert vars(lazy) == {"pattern": "[0-9]{12}", "_flags": 0}
    assert lazy.fullmatch("123456789012")
    assert lazy.fullmatch("12345678901") is None
    assert set(vars(lazy)) == {"pattern", "_flags", "fullmatch"}


def test_a_lazy_pattern_equals_and_hashes_as_the_compiled_one() -> None:
    """So a dataclass holding one (``rules.Partition``) compares and hashes as before."""
    compiled = re.compile("[a-z]+", re.ASCII)
    assert lazy_pattern("[a-z]+", re.ASCII) == compiled
    assert compiled == lazy_pattern("[a-z]+", re.ASCII)
    assert lazy_pattern("[a-z]+", re.ASCII) == lazy_pattern("[a-z]+", re.ASCII)
    assert lazy_pattern("[a-z]+", re.ASCII) != lazy_pattern("[a-z]+")
    assert lazy_pattern("[a-z]+") != "[a-z]+"
    assert hash(lazy_pattern("[a-z]+", re.ASCII)) == hash(compiled)
    partition = rules.PARTITIONS[0]
    assert partition == rules.Partition(
        partition.id, re.compile(partition.regions.pattern, re.ASCII), partition.dns_suffix
    )


def test_the_rules_patterns_are_lazy() -> None:
    assert rules.ACCOUNT_ID.fullmatch("123456789012")
    assert rules.REPOSITORY_NAME.pattern.startswith("(?:[a-z0-9]+")
    assert rules.partition_for("eusc-de-east-1") == "aws-eusc"
