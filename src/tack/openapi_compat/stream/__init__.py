"""Stream mode (Stream 模式): the long connection that needs no public endpoint (reference §5)."""
