"""At phone width (375 × 740) the login and directory screens work: the sidebar becomes a
bottom tab bar, the list pane navigates the tree, the profile opens full screen."""

import pytest
from playwright.async_api import Page, expect

from tests.e2e.flows import sign_in

pytestmark = pytest.mark.e2e

PHONE = {"viewport": {"width": 375, "height": 740}, "is_mobile": True, "has_touch": True}


async def _fits_width(page: Page) -> bool:
    return await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


async def test_login_and_directory_at_phone_width(new_context, demo_server: dict) -> None:
    page = await new_context(**PHONE)
    await page.goto("/")
    submit = page.get_by_test_id("login-form").get_by_role("button", name="登录")
    await expect(submit).to_be_in_viewport()
    assert await _fits_width(page)
    await sign_in(page, "13800000005", demo_server["password"])

    nav = page.get_by_role("navigation", name="导航")
    directory_tab = nav.get_by_role("link", name="通讯录")
    await expect(directory_tab).to_be_in_viewport()
    box = await directory_tab.bounding_box()
    assert box and box["y"] > 740 / 2, "the navigation sits at the bottom on a phone"
    await expect(page.get_by_test_id("dept-tree")).to_be_hidden()
    assert await _fits_width(page)

    await page.get_by_test_id("sub-departments").get_by_role("link", name="研发部").click()
    await page.get_by_test_id("sub-departments").get_by_role("link", name="前端组").click()
    await page.get_by_test_id("member-list").get_by_role("button", name="陈静").click()
    profile = page.get_by_test_id("profile")
    await expect(profile.get_by_test_id("profile-name")).to_have_text("陈静")
    await expect(profile).to_be_in_viewport()
    await profile.get_by_role("button", name="关闭").click()
    await expect(profile).to_be_hidden()

    await nav.get_by_role("link", name="我的").click()
    await expect(page.get_by_test_id("logout")).to_be_visible()
    await expect(page.get_by_test_id("org-switch").first).to_be_visible()
