"""Domains whose routes load with their first request (core/lazy.py, main._assemble): a new
server does not hold them, the first request under their paths loads them and is answered as
with every route loaded, and no route of theirs lies outside the paths that load them."""

import re
import subprocess
import sys
import textwrap

from tack.core.lazy import LazyRoutes, _pattern


def test_a_prefix_matches_its_path_and_below_only() -> None:
    pattern = _pattern(["/api/v1/orgs$", "/api/v1/orgs/{org_id}/ding", "/user"])
    assert pattern.match("/api/v1/orgs") and not pattern.match("/api/v1/orgs/1")
    assert pattern.match("/api/v1/orgs/1/ding") and pattern.match("/api/v1/orgs/1/ding/2")
    assert not pattern.match("/api/v1/orgs/1/dings") and not pattern.match("/api/v1/orgs/1/2/ding")
    assert pattern.match("/user") and pattern.match("/user/get") and not pattern.match("/users")


def test_every_lazy_route_lies_under_its_stand_ins_prefixes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A route outside its prefixes would answer 404 until something else loaded it.
    from tack.main import create_app
    from tack.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}", secret_key="test-secret"))
    stand_ins = [r for r in app.router.routes if isinstance(r, LazyRoutes)]
    assert {s.name for s in stand_ins} >= {"directory", "ding", "approval", "attendance", "open_platform"}
    for stand_in in stand_ins:
        routes = stand_in._load()
        assert routes
        for route in routes:
            # Each path parameter as one segment ({path:path} ones too: a prefix never ends in one).
            path = re.sub(r"\{[^}]+\}", "7", route.path)  # type: ignore[attr-defined]
            assert stand_in.pattern.match(path), (stand_in.name, route.path)


def test_a_domain_loads_with_its_first_request(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # A process of its own: the test session has imported every domain long ago.
    script = textwrap.dedent(
        f"""
        import asyncio, sys
        import httpx
        from tack.main import create_app
        from tack.settings import Settings
        from tack.storage.migrate import upgrade_async

        url = "sqlite+aiosqlite:///{tmp_path / 'lazy.db'}"
        asyncio.run(upgrade_async(url))
        app = create_app(Settings(data_dir="{tmp_path}", database_url=url, secret_key="test-secret"))

        async def main():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
                assert (await client.get("/api/docs")).status_code == 200
                assert "tack.attendance.routes" not in sys.modules
                assert "tack.openapi_compat.contact.routes" not in sys.modules
                r = await client.post("/api/v1/auth/signup", json={{"name": "Ann", "phone": "13900000009", "password": "pw-12345678"}})
                assert r.status_code == 201, r.text
                token = r.json()["token"]
                r = await client.post("/api/v1/orgs", json={{"name": "Lazy"}}, headers={{"authorization": f"Bearer {{token}}"}})
                assert r.status_code == 201, r.text
                org = r.json()["id"]
                assert "tack.attendance.routes" not in sys.modules
                r = await client.get(f"/api/v1/orgs/{{org}}/attendance/shifts", headers={{"authorization": f"Bearer {{token}}"}})
                assert r.status_code == 200 and r.json()["items"] == [], r.text
                assert "tack.attendance.routes" in sys.modules
                # A DingTalk path answers in DingTalk's form once its routes are loaded by it.
                r = await client.get("/user/get", params={{"access_token": "nope", "userid": "1"}})
                assert r.json()["errcode"] != 0, r.text
                assert "tack.openapi_compat.contact.routes" in sys.modules
                # Unknown paths under a prefix and beside all: the same 404 as before.
                assert (await client.get("/api/v1/orgs/1/approval/nothing-here")).json()["code"] == "not_found"
                assert (await client.get("/nothing-here")).json()["code"] == "not_found"
                # The OpenAPI document lists every route, those no request has loaded yet too.
                assert "tack.ding.routes" not in sys.modules
                spec = (await client.get("/api/openapi.json")).json()
                paths = spec["paths"]
                assert "/api/v1/orgs/{{org_id}}/attendance/shifts" in paths and "/gettoken" in paths
                assert any(p.startswith("/api/v1/orgs/{{org_id}}/dings") for p in paths)
                assert any(p.startswith("/api/v1/orgs/{{org_id}}/approval/") for p in paths)

        asyncio.run(main())
        print("ok")
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip().endswith("ok"), out.stderr[-3000:]
