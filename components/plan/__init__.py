"""The plan: what a stack registers, as plain data, computed before anything is registered.

``model`` (``Resource``, ``StackPlan``), ``build`` and ``environment`` (one pure function per stack
kind), ``children`` (what each ecr-share component registers), ``project`` (every stack of a project
planned from its stack files, for ``verify`` and the pipeline's preflight), ``ownership`` (one owner
per registry singleton) and ``register`` (the only module here that talks to Pulumi).
"""
