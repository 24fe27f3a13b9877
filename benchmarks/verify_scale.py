"""``verify`` at organization scale: 1,000 granted accounts, 300 repositories and 50 environment
stacks (6 services each), planned from generated stack configs, evaluated (the pull tables, then the
access analysis of every other class) and rendered as a table; and the same at a half, a quarter and
an eighth of each dimension, to show that the cost per cell stays the same (linear in cells).

ECR holds one repository policy to 662 accounts (``benchmarks/capacity.py``): for the 1,000-account
grant the size checks are lifted here, since what is measured is verify; the largest grant ECR
accepts (662 accounts) is measured too.

Run: .venv/bin/python benchmarks/verify_scale.py [runs]
"""

from __future__ import annotations

import sys
import time
from unittest import mock

import measure

import components.config.stack
from components.plan.project import plan_stacks
from components.verify.deployments import Deployment
from components.verify.intended import intended_state
from components.verify.matrix import build_matrix
from components.verify.report import Report, render_table
from tests.support.scale_project import project_configs

SCALES = ((125, 38, 7), (250, 75, 13), (500, 150, 25), (662, 300, 50), (1000, 300, 50))
SERVICES_PER_ENVIRONMENT = 6


def run(accounts: int, repositories: int, environments: int) -> dict[str, float]:
    configs = project_configs(
        accounts=accounts,
        repositories=repositories,
        environments=environments,
        services_per_environment=SERVICES_PER_ENVIRONMENT,
    )
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    with (
        mock.patch.object(components.config.stack, "check_repository_policy_size", lambda *_: None),
        mock.patch.object(components.config.stack, "check_repository_policies_size", lambda *_: None),
    ):
        project = plan_stacks(configs)
    seconds["plan"] = time.perf_counter() - start
    (build,) = project.builds()
    environments_ = tuple(project.environments_of(build.stack))
    deployment = Deployment(build, environments_, project.plans, environments_)
    start = time.perf_counter()
    matrix = build_matrix(deployment, intended_state(deployment))
    seconds["matrix"] = time.perf_counter() - start
    start = time.perf_counter()
    table = render_table(Report(False, "generated", (matrix,)))
    seconds["table"] = time.perf_counter() - start
    seconds["cells"] = len(matrix.cells)
    seconds["questions"] = matrix.analysis.questions if matrix.analysis else 0
    lines = table.splitlines()
    seconds["lines"] = len(lines)
    seconds["width"] = max(len(line) for line in lines)
    return seconds


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 3
    measure.heading("verify offline at organization scale", runs)
    print(
        f"{'accounts':>8} {'repos':>5} {'stacks':>6} {'cells':>8} {'asked':>6} {'plan s':>7} {'verify s':>8} "
        f"{'us/cell':>7} {'table s':>7} {'total s':>7} {'lines':>5} {'width':>5}"
    )
    for accounts, repositories, environments in SCALES:
        best: dict[str, float] = {}
        for _ in range(runs):
            seconds = run(accounts, repositories, environments)
            best = seconds if not best or seconds["matrix"] < best["matrix"] else best
        total = best["plan"] + best["matrix"] + best["table"]
        print(
            f"{accounts:>8} {repositories:>5} {environments:>6} {int(best['cells']):>8} "
            f"{int(best['questions']):>6} {best['plan']:>7.2f} "
            f"{best['matrix']:>8.2f} {best['matrix'] / best['cells'] * 1e6:>7.1f} {best['table']:>7.2f} "
            f"{total:>7.2f} {int(best['lines']):>5} {int(best['width']):>5}"
        )
    print(
        "(asked: the analysis's evaluations beyond the pull tables; verify s: the pull tables and the "
        "analysis; us/cell: verify seconds per cell of the pull tables, constant when linear; lines and "
        "width: of the table output)"
    )


if __name__ == "__main__":
    main()
