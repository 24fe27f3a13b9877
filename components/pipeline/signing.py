"""The signature gate: an environment that must never run unsigned images (``--require-signature
PROFILE_ARN``, or ``ecr-share:requireSignature`` in its stack file) gets an image only when ECR
reports it signed by one of those AWS Signer profiles (ecr:DescribeImageSigningStatus in the build
registry: one status per signing profile, IN_PROGRESS, COMPLETE or FAILED; ECR managed signing,
PutSigningConfiguration). Checked with the scan gate, before any stack runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from components.config.model import EnvironmentStack
from components.config.stack import parse_stack_config
from components.pipeline.gate import Signature
from components.pipeline.registry import ReleaseRefused
from components.pipeline.report import Console
from components.pipeline.stacks import StackInfo

COMPLETE = "COMPLETE"


def requirements(
    environments: Sequence[StackInfo], flag_profiles: Sequence[str]
) -> dict[str, tuple[str, ...]]:
    """Stack -> the signing profiles any of which must have signed what it runs (none: unchecked)."""
    required: dict[str, tuple[str, ...]] = {}
    for stack in environments:
        config = parse_stack_config(stack.name, stack.config)  # valid: the preflight planned it
        assert isinstance(config, EnvironmentStack)
        profiles = tuple(dict.fromkeys([*flag_profiles, *config.require_signature]))
        if profiles:
            required[stack.name] = profiles
    return required


def check_signatures(
    read: Callable[[str, str], list[Signature]],
    required: Mapping[str, tuple[str, ...]],
    stacks: Mapping[str, StackInfo],
    digests: Mapping[str, str],
    console: Console,
) -> dict[str, str]:
    """Repository -> what the gate found, for the release record; raises ReleaseRefused naming each
    image a stack may not run."""
    found: dict[str, list[Signature]] = {}
    refusals: list[str] = []
    results: dict[str, str] = {}
    for name, profiles in required.items():
        for repository in dict.fromkeys(str(s.get("repository")) for s in stacks[name].services):
            digest = digests[repository]
            if repository not in found:
                found[repository] = read(repository, digest)
            signatures = found[repository]
            good = next((s for s in signatures if s.profile in profiles and s.status == COMPLETE), None)
            if good is not None:
                results[repository] = f"{COMPLETE} by {good.profile}"
                continue
            seen = (
                "; ".join(
                    f"{s.status} by {s.profile}" + (f" ({s.failure})" if s.failure else "")
                    for s in signatures
                )
                or "no signature"
            )
            results.setdefault(repository, seen)
            refusals.append(
                f"{repository}@{digest} for {name} ({seen}; needs {COMPLETE} by {' or '.join(profiles)})"
            )
    if refusals:
        console.line("signatures: refused")
        for refusal in refusals:
            console.line(f"  {refusal}")
        raise ReleaseRefused(
            f"the signature gate refused {', '.join(r.split(' (', 1)[0] for r in refusals)}; nothing was deployed"
        )
    if results:
        console.line("signatures: passed (" + ", ".join(f"{r} {v}" for r, v in sorted(results.items())) + ")")
    return results
