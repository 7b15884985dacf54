"""Browsing the directory: the department tree, a department's members, a profile, hidden departments."""

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.flows import open_login, sign_in, sign_in_through_api

pytestmark = pytest.mark.e2e


async def test_browse_tree_to_members_and_profile(page: Page, demo_server: dict) -> None:
    await open_login(page)
    await sign_in(page, "13800000004", demo_server["password"])

    tree = page.get_by_test_id("dept-tree")
    await tree.get_by_role("link", name="研发部", exact=True).click()
    # 研发部 holds two teams; its pane lists them, as DingTalk does, and the tree opens them.
    sub_departments = page.get_by_test_id("sub-departments")
    await expect(sub_departments.get_by_role("link")).to_have_text(["后端组", "前端组"])
    await expect(tree.get_by_role("link", name="后端组")).to_be_visible()

    await sub_departments.get_by_role("link", name="后端组").click()
    members = page.get_by_test_id("member-list")
    await expect(members.locator(".member-name")).to_have_text(["刘洋", "王芳"])
    await expect(page).to_have_url(f"{demo_server['base_url']}/#/directory/{await _dept_id(page, '后端组')}")

    await members.get_by_role("button", name="王芳").click()
    profile = page.get_by_test_id("profile")
    await expect(profile.get_by_test_id("profile-name")).to_have_text("王芳")
    await expect(profile).to_contain_text("13800000003")
    await expect(profile).to_contain_text("后端组")
    await expect(profile).to_contain_text("子管理员")


async def test_search_finds_by_pinyin_initials(page: Page, demo_server: dict) -> None:
    await sign_in_through_api(page, "13800000004", demo_server["password"])
    await page.get_by_test_id("member-search").fill("cj")
    await expect(page.get_by_test_id("member-list").locator(".member-name")).to_have_text(["陈静"])


async def test_hidden_department_shows_to_owner_only(new_context, demo_server: dict) -> None:
    member = await new_context()
    await sign_in_through_api(member, demo_server["logins"]["member"]["login"], demo_server["password"])
    member_tree = member.get_by_test_id("dept-tree")
    await expect(member_tree.get_by_role("link", name="市场部")).to_be_visible()
    await expect(member_tree.get_by_role("link", name="财务部")).to_have_count(0)
    await expect(member.get_by_test_id("sub-departments")).not_to_contain_text("财务部")

    owner = await new_context()
    await sign_in_through_api(owner, demo_server["logins"]["owner"]["login"], demo_server["password"])
    hidden = owner.get_by_test_id("dept-tree").locator(".tree-row", has=owner.get_by_role("link", name="财务部"))
    await expect(hidden).to_be_visible()
    await expect(hidden).to_contain_text("隐藏")
    await hidden.get_by_role("link", name="财务部").click()
    await expect(owner.get_by_test_id("member-list")).to_contain_text("赵敏")


async def _dept_id(page: Page, name: str) -> str:
    return await page.get_by_test_id("dept-tree").get_by_role("link", name=name, exact=True).get_attribute("data-dept-id")


async def test_hidden_phone_reads_hidden_to_colleagues(page: Page, demo_server: dict) -> None:
    base = demo_server["base_url"]
    async with httpx.AsyncClient(base_url=base) as client:
        login = await client.post("/api/v1/auth/login", json={"login": demo_server["logins"]["owner"]["login"], "password": demo_server["password"]})
        owner = {"authorization": "Bearer " + login.json()["token"]}
        org_id = login.json()["account"]["memberships"][0]["org_id"]
        created = await client.post(f"/api/v1/orgs/{org_id}/members", headers=owner,
                                    json={"name": "钱隐号", "phone": "13912340009", "hide_phone": True})
        assert created.status_code == 201, created.text

    await sign_in_through_api(page, "13800000006", demo_server["password"])
    await page.get_by_test_id("member-search").fill("钱隐号")
    await page.get_by_test_id("member-list").get_by_role("button", name="钱隐号").click()
    profile = page.get_by_test_id("profile")
    await expect(profile.get_by_test_id("profile-name")).to_have_text("钱隐号")
    await expect(profile).to_contain_text("已隐藏")
    await expect(profile).not_to_contain_text("13912340009")
