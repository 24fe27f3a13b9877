"""The build account's shared repositories and who may pull them.

``model`` (validated records), ``config`` (the ``repositories`` and ``access`` keys), ``documents``
(the pull-only repository policy), ``resources`` (what the ``SharedRepositories`` component
registers, as plain data) and ``component`` (the Pulumi component).
"""
