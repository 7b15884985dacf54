"""群设置 in the browser: the owner creates a group, renames it, publishes a notice, names an
admin and adds a member, who sees the group appear live on her phone; forwarding a message."""

import re
import uuid

import pytest
from playwright.async_api import expect

from tests.e2e.flows import sign_in_through_api

pytestmark = pytest.mark.e2e

OWNER = "13800000007"  # 赵敏
NEWCOMER = "13800000002"  # 李娜


async def test_create_and_manage_a_group_the_newcomer_sees_live(new_context, demo_server: dict) -> None:
    owner = await new_context()
    newcomer = await new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)  # a phone
    await sign_in_through_api(owner, OWNER, demo_server["password"], route="chat")
    await sign_in_through_api(newcomer, NEWCOMER, demo_server["password"], route="directory")
    # The 消息 badge is there at page load on another screen (the demo's all-staff group has unread lines).
    badge = newcomer.locator('.nav-link[data-nav="chat"] .nav-badge')
    await expect(badge.first).to_have_text(re.compile(r"^\d+$"))
    await newcomer.locator('.nav-link[data-nav="chat"]').first.click()
    await expect(newcomer.get_by_test_id("conversation-list")).to_be_visible()

    # Create: name and a member picked by search.
    first_name, new_name = f"预算{uuid.uuid4().hex[:4]}", f"预算评审{uuid.uuid4().hex[:4]}"
    await owner.get_by_test_id("new-chat").click()
    dialog = owner.get_by_role("dialog")
    await dialog.get_by_role("tab", name="群聊").click()
    await dialog.get_by_test_id("group-name").fill(first_name)
    await dialog.get_by_role("searchbox").fill("刘洋")
    await dialog.get_by_role("button", name="刘洋").click()
    await dialog.get_by_test_id("create-group").click()
    await expect(owner.get_by_test_id("conversation-title")).to_contain_text(first_name)

    # Settings: rename, notice, make 刘洋 an admin.
    await owner.get_by_test_id("conv-settings").click()
    await expect(owner.get_by_test_id("conv-settings-page")).to_be_visible()
    await owner.get_by_test_id("group-rename").fill(new_name)
    await owner.get_by_test_id("group-rename-save").click()
    await owner.get_by_test_id("group-notice").fill("周五前提交预算表")
    await owner.get_by_test_id("group-notice-save").click()
    liu = owner.get_by_test_id("group-member").filter(has_text="刘洋")
    await liu.get_by_role("button", name="对 刘洋 的操作").click()
    await owner.get_by_role("menuitem", name="设为管理员").click()
    await expect(liu.get_by_test_id("member-role")).to_have_text("管理员")

    # Add 李娜: the group reaches her conversation list live.
    await owner.get_by_test_id("add-members").click()
    add = owner.get_by_role("dialog")
    await add.get_by_role("searchbox").fill("李娜")
    await add.get_by_role("button", name="李娜").click()
    await add.get_by_test_id("add-members-confirm").click()
    await expect(owner.get_by_test_id("group-member")).to_have_count(3)
    row = newcomer.get_by_test_id("conversation-list").locator(".conv-item", has_text=new_name)
    await expect(row).to_be_visible()
    await row.get_by_role("link").click()
    await expect(newcomer.get_by_test_id("notice-bar")).to_contain_text("周五前提交预算表")
    await expect(newcomer.get_by_test_id("messages")).to_contain_text("赵敏 邀请 李娜 加入了群聊")
    # Her settings page at phone width: the notice to read, the members, leaving; nothing wider than the screen.
    await newcomer.get_by_test_id("conv-settings").click()
    await expect(newcomer.get_by_test_id("group-notice-shown")).to_have_text("周五前提交预算表")
    await expect(newcomer.get_by_test_id("group-member")).to_have_count(3)
    await expect(newcomer.get_by_test_id("leave-group")).to_be_in_viewport()
    assert await newcomer.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await newcomer.get_by_test_id("settings-back").click()

    # Back in the chat, the owner's header shows the new name; the history the changes.
    await owner.get_by_test_id("settings-back").click()
    await expect(owner.get_by_test_id("conversation-title")).to_contain_text(new_name)
    await expect(owner.get_by_test_id("messages")).to_contain_text(f"你 将群名称修改为“{new_name}”")

    # 转发: a copy of a message, here into the same group, names its original sender.
    await owner.get_by_test_id("composer").fill("预算表模板在共享盘")
    await owner.get_by_test_id("composer").press("Enter")
    sent = owner.get_by_test_id("messages").locator(".msg.mine:not(.pending)", has_text="预算表模板在共享盘")
    await sent.hover()
    await sent.get_by_role("button", name="消息操作").click()
    await owner.get_by_role("menuitem", name="转发").click()
    await owner.get_by_test_id("forward-targets").get_by_text(new_name).click()
    await owner.get_by_test_id("forward-confirm").click()
    await expect(newcomer.get_by_test_id("forwarded")).to_have_text("转发自 赵敏")
    assert owner.js_errors == [] and newcomer.js_errors == [], (owner.js_errors, newcomer.js_errors)
