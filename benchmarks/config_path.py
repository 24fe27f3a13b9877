"""The path one environment's config takes through the package: the committed ``Pulumi.prod.yaml``
run through ``program.deploy_environment`` under Pulumi's mock engine (``tests/support/pulumi_harness.py``),
with every Python call profiled (``sys.setprofile``, in every thread).

What it prints (issue 20, "one environment's config, followed from program.deploy_environment"):
- stops: the distinct calls from one ``components`` module into another (caller module -> callee
  module, the caller being the nearest ``components`` frame), in the order first made. Calls into
  the shared vocabulary every layer uses (``VOCABULARY``: the AWS rules and names, the single-value
  checks, the project's names, the error type) are left out: a reader looks those up, they do not
  follow the config there;
- modules: how many distinct modules the stops enter;
- climbs: stops from a lower layer back to a higher one (``LAYERS``: the shell, the plan, the
  contract, the features, the config checks), e.g. a feature calling into the plan;
- returns: stops into a module an earlier stop already entered, i.e. the reader is sent back to a
  file they had left;
- decisions: how often each function that decides one fact of the run (``DECISIONS``: the role's
  policy packing, the replica registries, the template prefixes of each rule, which registry each
  repository is pulled from, the receiver's registry policy, each lifecycle's policy text) runs.

The stack's config parse (``read_stack_config``) comes before ``deploy_environment`` and is left out,
as is the build stack's run whose outputs the environment reads. The profiled run is the second:
the first imports what the program imports on first use.
A second line gives the same figures with the plan's records (``components.plan.model``) counted as
vocabulary too. Figures, never asserts; ``-v`` lists every stop.

Run: .venv/bin/python benchmarks/config_path.py [-v]
"""

from __future__ import annotations

import sys
import threading
from collections import Counter
from types import FrameType
from typing import Any

import measure  # the import path first

from components import program
from components.config.files import load_stack_config
from tests.support.pulumi_harness import BUILD_STACK, PROJECT_DIR, run_program, run_stack_file

# Higher layers first: a call from a module of a later entry into one of an earlier entry climbs.
LAYERS = (
    ("components.program",),
    ("components.plan.build", "components.plan.environment", "components.plan.register"),
    ("components.plan",),
    ("components.contract",),
    ("components.repositories", "components.consumers", "components.replication", "components.encryption"),
    ("components.config",),
)
VOCABULARY = ("components.aws.", "components.config.values", "components.project", "components.errors")
# The plan's records (``Resource``, ``key``, ``OutputRef``, ``StackPlan``): the currency every feature
# builds its plan in, importing nothing of the package. Counted as stops (the figure compared since
# issue 20 was filed), and also printed as vocabulary: a reader looks them up as they do ``aws.*``.
PLAN_RECORDS = ("components.plan.model",)
# The profiler's own frames and the package's lazy import hook are not the config's path.
IGNORED = ("components.__init__", "components")
# Facts decided once per environment run, by one function each: how often each one runs.
DECISIONS = (
    "components.consumers.documents.execution_role_policies",
    "components.replication.documents.replica_registries",
    # Once per replication rule read back (the receiver's own prefixes come with its config's parse).
    "components.replication.model.template_prefixes",
    "components.contract.checks.service_image",
    "components.plan.environment.pull_sources",
    # Rendered and checked by receiveReplication's parse, which comes before: the plan and the
    # receiver's children take its text (0 here; 1 before, and 2 in the whole run).
    "components.replication.documents.receiver_registry_policy",
    # Once per lifecycle record: each repository read back from the build stack's outputs (2 here);
    # the replicas' templates take the text of theirs (3 before).
    "components.repositories.documents.lifecycle_policy_text",
)


def layer(module: str) -> int:
    """The index of the most specific layer entry the module is in."""
    best = (-1, len(LAYERS))
    for index, prefixes in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best[0]:
                best = (len(prefix), index)
    return best[1]


class Path:
    """The stops of one run, in the order first made."""

    def __init__(self) -> None:
        self.stops: list[tuple[str, str]] = []  # (caller module, callee module)
        self.functions: dict[tuple[str, str], list[str]] = {}  # stop -> the callee functions entered
        self.decisions: Counter[str] = Counter()
        self.active = False
        self._lock = threading.Lock()

    def profile(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call" or not self.active:
            return
        callee = frame.f_globals.get("__name__", "")
        function = frame.f_code.co_qualname
        if f"{callee}.{function}" in DECISIONS:
            with self._lock:
                self.decisions[f"{callee}.{function}"] += 1
        # A comprehension or generator is part of the function that wrote it.
        if function.rsplit(".", 1)[-1].startswith("<"):
            return
        if not callee.startswith("components.") or callee in IGNORED or callee.startswith(VOCABULARY):
            return
        caller_frame = frame.f_back
        while caller_frame is not None:
            caller = caller_frame.f_globals.get("__name__", "")
            if caller.startswith("components.") and caller not in IGNORED:
                break
            caller_frame = caller_frame.f_back
        if caller_frame is None or caller == callee:
            return
        edge = (caller, callee)
        with self._lock:
            if edge not in self.functions:
                self.functions[edge] = []
                self.stops.append(edge)
            if function not in self.functions[edge]:
                self.functions[edge].append(function)

    def figures(self, also_vocabulary: tuple[str, ...] = ()) -> tuple[int, int, int, int]:
        stops = (
            [s for s in self.stops if not s[1].startswith(also_vocabulary)] if also_vocabulary else self.stops
        )
        modules = {callee for _, callee in stops}
        climbs = sum(1 for caller, callee in stops if layer(callee) < layer(caller))
        returns = len(stops) - len(modules)
        return len(stops), len(modules), climbs, returns


def main(argv: list[str]) -> int:
    build = run_stack_file("build")
    config = load_stack_config(PROJECT_DIR, "prod")
    # A first run imports what the program imports on first use: the path, not the imports, counts.
    run_program("prod", config, {BUILD_STACK: build.exports})
    path = Path()
    deploy = program.deploy_environment

    def profiled(config: Any) -> None:
        # Profiled from here to the end of the run: the plan and the registration run in the
        # callback of the build stack's outputs, after deploy_environment has returned.
        path.active = True
        deploy(config)

    program.deploy_environment = profiled  # type: ignore[assignment]
    threading.setprofile(path.profile)
    sys.setprofile(path.profile)
    try:
        run_program("prod", config, {BUILD_STACK: build.exports})
    finally:
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]
        path.active = False
        program.deploy_environment = deploy  # type: ignore[assignment]
    stops, modules, climbs, returns = path.figures()
    if "-v" in argv:
        entered: set[str] = set()
        for caller, callee in path.stops:
            marks = [
                m
                for m, on in (("climbs", layer(callee) < layer(caller)), ("returns", callee in entered))
                if on
            ]
            entered.add(callee)
            functions = ", ".join(path.functions[caller, callee])
            print(f"  {caller} -> {callee}: {functions}{' (' + ', '.join(marks) + ')' if marks else ''}")
    print(f"Pulumi.prod.yaml through program.deploy_environment, under mocks ({measure.machine()})")
    print(f"stops {stops}, modules {modules}, climbs {climbs}, returns {returns}")
    stops, modules, climbs, returns = path.figures(PLAN_RECORDS)
    print(
        f"  with the plan's records as vocabulary too ({PLAN_RECORDS[0]}): stops {stops}, modules {modules}, "
        f"climbs {climbs}, returns {returns}"
    )
    print(
        "decisions, calls per run: "
        + ", ".join(f"{d.rsplit('.', 1)[-1]} {path.decisions[d]}" for d in DECISIONS)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
