"""``python -m components audit``: who really pulled, from CloudTrail, held against the plans (docs/audit.md)."""
