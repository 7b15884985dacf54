"""The admin console: adding a member who then signs in, invitations with QR codes, import."""

import re

import pytest
from playwright.async_api import Page, expect

from tests.e2e.flows import open_login, sign_in, sign_in_through_api, sign_out

pytestmark = pytest.mark.e2e


async def _open_admin_tab(page: Page, tab: str) -> None:
    await page.get_by_role("navigation", name="导航").get_by_role("link", name="管理后台").click()
    await page.get_by_role("tab", name=tab).click()


async def test_admin_adds_member_who_signs_in_with_first_password(page: Page, demo_server: dict) -> None:
    await open_login(page)
    await sign_in(page, demo_server["logins"]["admin"]["login"], demo_server["password"])
    await _open_admin_tab(page, "成员")
    await page.get_by_test_id("add-member").click()

    form = page.get_by_test_id("member-form")
    await form.get_by_label("姓名", exact=True).fill("周新人")
    await form.get_by_label("手机号", exact=True).fill("13912340001")
    await form.get_by_label("职位", exact=True).fill("测试工程师")
    await form.get_by_role("button", name="保存").click()

    shown = page.get_by_test_id("initial-password")
    await expect(shown).to_have_text(re.compile(r"^\S{8,}$"))
    password = await shown.text_content()
    await page.get_by_role("button", name="完成").click()
    await expect(page.get_by_test_id("member-table")).to_contain_text("周新人")

    await sign_out(page)
    await sign_in(page, "13912340001", password)
    await expect(page.get_by_role("navigation", name="导航").get_by_role("link", name="通讯录")).to_be_visible()
    await expect(page.get_by_test_id("member-list")).to_contain_text("周新人")
    # A plain member has no admin console.
    await expect(page.get_by_role("link", name="管理后台")).to_have_count(0)


async def test_invitation_link_with_qr_brings_a_new_person_in(new_context, demo_server: dict) -> None:
    admin = await new_context()
    await sign_in_through_api(admin, demo_server["logins"]["owner"]["login"], demo_server["password"])
    await _open_admin_tab(admin, "邀请")
    await admin.get_by_test_id("invitation-form").get_by_label("加入部门").select_option(label="\u3000市场部")
    await admin.get_by_role("button", name="生成邀请链接").click()
    card = admin.get_by_test_id("invitation-list").locator("article").first
    await expect(card).to_contain_text("市场部")
    qr = card.get_by_role("img", name="邀请二维码")
    await expect(qr).to_be_visible()
    # decode() settles once the SVG has loaded (or fails), so this is not a timing guess.
    assert await qr.evaluate("img => img.decode().then(() => img.naturalWidth)") > 0
    png = card.get_by_role("link", name="下载二维码 PNG")
    assert (await admin.request.get(await png.get_attribute("href"))).headers["content-type"] == "image/png"
    link = await card.get_by_test_id("invitation-url").input_value()

    newcomer = await new_context()
    await newcomer.goto(link)
    await expect(newcomer.get_by_test_id("join-org")).to_have_text("示例科技")
    await newcomer.get_by_role("link", name="注册").click()
    form = newcomer.get_by_test_id("signup-form")
    await form.get_by_label("姓名", exact=True).fill("吴来宾")
    await form.get_by_label("手机号", exact=True).fill("13912340002")
    await form.get_by_label("密码", exact=True).fill("welcome-2026")
    await form.get_by_role("button", name="注册").click()
    await newcomer.get_by_role("button", name="加入组织").click()
    await expect(newcomer.locator(".crumbs")).to_contain_text("示例科技")
    await newcomer.get_by_test_id("sub-departments").get_by_role("link", name="市场部").click()
    await expect(newcomer.get_by_test_id("member-list")).to_contain_text("吴来宾")


async def test_import_reports_failed_rows(page: Page, demo_server: dict) -> None:
    await sign_in_through_api(page, demo_server["logins"]["owner"]["login"], demo_server["password"])
    await _open_admin_tab(page, "导入导出")
    sheet = "姓名,手机号,部门\n郑导入,13912340003,外包部/测试组\n,13912340004,外包部\n".encode()
    await page.get_by_label("选择文件（CSV 或 Excel）").set_input_files(
        {"name": "people.csv", "mimeType": "text/csv", "buffer": sheet}
    )
    await page.get_by_role("button", name="上传并导入").click()
    report = page.get_by_test_id("import-report")
    await expect(report).to_contain_text("成功 1 条")
    await expect(report).to_contain_text("失败 1 条")
    await expect(report.locator("tbody tr")).to_have_count(1)
    await expect(report.locator("tbody tr td").first).to_have_text("3")
    export = page.get_by_role("link", name="导出 CSV")
    response = await page.request.get(await export.get_attribute("href"))
    assert "郑导入" in await response.text()
