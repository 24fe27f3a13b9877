"""``python -m components verify``: prove who can pull what, from the plans of the committed stack
files (offline) or from what is deployed (``--live``).

``deployments`` (each build stack with its environments, planned), ``intended`` (the registries,
repository policies and roles the plans hold), ``matrix`` (every principal against every repository
of every registry), ``report`` (table, JSON, Markdown), ``live`` and ``drift`` (AWS against the plan),
``cli``; ``evaluator/`` is the offline IAM evaluator they all use.
"""
