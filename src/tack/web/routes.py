"""Serves the browser client; no Node toolchain, no build step."""

from pathlib import Path
from typing import Any

import fastapi_offline

from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"
router = APIRouter(include_in_schema=False)


@router.get("/")
async def index() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"cache-control": "no-cache"})


class RevalidatedStaticFiles(StaticFiles):
    """The client is many small ES modules with no build step and no hashed names: make the
    browser revalidate each one (a cheap 304), so after an upgrade old and new modules never mix."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["cache-control"] = "no-cache"
        return response


def mount_static(app: FastAPI) -> None:
    app.mount("/static", RevalidatedStaticFiles(directory=STATIC), name="static")


def mount_api_docs(app: FastAPI) -> None:
    """Swagger UI at /api/docs from files shipped in a package: a self-hosted server may have
    no route to a CDN, and the docs must work there too."""
    assets = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/api/docs-assets", StaticFiles(directory=assets), name="api-docs-assets")

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/api/openapi.json",
            title="Tack API",
            swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs-assets/swagger-ui.css",
            swagger_favicon_url="/api/docs-assets/favicon.png",
        )
