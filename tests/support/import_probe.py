"""Which of ecr-share's modules a stack's program loads, as ``pulumi up`` starts it: a fresh
interpreter that imports nothing of the package before it runs ``__main__.py``.

Run as ``python -m tests.support.import_probe`` from the project root, with the case as JSON on
stdin: ``{"stack": ..., "config": <the stack file's config map>, "outputs": <stack name -> the
outputs its StackReference reads>}``. It runs the program under the SDK's mock engine (as
``benchmarks/cold_start.py``'s children do; not under ``pulumi_harness``, which imports modules of
the package itself) and prints the sorted names of the ``components`` modules loaded, as JSON, on
its last line. ``tests/program/test_imports_program.py`` runs it.
"""

from __future__ import annotations

import asyncio
import json
import runpy
import sys
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks, settings

MAIN = Path(__file__).resolve().parents[2] / "__main__.py"
PROJECT = "ecr-share"
ORGANIZATION = "organization"


def loaded_modules() -> list[str]:
    """The package's modules in this interpreter."""
    return sorted(name for name in sys.modules if name == "components" or name.startswith("components."))


class ReferenceMocks(pulumi.runtime.Mocks):
    """Mocks that answer each resource with its inputs and an ARN, and a StackReference with the
    given stack's outputs; nothing else of the package's (the harness's mocks import it)."""

    def __init__(self, outputs: dict[str, Any]) -> None:
        self.outputs = outputs

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[Any, Any]]:
        if args.typ == "pulumi:pulumi:StackReference":
            name = args.inputs["name"]
            return name, {"name": name, "outputs": self.outputs[name]}
        return f"{args.name}-id", {**args.inputs, "arn": f"arn:aws:mock::{args.typ}:{args.name}"}

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[Any, Any], list[tuple[str, str]] | None]:
        return {}, None


def main() -> None:
    case = json.load(sys.stdin)
    stack = case["stack"]
    mocked = ReferenceMocks(case["outputs"])
    asyncio.set_event_loop(asyncio.new_event_loop())
    settings.reset_options(project=PROJECT, stack=stack, organization=ORGANIZATION)
    pulumi.runtime.set_mocks(mocked, project=PROJECT, stack=stack, preview=False, organization=ORGANIZATION)
    pulumi.runtime.set_all_config(
        {k: v if isinstance(v, str) else json.dumps(v) for k, v in case["config"].items()}
    )

    @pulumi.runtime.test  # type: ignore[untyped-decorator]
    def run() -> Any:
        runpy.run_path(str(MAIN), run_name="__main__")
        return pulumi.Output.from_input(None)

    run()
    print(json.dumps(loaded_modules()))


if __name__ == "__main__":
    main()
