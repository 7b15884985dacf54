"""Departments in the admin console: create under a parent, rename and move, reorder, hide, managers."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.e2e.flows import sign_in_through_api

pytestmark = pytest.mark.e2e


async def test_department_create_edit_hide_and_managers(page: Page, demo_server: dict) -> None:
    await sign_in_through_api(page, demo_server["logins"]["admin"]["login"], demo_server["password"], "admin/departments")
    dialog = page.locator("dialog")

    await page.get_by_role("button", name="新建部门").click()
    await dialog.get_by_label("部门名称").fill("质量部")
    await dialog.get_by_label("上级部门").select_option(label="\u3000研发部")
    await dialog.get_by_role("button", name="保存").click()
    row = page.get_by_test_id("dept-table").locator("tr", has_text="质量部")
    await expect(row).to_be_visible()

    await row.get_by_role("button", name="编辑").click()
    await dialog.get_by_label("部门名称").fill("质量保障部")
    await dialog.get_by_label("上级部门").select_option(label="示例科技")
    await dialog.get_by_label("排序").fill("-1")
    await dialog.get_by_role("button", name="保存").click()
    row = page.get_by_test_id("dept-table").locator("tr", has_text="质量保障部")
    await expect(row.locator("td").nth(2)).to_have_text("-1")
    await row.get_by_role("checkbox", name="隐藏 质量保障部").check()
    await expect(page.get_by_role("status")).to_have_text("已保存")

    await row.get_by_role("button", name="部门主管").click()
    await dialog.get_by_placeholder("搜索成员姓名或拼音").fill("yanglei")
    await dialog.get_by_role("button", name=re.compile("杨磊")).click()
    await dialog.get_by_role("button", name="保存").click()
    await expect(row).to_contain_text("杨磊")

    # In the directory it now comes first under the root (order -1) and carries the hidden tag.
    await page.get_by_role("navigation", name="导航").get_by_role("link", name="通讯录").click()
    top_level = page.get_by_test_id("sub-departments").get_by_role("link")
    await expect(top_level.first).to_contain_text("质量保障部")
    await expect(top_level.first).to_contain_text("隐藏")
