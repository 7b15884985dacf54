"""The API documentation is part of the product and must work without a CDN."""


async def test_docs_page_uses_local_assets(client):
    r = await client.get("/api/docs")
    assert r.status_code == 200
    assert "/api/docs-assets/swagger-ui-bundle.js" in r.text
    assert "cdn.jsdelivr" not in r.text
    js = await client.get("/api/docs-assets/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000


async def test_openapi_document_lists_the_directory(client):
    spec = (await client.get("/api/openapi.json")).json()
    assert "/api/v1/orgs/{org_id}/members" in spec["paths"]
    assert "/api/v1/auth/login" in spec["paths"]


async def test_routes_are_the_apps_own_not_included_routers(app, client):
    # An included router makes FastAPI build a second copy of each of its routes' handler
    # state by the first request (~3.6 MB of an idle server: main._add_routes).
    assert (await client.get("/api/docs")).status_code == 200
    kinds = {type(route).__name__ for route in app.routes}
    assert "_IncludedRouter" not in kinds, kinds
    assert "APIRoute" in kinds and "APIWebSocketRoute" in kinds
