"""The stack files' commented examples, switched on, against the pack: customer managed keys pass
every policy; tag exclusions pass once the pack's config lists them (and only then)."""

from __future__ import annotations

from tests.support.crossguard import findings, from_run, summary
from tests.support.kms_variant import with_kms_keys, with_tag_exclusions
from tests.support.pulumi_harness import BUILD_STACK, ProgramRun, run_program


def runs(stacks: dict[str, dict[str, object]]) -> tuple[ProgramRun, ProgramRun]:
    build = run_program("build", stacks["build"])
    return build, run_program("prod", stacks["prod"], {BUILD_STACK: build.exports})


def test_kms_keys_pass_every_policy() -> None:
    build, prod = runs(with_kms_keys())
    assert findings(from_run(build, "build")) == []
    assert findings(from_run(prod, "prod")) == []


def test_tag_exclusions_pass_only_when_the_pack_allows_them() -> None:
    build, prod = runs(with_tag_exclusions())
    assert summary(findings(from_run(build, "build"))) == [("ecr-tags-immutable", "shared-worker")]
    # The replicas carry the same exclusions: so does prod's template, and the pack judges it too.
    assert summary(findings(from_run(prod, "prod"))) == [("ecr-tags-immutable", "replication-replicas-ROOT")]
    allowed = {"ecr-tags-immutable": {"allowedExclusionFilters": ["latest", "dev-*"]}}
    assert findings(from_run(build, "build"), allowed) == []
    assert findings(from_run(prod, "prod"), allowed) == []
