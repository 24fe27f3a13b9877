"""Stack files that every reader must refuse the same way: shared by the loader's, ``verify``'s and
the pipeline's tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.support.pulumi_harness import PROJECT_DIR

# The second `ecr-share:access` would silently replace the first in a plain YAML reader: a grant to
# an account nobody reviewed.
DUPLICATE_GRANT = """config:
  aws:region: us-east-1
  aws:allowedAccountIds: ["111111111111"]
  ecr-share:stackKind: build
  ecr-share:repositories: [web-app]
  ecr-share:access:
    accounts: ["222222222222"]
  ecr-share:access:
    accounts: ["999999999999"]
"""
NOT_UTF8 = b"config:\n  aws:region: \xff\n"


def copy_project(folder: Path) -> Path:
    """A copy of the committed project files (Pulumi.yaml and every stack file), to edit."""
    for path in PROJECT_DIR.glob("Pulumi*.yaml"):
        shutil.copy(path, folder / path.name)
    return folder
