"""The ASGI application for uvicorn (`tack serve`); settings come from TACK_* variables."""

import sys

from tack.main import create_app

# aiosqlite runs every query on a helper thread; with the default 5 ms GIL switch interval a
# query finishing while the event loop computes waits up to 5 ms for the GIL. Shorter slices
# cut that wait (measured on the directory benchmark; see docs/performance.md).
sys.setswitchinterval(0.0005)

app = create_app()
