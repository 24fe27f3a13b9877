"""AWS as plain data: limits, patterns and action sets (``rules``), ARNs, URLs and names (``names``),
and policy documents rendered as canonical JSON (``policy``). No Pulumi, no network."""
