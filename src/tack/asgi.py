"""The ASGI application for uvicorn (`tack serve`); settings come from TACK_* variables."""

from tack.main import create_app

app = create_app()
