"""Realtime: the event bus (in-process now, Redis later), client queues and the gateway."""
