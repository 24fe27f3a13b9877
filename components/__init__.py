"""ecr-share: share container images from one ECR registry with every other AWS account.

Pure modules (no Pulumi): ``aws_rules``, ``model``, ``validation``, ``stack_config``, ``policies``,
``naming``, ``containers``, ``build_outputs``, ``stack_files``; for replication ``replication``,
``replication_config``, ``replication_outputs`` and ``registry_ownership``.
Pulumi components: ``shared_repository.SharedRepository`` (build account),
``consumer.PullExecutionRole`` and ``consumer.CrossAccountTaskDefinition`` (environment accounts),
``replication_components.RegistryReplication``, ``.ReplicaRepositorySettings`` and
``.ReplicationReceiver`` (docs/replication.md).
The program that wires them per stack: ``program``.

Nothing is imported here, so the pure modules and command lines load without the Pulumi SDKs.
"""
