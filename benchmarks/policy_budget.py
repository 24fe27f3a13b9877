"""Figures, not asserts: how many accounts fit ECR's repository policy limit, and how long the
pure core takes to validate and render the committed stacks.

Run: .venv/bin/python benchmarks/policy_budget.py
"""

from __future__ import annotations

import sys
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from components.aws.policy import canonical_json
from components.aws.rules import REPOSITORY_POLICY_MAX_CHARS
from components.config.files import list_stacks, load_stack_config
from components.config.stack import parse_stack_config
from components.repositories.documents import repository_pull_policy
from components.repositories.model import AccountsAccess, OrganizationAccess


def policy_size(accounts: int) -> int:
    ids = tuple(f"{200_000_000_000 + n:012d}" for n in range(accounts))
    return len(canonical_json(repository_pull_policy(AccountsAccess(ids))))


def most_accounts_that_fit() -> int:
    low, high = 1, 2_000
    while low < high:
        middle = (low + high + 1) // 2
        if policy_size(middle) <= REPOSITORY_POLICY_MAX_CHARS:
            low = middle
        else:
            high = middle - 1
    return low


def main() -> None:
    fit = most_accounts_that_fit()
    print(f"repository policy limit: {REPOSITORY_POLICY_MAX_CHARS} characters")
    print(f"accounts that fit in account-list mode: {fit} ({policy_size(fit)} characters)")
    organization = canonical_json(repository_pull_policy(OrganizationAccess("o-abc123def4")))
    print(f"organization mode, any number of accounts: {len(organization)} characters")

    project = Path(__file__).resolve().parent.parent
    configs = {stack: load_stack_config(project, stack) for stack in list_stacks(project)}
    runs = 200
    seconds = timeit.timeit(lambda: [parse_stack_config(s, c) for s, c in configs.items()], number=runs)
    print(f"validate all {len(configs)} committed stacks: {seconds / runs * 1e3:.3f} ms per pass")


if __name__ == "__main__":
    main()
