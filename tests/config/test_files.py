"""The one stack-file loader, as the Pulumi CLI reads a stack file: a key written twice or a file that
is not UTF-8 is refused with its file and line, and YAML 1.1 spellings the CLI keeps as strings stay
strings here too. ``verify`` and the pipeline read stack files only through it (their own tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from components.config.files import StackFileError, load_stack_config
from tests.support.stack_file_samples import DUPLICATE_GRANT, NOT_UTF8, copy_project


def test_a_key_written_twice_is_refused_naming_both_lines(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project / "Pulumi.build.yaml").write_text(DUPLICATE_GRANT, encoding="utf-8")
    with pytest.raises(StackFileError) as caught:
        load_stack_config(project, "build")
    message = " ".join(str(caught.value).split())
    assert message.startswith(f"{project}/Pulumi.build.yaml is not valid YAML:")
    assert (
        "key 'ecr-share:access' appears twice (first on line 6): YAML keeps only the last, so say it once"
        in message
    )
    assert "line 8, column 3" in message


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project / "Pulumi.dev.yaml").write_bytes(NOT_UTF8)
    with pytest.raises(StackFileError) as caught:
        load_stack_config(project, "dev")
    assert str(caught.value) == (
        f"{project}/Pulumi.dev.yaml is not UTF-8 text (byte 22: invalid start byte): save it as UTF-8"
    )


def test_yaml_11_spellings_stay_strings_as_in_the_pulumi_cli(tmp_path: Path) -> None:
    project = copy_project(tmp_path)
    (project / "Pulumi.dev.yaml").write_text(
        "config:\n  a: yes\n  b: off\n  c: 1:20\n  d: 2026-01-01\n  e: true\n  f: 12\n", encoding="utf-8"
    )
    assert load_stack_config(project, "dev") == {
        "a": "yes",
        "b": "off",
        "c": "1:20",
        "d": "2026-01-01",
        "e": True,
        "f": 12,
    }
