"""Command line of the package: ``python -m components verify --help`` (docs/verify.md)."""

import sys

from components.verify.cli import main

if __name__ == "__main__":
    sys.exit(main())
