"""A stack's configuration: the one stack-file loader (``files``), checks of single values
(``values``) and the parse of a whole stack (``stack``). Each feature folder parses its own keys
(``repositories.config``, ``consumers.config``, ``replication.config``) with these checks."""
