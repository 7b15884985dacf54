"""Internal apps (企业内部应用): app key and secret, permission scopes, IP allowlist."""
