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
    # (the label only: the link also carries the unread badge, e.g. the all-staff group's lines)
    await expect(sender.get_by_role("navigation", name="导航").locator(".nav-link .nav-label").first).to_have_text("消息")

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


async def _api_login(client: httpx.AsyncClient, login: str, password: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    return {"authorization": "Bearer " + response.json()["token"]}


# The smallest PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000005000157a3b5e20000000049454e44ae426082"
)


async def test_group_mentions_markdown_card_and_image(page: Page, demo_server: dict) -> None:
    name = f"周会筹备{uuid.uuid4().hex[:4]}"
    await sign_in_through_api(page, "13800000003", demo_server["password"], route="chat")  # 王芳
    await page.get_by_test_id("new-chat").click()
    dialog = page.get_by_role("dialog")
    await dialog.get_by_role("tab", name="群聊").click()
    await dialog.get_by_test_id("group-name").fill(name)
    for person in ("刘洋", "陈静"):
        await dialog.get_by_role("searchbox").fill(person)
        await dialog.get_by_role("button", name=person).click()
    await dialog.get_by_test_id("create-group").click()
    await expect(page.get_by_test_id("conversation-title")).to_contain_text(name)
    messages = page.get_by_test_id("messages")
    await expect(messages.locator(".msg.system")).to_contain_text("你 创建了群聊，成员：刘洋、陈静")

    # Typing @ offers the members; choosing one mentions them.
    composer = page.get_by_test_id("composer")
    await composer.press_sequentially("@刘")
    await expect(page.get_by_test_id("mention-list").locator(".mention-name")).to_have_text(["刘洋"])
    await composer.press("Enter")
    await expect(composer).to_have_value("@刘洋 ")
    await composer.press_sequentially("看一下议程")
    await composer.press("Enter")
    mention = messages.locator(".msg.mine", has_text="看一下议程")
    await expect(mention.locator(".mention")).to_have_text("@刘洋")
    await expect(mention.get_by_test_id("receipt")).to_have_text("2人未读")

    # 刘洋 answers through the API with markdown and a card: rendered, never as raw HTML.
    conversation_id = page.url.rsplit("/", 1)[-1]
    async with httpx.AsyncClient(base_url=demo_server["base_url"]) as client:
        liu = await _api_login(client, "13800000004", demo_server["password"])
        path = f"/api/v1/orgs/1/conversations/{conversation_id}/messages"
        sent = await client.post(path, headers=liu, json={
            "kind": "markdown", "text": "**议程** <img src=x onerror=alert(1)>\n- 复盘\n- [文档](https://example.com/doc)"})
        assert sent.status_code == 201, sent.text
        sent = await client.post(path, headers=liu, json={
            "kind": "card", "title": "会议室已订", "text": "周五 10:00",
            "buttons": [{"title": "查看", "url": "https://example.com/room"}, {"title": "坏链接", "url": "javascript:alert(1)"}]})
        assert sent.status_code == 201, sent.text
    markdown = messages.locator(".msg.theirs", has_text="议程")
    await expect(markdown.locator("strong")).to_have_text("议程")
    await expect(markdown).to_contain_text("<img src=x onerror=alert(1)>")
    await expect(markdown.locator("img")).to_have_count(0)
    await expect(markdown.get_by_role("link", name="文档")).to_have_attribute("href", "https://example.com/doc")
    card = messages.get_by_test_id("card")
    await expect(card.locator(".card-title")).to_have_text("会议室已订")
    await expect(card.get_by_role("link", name="查看")).to_have_attribute("href", "https://example.com/room")
    await expect(card.get_by_role("link", name="坏链接")).to_have_count(0)

    # An image goes up as an upload, then as an image message shown inline.
    await page.get_by_test_id("file-input").set_input_files({"name": "dot.png", "mimeType": "image/png", "buffer": PNG})
    image = messages.locator(".msg.mine .msg-image img")
    await expect(image).to_be_visible()
    assert await image.evaluate("img => img.complete && img.naturalWidth === 1")


async def test_chat_at_phone_width_list_then_conversation(new_context, demo_server: dict) -> None:
    async with httpx.AsyncClient(base_url=demo_server["base_url"]) as client:
        me = await _api_login(client, "13800000008", demo_server["password"])  # Alice Chen
        opened = await client.post("/api/v1/orgs/1/conversations/direct", headers=me, json={"member_id": 2})
        assert opened.status_code in (200, 201), opened.text
    page = await new_context(viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True)
    await sign_in_through_api(page, "13800000008", demo_server["password"], route="chat")
    row = page.get_by_test_id("conversation-list").locator(".conv-item", has_text="李娜")
    await row.get_by_role("link").click()
    await expect(page.get_by_test_id("conversation-title")).to_have_text("李娜")
    await expect(page.get_by_test_id("conversation-list")).to_be_hidden()
    await page.get_by_test_id("composer").fill("hello")
    await page.get_by_test_id("send").click()
    await expect(page.get_by_test_id("messages").locator(".msg.mine", has_text="hello")).to_be_visible()
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await page.get_by_role("link", name="返回").click()
    await expect(row).to_be_visible()
    await expect(row).to_contain_text("hello")
    assert page.js_errors == [], page.js_errors
