"""ecr-share: one program for every stack. ``Pulumi.<stack>.yaml`` decides what it deploys:
the shared repositories (``stackKind: build``) or a consumer environment (``stackKind: environment``)."""

from components.program import deploy, read_stack_config

deploy(read_stack_config())
