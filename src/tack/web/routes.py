"""Serves the browser client; no Node toolchain, no build step."""

import asyncio
from pathlib import Path
from typing import Any

import fastapi_offline

from fastapi import APIRouter, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles

from tack.core.lazy import load_all

STATIC = Path(__file__).parent / "static"
OPENAPI_URL = "/api/openapi.json"
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
    # The OpenAPI document (FastAPI's own route is off: create_app passes openapi_url=None) is
    # built by its first request, not at start: building it takes ~2 s of CPU and leaves
    # ~13 MB behind (the document and pydantic's JSON-schema work), a sixth of the idle
    # server's budget, for a page most servers never serve. It is built in a worker thread,
    # so the event loop keeps serving (and jobs keep their leases) meanwhile; the encoded
    # bytes are kept for the next requests.
    app.openapi_url = OPENAPI_URL
    building = asyncio.Lock()

    @app.get(OPENAPI_URL, include_in_schema=False)
    async def openapi_document(request: Request) -> Response:
        body: bytes | None = getattr(app.state, "openapi_body", None)
        if body is None:
            async with building:
                body = getattr(app.state, "openapi_body", None)
                if body is None:
                    # Every route in it, those not loaded yet too (core/lazy.py), first.
                    load_all(app.router.routes)
                    body = bytes(JSONResponse(await asyncio.to_thread(app.openapi)).body)
                    app.state.openapi_body = body
        root_path = request.scope.get("root_path", "").rstrip("/")
        if root_path and app.root_path_in_servers:
            # Behind a proxy's path prefix: the prefix is listed as a server, as FastAPI does.
            schema = app.openapi()
            if root_path not in {s.get("url") for s in schema.get("servers", [])}:
                return JSONResponse({**schema, "servers": [{"url": root_path}, *schema.get("servers", [])]})
        return Response(body, media_type="application/json")

    @app.get("/api/docs", include_in_schema=False)
    async def api_docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=OPENAPI_URL,
            title="Tack API",
            swagger_js_url="/api/docs-assets/swagger-ui-bundle.js",
            swagger_css_url="/api/docs-assets/swagger-ui.css",
            swagger_favicon_url="/api/docs-assets/favicon.png",
        )
