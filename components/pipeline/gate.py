"""The scan gate (the seed's security practice 3: scan before images reach deployment accounts):
which scan states mean "done", "wait" or "refuse", and whether an image's findings stop a release.
Pure: the registry module reads the findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

# ECR DescribeImageScanFindings imageScanStatus.status (botocore ecr 2015-09-21 ScanStatus):
# COMPLETE (basic scanning) and ACTIVE (enhanced, continuous) carry findings; IN_PROGRESS and
# PENDING are still coming; every other state (FAILED, UNSUPPORTED_IMAGE, FINDINGS_UNAVAILABLE,
# SCAN_ELIGIBILITY_EXPIRED, LIMIT_EXCEEDED, IMAGE_ARCHIVED, IMAGE_SIZE_EXCEEDED, or one added later)
# has no findings to judge, so it stops a gated release.
DONE_STATES = ("COMPLETE", "ACTIVE")
WAITING_STATES = ("IN_PROGRESS", "PENDING")
NOT_SCANNED = "NOT_SCANNED"  # ScanNotFoundException: the image was never scanned
# FindingSeverity, most severe first. Enhanced scanning also counts UNTRIAGED; like INFORMATIONAL
# and UNDEFINED it is below every threshold.
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
FAIL_ON_CHOICES = (*SEVERITIES, "none")
DEFAULT_FAIL_ON = "CRITICAL"


@dataclass(frozen=True)
class Scan:
    status: str
    counts: Mapping[str, int] = field(default_factory=dict)
    description: str = ""

    @property
    def done(self) -> bool:
        return self.status in DONE_STATES

    @property
    def waiting(self) -> bool:
        return self.status in WAITING_STATES

    def describe(self) -> str:
        """``COMPLETE: 2 HIGH, 5 MEDIUM`` / ``COMPLETE: no findings`` / ``not scanned`` / ``FAILED (...)``."""
        if self.status == NOT_SCANNED:
            return "not scanned"
        if not self.done:
            return self.status + (f" ({self.description})" if self.description else "")
        order = (*SEVERITIES, *sorted(set(self.counts) - set(SEVERITIES)))
        found = [f"{self.counts[s]} {s}" for s in order if self.counts.get(s)]
        return f"{self.status}: {', '.join(found) or 'no findings'}"


@dataclass(frozen=True)
class Signature:
    """One signing profile's status for an image (DescribeImageSigningStatus; signing.py judges it)."""

    profile: str
    status: str
    failure: str = ""


def blocking(scan: Scan, fail_on: str) -> str | None:
    """Why ``scan`` stops a release under ``--fail-on fail_on``, or None when it passes."""
    if fail_on == "none":
        return None
    if scan.status == NOT_SCANNED:
        return "was never scanned (turn on scanOnPush for the repository, or start a scan)"
    if not scan.done:
        return f"has no scan findings (scan {scan.describe()})"
    at_or_above = SEVERITIES[: SEVERITIES.index(fail_on) + 1]
    found = [f"{scan.counts[s]} {s}" for s in at_or_above if scan.counts.get(s)]
    return f"has findings at {fail_on} or above ({', '.join(found)})" if found else None
