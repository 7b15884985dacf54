"""The ASGI application for uvicorn (`tack serve`); settings come from TACK_* variables."""

import sys

from tack.main import create_app

# Helper threads (the WAL checkpointer, the executor's password hashing and file writes) share
# the GIL with the event loop; with the default 5 ms switch interval the loop could wait up to
# 5 ms for one of them. Shorter slices cut that wait (measured on the directory benchmark when
# SQLite still ran on aiosqlite's threads; see docs/performance.md).
sys.setswitchinterval(0.0005)

app = create_app()
