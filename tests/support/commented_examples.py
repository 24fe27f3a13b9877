"""The examples the committed stack files carry commented out, switched on as a reader would:
tests/docs/test_stack_file_examples.py holds each equal to the variant the tests use as data, and
verifies it."""

from __future__ import annotations

import re


def uncommented(text: str, key: str) -> str:
    """The stack file with the commented ``<key>:`` line and its deeper-indented commented lines
    uncommented (a nested ``# ...`` stays a comment)."""
    lines = text.splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if re.fullmatch(rf" *# {re.escape(key)}:.*\n", line))
    indent = lines[start].index("#")
    out = lines[:start]
    index = start
    while (
        index < len(lines)
        and lines[index].startswith(" " * indent + "# ")
        and (index == start or lines[index][indent + 2 : indent + 4] == "  ")
    ):
        out.append(" " * indent + lines[index][indent + 2 :])
        index += 1
    return "".join(out + lines[index:])
