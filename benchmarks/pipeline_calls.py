"""Pulumi CLI invocations per stack in one ``python -m components.pipeline up``, counted by the fake
CLI the pipeline tests use (``tests/support/pipeline_fake.py``) under the real Automation API:
the fixture project shaped like the committed stacks, plus an environment of 10 services, released
(images pushed, the build stack deployed) as CI releases them.

Reference: the calls the pipeline itself asks for (open the stack, set each service's image, the
engine operation); the Automation API's ``Stack.up`` adds its own reads of the outputs (twice:
masked, then with secrets) and of the update history.

Run: .venv/bin/python benchmarks/pipeline_calls.py
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import measure
import pytest

from tests.support.pipeline_fake import FakePulumi, run_pipeline, service, stack_files, write_project
from tests.support.registry_fake import moto_registry

OWN = ("stack select", "stack init", "config set-all", "config remove-all", "up")
SDK = ("stack output", "stack history")


def main() -> None:
    files = stack_files()
    big = dict(files["dev"])
    big["ecr-share:services"] = [
        {**service(("web-app", "worker")[n % 2], imageTag="v1.2.3"), "name": f"svc-{n}"} for n in range(10)
    ]
    files["big"] = big
    with (
        tempfile.TemporaryDirectory() as folder,
        pytest.MonkeyPatch.context() as monkeypatch,
        moto_registry(Path(folder) / "aws", monkeypatch) as registry,
    ):
        # A release: CI pushed both images tagged with the commit, and the build stack is deployed
        # (the environments' digests are read from its registry); then every stack, in order.
        for name in ("web-app", "worker"):
            registry.push(name, "4f2a9c1")
        project = write_project(Path(folder) / "ecr-share", files)
        fake = FakePulumi()
        first = run_pipeline(project, "up", "--stacks", "build", fake=fake)
        assert first.code == 0, first.err
        fake.calls.clear()
        run = run_pipeline(project, "up", "--parallel", "1", fake=fake)
    assert run.code == 0, run.err
    print(f"CLI invocations per stack, pipeline up ({measure.machine()}; counted, not timed)")
    print(
        f"{'stack':8} {'services':>8} {'select':>6} {'config':>6} {'up':>3} {'SDK reads':>9} {'total':>5} {'per pipeline need':>17}"
    )
    for stack in ("build", "dev", "staging", "prod", "big"):
        ops = Counter(call.op for call in run.fake.calls_for(stack))
        own = sum(ops[o] for o in OWN)
        total = sum(ops.values())
        services = len(files[stack].get("ecr-share:services", []))
        config = ops["config set-all"] + ops["config remove-all"]
        print(
            f"{stack:8} {services:>8} {ops['stack select'] + ops['stack init']:>6} {config:>6} {ops['up']:>3} "
            f"{sum(ops[o] for o in SDK):>9} {total:>5} {total / own:>16.2f}x"
        )
        assert set(ops) <= {*OWN, *SDK}, ops
    unscoped = [call.args for call in run.fake.calls if call.stack is None]
    print(f"calls not tied to a stack: {len(unscoped)}")


if __name__ == "__main__":
    main()
