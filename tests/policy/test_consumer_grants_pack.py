"""The narrower grants pass the policy pack: the Lambda service statement, the role statement with
its aws:PrincipalArn condition and the managed pull policy attached to existing roles break none of
the seed's practices."""

from __future__ import annotations

from pulumi_policy import EnforcementLevel

from tests.support.consumer_grants_variant import example_stacks
from tests.support.crossguard import findings, from_run
from tests.support.pulumi_harness import BUILD_STACK, run_program


def test_no_mandatory_policy_fails_on_the_examples() -> None:
    stacks = example_stacks()
    build = run_program("build", stacks["build"])
    dev = run_program("dev", stacks["dev"], {BUILD_STACK: build.exports})
    assert {r.typ for r in dev.resources} >= {
        "aws:iam/policy:Policy",
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
    }
    mandatory = [
        (stack, f)
        for stack, run in (("build", build), ("dev", dev))
        for f in findings(from_run(run, stack))
        if f.level is EnforcementLevel.MANDATORY
    ]
    assert mandatory == []
