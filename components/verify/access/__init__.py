"""The access analysis: every policy the plans register, held against the intent the config declares.

``actions`` (the action classes, from botocore's service models), ``principals`` (every principal a
policy names or implies), ``resources`` (repositories, replicas, registry policies, keys, roles, with
the documents that decide access to each), ``intent`` (what the config declares), ``findings`` (the
evaluation: every allowed access the config does not declare, with the statements that grant it).
"""
