"""Chinese by default, English on request; the choice sticks and reaches the server's messages."""

import pytest
from playwright.async_api import Page, expect

from tests.e2e.flows import open_login, sign_in

pytestmark = pytest.mark.e2e


async def test_english_toggle_switches_ui_strings(page: Page, demo_server: dict) -> None:
    await open_login(page)
    await expect(page.get_by_role("heading", level=1)).to_have_text("登录 Tack")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-CN")

    await page.get_by_test_id("lang-toggle").click()
    await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in to Tack")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await sign_in(page, demo_server["logins"]["owner"]["login"], demo_server["password"], language="en")

    nav = page.get_by_role("navigation", name="Navigation")
    await expect(nav.locator("[data-nav] .nav-label")).to_have_text(["Messages", "DING", "Directory", "Attendance", "Approvals", "Admin", "Me"])
    await expect(page.get_by_test_id("member-search")).to_have_attribute("placeholder", "Search name, pinyin, phone, employee no.")

    await page.reload()  # the choice is kept in localStorage
    await expect(nav.get_by_role("link", name="Directory")).to_be_visible()
    await page.get_by_role("navigation", name="Navigation").get_by_test_id("lang-toggle").click()
    # The labels only: 消息 also carries the unread badge (other tests leave messages unread).
    await expect(page.get_by_role("navigation", name="导航").locator("[data-nav] .nav-label")).to_have_text(["消息", "DING", "通讯录", "考勤", "审批", "管理后台", "我的"])


async def test_server_error_message_follows_the_language(page: Page, demo_server: dict) -> None:
    # One failed sign-in per language: the lockout allows five per IP.
    await open_login(page)
    await sign_in(page, demo_server["logins"]["member"]["login"], "not-the-password")
    await expect(page.get_by_role("alert")).to_have_text("账号或密码错误")
    await page.get_by_test_id("lang-toggle").click()
    await sign_in(page, demo_server["logins"]["member"]["login"], "not-the-password", language="en")
    await expect(page.get_by_role("alert")).not_to_have_text("账号或密码错误")
    await expect(page.get_by_role("alert")).to_contain_text("password")
