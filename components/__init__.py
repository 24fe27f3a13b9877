"""ecr-share: share container images from one ECR registry with every other AWS account.

Grouped by feature (DEVELOPERS.md, "Layout"): ``aws`` (rules, names, canonical policy JSON),
``config`` (the stack-file loader and the parse of a stack), ``repositories`` (the build account's
shared repositories), ``consumers`` (environment accounts: execution role, task definitions),
``replication``, ``contract`` (what crosses the stack boundary), ``plan`` (what a stack registers, as
plain data, and its registration), ``program`` (the thin shell ``__main__.py`` calls), ``verify`` and
``pipeline`` (command lines). The Pulumi components live in each feature's ``component`` module.

Nothing is imported here, so the pure modules and command lines load without the Pulumi SDKs.
"""
