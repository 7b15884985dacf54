"""A small client for the HTTP API that asserts status codes and speaks as one person."""

from typing import Any

import httpx


class Api:
    def __init__(self, client: httpx.AsyncClient, token: str) -> None:
        self.client = client
        self.token = token
        self.org_id: int = 0
        self.member_id: int = 0
        self.refs: dict[str, int] = {}

    @classmethod
    async def signup(cls, client: httpx.AsyncClient, name: str, *, phone: str, password: str = "password-123") -> "Api":
        r = await client.post("/api/v1/auth/signup", json={"name": name, "phone": phone, "password": password})
        assert r.status_code == 201, r.text
        return cls(client, r.json()["token"])

    @classmethod
    async def login(cls, client: httpx.AsyncClient, login: str, password: str) -> "Api":
        r = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
        assert r.status_code == 200, r.text
        client.cookies.clear()
        return cls(client, r.json()["token"])

    def org(self, path: str = "") -> str:
        return f"/api/v1/orgs/{self.org_id}{path}"

    async def request(self, method: str, url: str, *, expect: int | None = 200, **kwargs: Any) -> Any:
        headers = {"authorization": f"Bearer {self.token}", **kwargs.pop("headers", {})}
        # Bearer calls must not ride on a cookie another test step left in the shared client.
        self.client.cookies.clear()
        r = await self.client.request(method, url, headers=headers, **kwargs)
        if expect is not None:
            assert r.status_code == expect, f"{method} {url} -> {r.status_code}: {r.text}"
        self.last = r
        if r.headers.get("content-type", "").startswith("application/json"):
            return r.json()
        return r

    async def get(self, url: str, **kw: Any) -> Any:
        return await self.request("GET", url, **kw)

    async def post(self, url: str, **kw: Any) -> Any:
        return await self.request("POST", url, **kw)

    async def patch(self, url: str, **kw: Any) -> Any:
        return await self.request("PATCH", url, **kw)

    async def put(self, url: str, **kw: Any) -> Any:
        return await self.request("PUT", url, **kw)

    async def delete(self, url: str, **kw: Any) -> Any:
        return await self.request("DELETE", url, **kw)
