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
