"""消息: two members chat live in two browsers; read receipts (N人未读 → 全部已读) and recall
reach the other side through the realtime connection; markdown, cards and @-completion."""

import uuid

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.flows import sign_in_through_api

pytestmark = pytest.mark.e2e

SENDER = "13800000006"  # 杨磊
READER = "13800000005"  # 陈静


def _message(page: Page, text: str, which: str = ".msg"):
    return page.get_by_test_id("messages").locator(which, has_text=text)


async def test_two_members_chat_live_with_receipts_and_recall(new_context, demo_server: dict) -> None:
    sender = await new_context()
    reader = await new_context()
    await sign_in_through_api(sender, SENDER, demo_server["password"], route="chat")
    await sign_in_through_api(reader, READER, demo_server["password"], route="chat")
    # 消息 is the first entry of the navigation, as in DingTalk.
    await expect(sender.get_by_role("navigation", name="导航").locator(".nav-link").first).to_have_text("消息")

    await sender.get_by_test_id("new-chat").click()
    await sender.get_by_test_id("direct-search").fill("陈静")
    await sender.get_by_test_id("direct-results").get_by_role("button", name="陈静").click()
    await expect(sender.get_by_test_id("conversation-title")).to_have_text("陈静")

    text = f"周报今天五点前提交 {uuid.uuid4().hex[:6]}"
    await sender.get_by_test_id("composer").fill(text)
    await sender.get_by_test_id("composer").press("Enter")
    mine = _message(sender, text, ".msg.mine")
    await expect(mine.get_by_test_id("receipt")).to_have_text("1人未读")

    # The reader's list shows the new chat with one unread, live; opening it reads it.
    row = reader.get_by_test_id("conversation-list").locator(".conv-item", has_text="杨磊")
    await expect(row.get_by_test_id("unread-badge")).to_have_text("1")
    await row.get_by_role("link").click()
    await expect(_message(reader, text)).to_be_visible()
    await expect(row.get_by_test_id("unread-badge")).to_have_count(0)
    await expect(mine.get_by_test_id("receipt")).to_have_text("全部已读")

    await mine.get_by_test_id("receipt").click()
    await expect(sender.get_by_test_id("receipts-read")).to_have_text("已读 1")
    await sender.get_by_test_id("receipts-read").click()
    await expect(sender.get_by_test_id("receipt-list")).to_contain_text("陈静")
    await sender.get_by_role("dialog").get_by_role("button", name="关闭").first.click()

    # A reply comes back live, quoting the message.
    theirs = _message(reader, text, ".msg.theirs")
    await theirs.hover()
    await theirs.get_by_role("button", name="消息操作").click()
    await reader.get_by_role("menuitem", name="回复").click()
    await expect(reader.get_by_test_id("reply-bar")).to_contain_text("杨磊")
    await reader.get_by_test_id("composer").fill("收到")
    await reader.get_by_test_id("send").click()
    answer = _message(sender, "收到", ".msg.theirs")
    await expect(answer.locator(".msg-quote")).to_contain_text(text)

    # Recall: both sides see 已撤回 in place of the text.
    await mine.hover()
    await mine.get_by_role("button", name="消息操作").click()
    await sender.get_by_role("menuitem", name="撤回").click()
    await expect(sender.get_by_test_id("messages")).to_contain_text("你已撤回一条消息")
    await expect(reader.get_by_test_id("messages")).to_contain_text("杨磊 已撤回一条消息")
    await expect(reader.get_by_test_id("messages").locator(".msg:not(.recalled)", has_text=text)).to_have_count(0)
    await expect(answer.locator(".msg-quote")).to_contain_text("该消息已撤回")

    assert sender.js_errors == [] and reader.js_errors == [], (sender.js_errors, reader.js_errors)
