"""The ecr-share security policy pack: ``pulumi preview --policy-pack policy``.

Building the ``PolicyPack`` starts the analyzer server the Pulumi CLI talks to and never returns, so
it happens only here; the policies live in ``ecr_security`` and the tests call them directly.
"""

from ecr_security import PACK_NAME, POLICIES
from pulumi_policy import EnforcementLevel, PolicyPack

PolicyPack(
    name=PACK_NAME,
    description="The seed's ECR security practices (scanning, immutable tags, encryption, narrow repository "
    "and registry policies, scoped pulls, digest-pinned production images) for any Pulumi AWS program.",
    policies=list(POLICIES),
    enforcement_level=EnforcementLevel.MANDATORY,
)
