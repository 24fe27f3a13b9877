"""Customer managed KMS keys for the repositories and their replicas.

``model`` (the validated ``kmsKeys`` setting), ``config`` (its parse), ``documents`` (the key policy
and the creation-template role's policies) and ``resources`` (the key and the role, as plain
``Resource`` records that the repositories and replication components register). See docs/kms.md.
"""
