"""Steps several browser tests share, written the way a person does them."""

import httpx
from playwright.async_api import Page, expect


async def sign_in(page: Page, login: str, password: str, *, language: str = "zh-CN") -> None:
    labels = {"zh-CN": ("手机号或邮箱", "密码", "登录"), "en": ("Phone or e-mail", "Password", "Sign in")}[language]
    form = page.get_by_test_id("login-form")
    await expect(form).to_be_visible()
    await form.get_by_label(labels[0]).fill(login)
    await form.get_by_label(labels[1], exact=True).fill(password)
    await form.get_by_role("button", name=labels[2]).click()


async def open_login(page: Page) -> None:
    await page.goto("/#/login")
    await expect(page.get_by_test_id("login-form")).to_be_visible()


async def sign_out(page: Page) -> None:
    await page.get_by_role("navigation", name="导航").get_by_role("link", name="我的").click()
    await page.get_by_test_id("logout").click()
    await expect(page.get_by_test_id("login-form")).to_be_visible()


async def sign_in_through_api(page: Page, login: str, password: str, route: str = "directory") -> None:
    """For tests about what comes after signing in: the page's context gets the same cookies."""
    response = await page.request.post("/api/v1/auth/login", data={"login": login, "password": password})
    assert response.ok, await response.text()
    await page.goto(f"/#/{route}")


async def api_headers(client: httpx.AsyncClient, login: str, password: str) -> dict[str, str]:
    """Bearer headers for seeding through the HTTP API (where clicking would only be slow)."""
    response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    return {"authorization": "Bearer " + response.json()["token"]}
