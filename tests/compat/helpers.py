"""Shared set-up of the compat tests: an app created through the admin API."""

from typing import Any

import httpx

from tests.helpers import Api


async def create_app(admin: Api, **fields: Any) -> dict[str, Any]:
    body = {"name": "考勤同步", **fields}
    return await admin.post(admin.org("/apps"), json=body, expect=201)  # type: ignore[no-any-return]


async def gettoken(client: httpx.AsyncClient, app: dict[str, Any]) -> str:
    r = await client.get("/gettoken", params={"appkey": app["app_key"], "appsecret": app["app_secret"]})
    assert r.status_code == 200 and r.json()["errcode"] == 0, r.text
    return r.json()["access_token"]  # type: ignore[no-any-return]
