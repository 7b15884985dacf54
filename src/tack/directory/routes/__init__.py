"""HTTP routes of the directory: parse, call one action or query, return a Read schema."""
