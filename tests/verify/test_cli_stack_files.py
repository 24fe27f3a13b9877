"""``verify`` refuses a stack file with a key written twice, or one that is not UTF-8, in one line."""

from __future__ import annotations

from pathlib import Path

from tests.support.stack_file_samples import DUPLICATE_GRANT, NOT_UTF8
from tests.support.verify_cli import run


def test_a_key_written_twice_is_one_error(project: Path) -> None:
    (project / "Pulumi.build.yaml").write_text(DUPLICATE_GRANT, encoding="utf-8")
    code, out, err = run("--stacks-dir", str(project))
    assert (code, out) == (2, "")
    assert err.startswith(f"ecr-share verify: error: {project}/Pulumi.build.yaml is not valid YAML:")
    assert "key 'ecr-share:access' appears twice" in err
    assert "Traceback" not in err


def test_a_file_that_is_not_utf8_is_one_error(project: Path) -> None:
    (project / "Pulumi.prod.yaml").write_bytes(NOT_UTF8)
    code, _, err = run("--stacks-dir", str(project))
    assert code == 2
    assert err == (
        f"ecr-share verify: error: {project}/Pulumi.prod.yaml is not UTF-8 text (byte 22: invalid start "
        "byte): save it as UTF-8\n"
    )
