"""Replication: the build registry's replication configuration, and what a registry that receives
replicas needs (registry policy, creation templates, scanning) so its replicas are usable.

``model`` (validated records), ``config`` (the ``replication``, ``receiveReplication`` and
``pullFrom`` keys), ``documents`` (filters, template prefixes, the registry policy), ``resources``
(what ``RegistryReplication``, ``ReplicaRepositorySettings`` and ``ReplicationReceiver`` register, as
plain data) and ``component``. See docs/replication.md.
"""
