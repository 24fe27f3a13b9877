"""Pulumi.yaml's config schema under the real CLI: it loads the schema, merges its defaults into every
stack (which the program then parses as "not set") and refuses a value of the wrong type before the
program runs."""

from __future__ import annotations

import json

from tests_engine.conftest import Engine


def test_the_cli_merges_the_schemas_defaults_and_the_program_plans_with_them(engine: Engine) -> None:
    engine.pulumi("stack", "init", "build")
    config = json.loads(engine.pulumi("config", "--json", "-s", "build").stdout)
    # An environment key the build stack does not set, filled in by the engine from the schema.
    assert config["ecr-share:buildStack"] == {"value": "(not set)", "secret": False}
    assert config["ecr-share:services"]["objectValue"] == [{"(not set)": True}]
    steps = engine.preview_steps("build")
    assert any(s["urn"].endswith("Repository::shared-web-app") for s in steps)


def test_the_cli_refuses_a_value_of_the_wrong_type_before_the_program_runs(engine: Engine) -> None:
    engine.pulumi("stack", "init", "dev")
    engine.pulumi("config", "set", "-s", "dev", "ecr-share:logRetentionDays", "thirty")
    preview = engine.pulumi("preview", "-s", "dev", check=False)
    assert preview.returncode != 0
    assert (
        "validating stack config: Stack 'dev' with configuration key 'logRetentionDays' must be of type "
        "'integer'"
    ) in preview.stdout + preview.stderr
