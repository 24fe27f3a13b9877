"""Environment accounts: the ECS task execution role that pulls the shared images and the Fargate
task definitions that run them.

``model`` (validated services), ``config`` (the ``services`` and ``logRetentionDays`` keys),
``documents`` (the role's trust and permission policies, the container definitions), ``resources``
(what ``PullExecutionRole`` and ``FargateTaskDefinition`` register, as plain data) and ``component``.
"""
