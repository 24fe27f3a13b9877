"""``verify`` at organization scale: the compact grant is evaluated like the readable one, and the
table stays readable (identical rows as one, many repositories as counts, repeated lines as one).
Timing is measured by ``benchmarks/verify_scale.py``, never here."""

from __future__ import annotations

import json
from pathlib import Path

from components.verify.evaluator import Decision
from components.verify.matrix import Cell
from components.verify.summary import GROUP_FROM, cell_lines, in_order, listed
from tests.support.scale_project import project_configs, write_project
from tests.support.verify_cli import run


def verify(tmp_path: Path, *args: str, **sizes: int) -> tuple[int, str]:
    write_project(tmp_path, project_configs(**sizes))
    code, out, err = run("--stacks-dir", str(tmp_path), *args)
    assert err == ""
    return code, out.replace(str(tmp_path), "DIR")


def test_many_accounts_and_repositories_read_as_a_short_table(tmp_path: Path) -> None:
    code, out = verify(tmp_path, accounts=40, repositories=12, environments=2, services_per_environment=2)
    assert code == 0
    table = out.split("policies from stack build\n\n", 1)[1].split("\n\nallowed: ", 1)[0]
    assert table.splitlines() == [
        "principal                                                                              allowed  -   "
        "DENIED  UNINTENDED  unknown",
        "-------------------------------------------------------------------------------------  -------  --  "
        "------  ----------  -------",
        "env-000 role (200000000000)                                                            2        10  0"
        "       0           0",
        "env-001 role (200000000001)                                                            2        10  0"
        "       0           0",
        "40 accounts: 200000000000 (env-000), 200000000001 (env-001), 200000000002 and 37 more  12       0   0"
        "       0           0",
        "any other account                                                                      0        12  0"
        "       0           0",
    ]
    assert "grants 40 accounts (200000000000, 200000000001, 200000000002 and 37 more)" in out
    assert (
        "Why not:\n  any other account -> 12 repositories of build registry 111111111111 us-east-1 "
        "(team-0/service-0000, team-1/service-0001, team-2/service-0002 and 9 more): repository policy of "
        "<repository> does not grant any other account\n" in out
    )
    assert out.endswith(
        "Result: all 484 intended pulls are allowed; no access of any class goes beyond what the config declares (exit code 0)\n"
    )


def test_a_grant_in_the_compact_form_is_verified_like_the_readable_one(tmp_path: Path) -> None:
    code, out = verify(
        tmp_path, "--format", "json", accounts=600, repositories=3, environments=3, services_per_environment=1
    )
    (build,) = json.loads(out)["builds"]
    (policy,) = {d["text"] for d in build["documents"]["build"]}
    assert '"Principal":"*"' in policy and "aws:PrincipalAccount" in policy
    assert code == 0
    statuses = {(c["principal"].split(" ")[0], c["status"]) for c in build["cells"]}
    assert statuses == {
        ("env-000", "allowed"),
        ("env-000", "not used"),
        ("env-001", "allowed"),
        ("env-001", "not used"),
        ("env-002", "allowed"),
        ("env-002", "not used"),
        ("account", "allowed"),
        ("stranger", "not used"),
    }
    assert sum(c["principal"].startswith("account ") for c in build["cells"]) == 600 * 3


def cell(principal: str, repository: str, reason: str) -> Cell:
    arn = f"arn:aws:ecr:us-east-1:111111111111:repository/{repository}"
    return Cell(
        principal,
        "111111111111/us-east-1",
        repository,
        arn,
        True,
        Decision.DENY,
        (None, Decision.ALLOW, Decision.ALLOW),
        (reason.format(repository=repository, arn=arn),),
    )


def test_lines_that_differ_only_in_their_repository_make_one() -> None:
    names = [f"team/app-{n}" for n in range(GROUP_FROM)]
    cells = [cell("dev", n, "role r may not pull {arn}") for n in names]
    cells += [cell("dev", "app", "repository policy of {repository} does not grant account 2")]
    cells += [cell("prod", n, "role r may not pull {arn}") for n in names[:2]]
    lines = cell_lines(cells, lambda c: c.reasons[0])
    assert [(len(line.cells), line.text) for line in lines] == [
        (GROUP_FROM, "role r may not pull <repository> ARN"),
        (1, "repository policy of app does not grant account 2"),
        (1, "role r may not pull arn:aws:ecr:us-east-1:111111111111:repository/team/app-0"),
        (1, "role r may not pull arn:aws:ecr:us-east-1:111111111111:repository/team/app-1"),
    ]


def test_small_groups_keep_their_places_and_large_ones_take_the_first() -> None:
    items = ["a1", "b1", "a2", "c1", "a3", "b2", "a4"]
    assert in_order(items, lambda item: item[0]) == [["a1", "a2", "a3", "a4"], ["b1"], ["c1"], ["b2"]]
    assert listed(["x", "y", "z"]) == "x, y, z"
    assert listed(["w", "x", "y", "z"]) == "w, x, y and 1 more"


def test_many_findings_of_one_principal_read_as_one_line() -> None:
    """An over-grant on every repository (here: a statement added to each repository policy) is one
    line per check and principal, the repository a placeholder in the quoted policy's name."""
    import json as json_
    from dataclasses import replace

    from components.plan.project import plan_stacks
    from components.repositories.resources import REPOSITORY_POLICY
    from components.verify.deployments import Deployment
    from components.verify.intended import intended_state
    from components.verify.matrix import build_matrix
    from components.verify.report import Report, render_table

    project = plan_stacks(
        project_configs(accounts=6, repositories=12, environments=2, services_per_environment=2)
    )
    (build,) = project.builds()
    environments = tuple(project.environments_of(build.stack))
    plan = project.plans["build"]
    extra = {
        "Sid": "Extra",
        "Effect": "Allow",
        "Principal": {"AWS": "999999999999"},
        "Action": "ecr:PutImage",
    }

    def with_extra(text: str) -> str:
        policy = json_.loads(text)
        return json_.dumps({**policy, "Statement": [*policy["Statement"], extra]}, separators=(",", ":"))

    resources = tuple(
        replace(r, inputs={**r.inputs, "policy": with_extra(r.inputs["policy"])})
        if r.type == REPOSITORY_POLICY
        else r
        for r in plan.resources
    )
    plans = {**project.plans, "build": replace(plan, resources=resources)}
    deployment = Deployment(build, environments, plans, environments)
    out = render_table(Report(False, "DIR", (build_matrix(deployment, intended_state(deployment)),)))
    analysis = out.split("Access analysis", 1)[1].split("\n\n", 1)[0].splitlines()
    assert analysis[1:] == [
        "  ECR-PUSH UNINTENDED: account 999999999999 -> 12 repositories of build registry 111111111111 us-east-1 "
        "(team-0/service-0000, team-1/service-0001, team-2/service-0002 and 9 more): ecr:PutImage",
        "    granted by repository policy of <repository> (build registry 111111111111 us-east-1) statement "
        '\'Extra\': {"Sid":"Extra","Effect":"Allow","Principal":{"AWS":"999999999999"},"Action":"ecr:PutImage"}',
    ]
    assert out.endswith(
        "Result: 12 accesses allowed that the config does not declare (ECR-PUSH 12) (exit code 1)\n"
    )
