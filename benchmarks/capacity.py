"""How much fits: accounts in one repository policy (per form and partition) and services on one
execution role (one inline policy, or split over managed policies), and how long validating the
committed stacks takes.

Run: .venv/bin/python benchmarks/capacity.py
"""

from __future__ import annotations

import timeit
from collections.abc import Callable

import measure

from components.aws.names import log_group_arn, repository_arn
from components.aws.policy import canonical_json, iam_policy_length
from components.aws.rules import (
    MANAGED_POLICY_MAX_CHARS,
    REPOSITORY_POLICY_MAX_CHARS,
    ROLE_INLINE_POLICY_MAX_CHARS,
    ROLE_MANAGED_POLICIES_MAX,
)
from components.config.files import list_stacks, load_stack_config
from components.config.stack import parse_stack_config
from components.consumers.documents import (
    RolePermissionsTooLarge,
    execution_role_policies,
    execution_role_policy,
)
from components.repositories.documents import (
    account_condition_policy,
    account_principals_policy,
    most_accounts_in_one_policy,
    repository_pull_policy,
)
from components.repositories.model import OrganizationAccess
from tests.support.scale_project import account, repository

# Seed-era figure, before the compact form: the readable form alone in the aws partition.
READABLE_ACCOUNTS_BEFORE = 304
# Before the split: what one inline policy held with these names.
REGION, BUILD, ENVIRONMENT = "us-east-1", "111111111111", "444444444444"


def most(fits: Callable[[int], bool], high: int = 5_000) -> int:
    """The largest n in 1..high with fits(n), for a monotonic fits."""
    low = 0
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def accounts(n: int) -> list[str]:
    return [account(i) for i in range(n)]


def service_arns(n: int) -> tuple[list[str], list[str]]:
    """What a role pulls and writes for n services, one repository each (``team-N/service-NNNN``)."""
    names = [repository(i) for i in range(n)]
    return (
        [repository_arn(REGION, BUILD, name) for name in names],
        [log_group_arn(REGION, ENVIRONMENT, name.rsplit("/", 1)[1]) for name in names],
    )


def split_fits(n: int) -> bool:
    try:
        execution_role_policies(*service_arns(n))
    except RolePermissionsTooLarge:
        return False
    return True


def main() -> None:
    print(f"capacity ({measure.machine()})")
    print(f"\nrepository policy: at most {REPOSITORY_POLICY_MAX_CHARS} characters (ECR)")
    for partition in ("aws", "aws-cn", "aws-us-gov"):

        def readable(n: int, partition: str = partition) -> bool:
            size = len(canonical_json(account_principals_policy(accounts(n), partition)))
            return size <= REPOSITORY_POLICY_MAX_CHARS

        print(f"  readable form (root ARNs in Principal), {partition}: {most(readable)} accounts")
    compact = most(
        lambda n: len(canonical_json(account_condition_policy(accounts(n)))) <= REPOSITORY_POLICY_MAX_CHARS
    )
    assert compact == most_accounts_in_one_policy()
    print(
        f"  compact form (Principal * with aws:PrincipalAccount), every partition: {compact} accounts, "
        f"{compact / READABLE_ACCOUNTS_BEFORE:.2f}x the {READABLE_ACCOUNTS_BEFORE} of before (goal: >= 600)"
    )
    organization = canonical_json(repository_pull_policy(OrganizationAccess("o-abc123def4")))
    print(f"  organization mode: any number of accounts, {len(organization)} characters")

    print(
        f"\nexecution role: one inline policy of at most {ROLE_INLINE_POLICY_MAX_CHARS} characters, "
        f"{ROLE_MANAGED_POLICIES_MAX} managed policies of {MANAGED_POLICY_MAX_CHARS} (IAM defaults)"
    )
    repositories, logs = service_arns(1)
    print(
        f"  services named like {repository(0)} (repository ARN {len(repositories[0])} characters, "
        f"log group ARN {len(logs[0])})"
    )
    inline = most(
        lambda n: iam_policy_length(execution_role_policy(*service_arns(n))) <= ROLE_INLINE_POLICY_MAX_CHARS
    )
    split = most(split_fits)
    print(f"  one inline policy (before): {inline} services")
    print(f"  inline and managed policies: {split} services, {split / inline:.2f}x")
    used = len(execution_role_policies(*service_arns(split)).managed)
    print(f"  at {split} services the role has {used} managed policies")

    project = measure.ROOT
    configs = {stack: load_stack_config(project, stack) for stack in list_stacks(project)}
    runs = 200
    seconds = timeit.timeit(lambda: [parse_stack_config(s, c) for s, c in configs.items()], number=runs)
    print(f"\nvalidate all {len(configs)} committed stacks: {seconds / runs * 1e3:.3f} ms per pass")


if __name__ == "__main__":
    main()
