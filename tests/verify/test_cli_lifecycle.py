"""``verify`` refuses a lifecycle rule that would expire an image an environment runs (exit code 2,
like every configuration the plans refuse) and notes what it cannot prove (exit code unchanged)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.verify_cli import run


def test_a_rule_that_selects_a_pinned_tag_stops_verify(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """prod's own plan refuses it first (its replicas get the rule from its creation template); once
    prod is gone, the plans of every stack refuse the build repository's own rule for dev."""
    build = project / "Pulumi.build.yaml"
    build.write_text(build.read_text().replace("      - prefix: dev-", "      - prefix: v"))
    monkeypatch.chdir(project)
    code, out, err = run()
    assert (code, out) == (2, "")
    assert err.startswith(
        'ecr-share verify: error: Pulumi.prod.yaml: ecr-share:services[0].imageTag: "v1.2.3" runs from this '
        "stack's replicas, and the lifecycle policy ecr-share:receiveReplication gives them (the build "
        "stack's, from its output replication) would delete it: rule 2 (keep only the newest 20 images tagged "
        "v*) of the creation template ROOT of its replica in 444444444444 us-east-1 (stack prod)"
    )
    (project / "Pulumi.prod.yaml").unlink()
    code, out, err = run()
    assert (code, out) == (2, "")
    assert err.startswith(
        "ecr-share verify: error: Pulumi.build.yaml: rule 2 (keep only the newest 20 images tagged v*) of the "
        "lifecycle policy of web-app (stack build) can expire web-app:v1.2.3, which stack dev runs"
    )


def test_what_cannot_be_proven_is_noted_for_the_selected_stacks_only(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(project)
    code, out, _ = run("--stack", "dev")
    assert code == 0
    notes = [line.strip() for line in out.splitlines() if line.strip().startswith("lifecycle:")]
    assert notes == [
        "lifecycle: dev runs web-app:v1.2.3; rule 2 (keep only the newest 20 images tagged dev-*) of the "
        "lifecycle policy of web-app (stack build) expires it if the image also has a tag dev-*: not "
        "provable offline (an image's tags are in no stack file)"
    ]
