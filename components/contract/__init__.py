"""What crosses the stack boundary: the build stack's outputs (``outputs``), read back and checked by
every environment before it plans anything, and the checks of an environment against them
(``checks``: the grant, the repositories, replication)."""
