"""``python -m components.pipeline <command> [options]``: see docs/pipeline.md."""

from components.pipeline.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
