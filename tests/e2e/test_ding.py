"""DING in the browser: A sends a DING to B; B's alert appears live on whatever screen B has
open, on each of B's devices, and stays until confirmed; B confirms; A's confirmation view
shows it live. And "DING the unread" from a chat message's who-has-not-read panel."""

import uuid

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.flows import sign_in_through_api

pytestmark = pytest.mark.e2e

SENDER = "13800000002"  # 李娜
RECIPIENT = "13800000007"  # 赵敏


def _alert(page: Page, text: str):
    return page.get_by_test_id("ding-alert").filter(has_text=text)


async def test_ding_round_trip_between_two_browsers(new_context, demo_server: dict) -> None:
    sender = await new_context()
    recipient = await new_context()
    recipient_phone = await new_context(viewport={"width": 390, "height": 844})
    await sign_in_through_api(sender, SENDER, demo_server["password"], route="ding")
    await sign_in_through_api(recipient, RECIPIENT, demo_server["password"], route="directory")
    await sign_in_through_api(recipient_phone, RECIPIENT, demo_server["password"], route="account")

    await sender.get_by_test_id("ding-new").click()
    dialog = sender.get_by_role("dialog", name="发 DING")
    await dialog.get_by_label("接收人").fill("赵敏")
    await dialog.locator(".picker-option", has_text="赵敏").click()
    text = f"服务器告警，请马上处理 {uuid.uuid4().hex[:6]}"
    await dialog.get_by_test_id("ding-text").fill(text)
    await dialog.get_by_test_id("ding-attachment").fill("https://example.com/runbook")
    await dialog.get_by_test_id("ding-send").click()

    # The sender lands on the DING's confirmation view: nobody has confirmed yet.
    detail = sender.get_by_test_id("ding-detail")
    await expect(detail).to_contain_text(text)
    await expect(detail.get_by_test_id("ding-progress")).to_have_text("0/1 人已确认")
    await expect(sender.get_by_test_id("ding-people-unconfirmed")).to_have_text("未确认 1")
    await expect(sender.get_by_test_id("ding-people")).to_contain_text("赵敏")
    await expect(detail.get_by_role("link", name="https://example.com/runbook")).to_be_visible()

    # The recipient is on the directory and on the account screen (phone): both get the alert live.
    for page in (recipient, recipient_phone):
        alert = _alert(page, text)
        await expect(alert).to_be_visible()
        await expect(alert).to_contain_text("李娜 的 DING")
        await expect(page.get_by_test_id("ding-nav-badge").first).to_have_text("1")
    # Re-DING from the sender's view: the same alert comes back marked as such, not a second one.
    await sender.get_by_test_id("ding-reding").click()
    await expect(_alert(recipient, text).locator(".ding-tag")).to_have_text("再次 DING")
    await expect(_alert(recipient_phone, text).locator(".ding-tag")).to_have_text("再次 DING")
    await expect(_alert(recipient, text)).to_have_count(1)
    # It stays on top when the recipient moves to another screen.
    await recipient.get_by_role("navigation", name="导航").get_by_role("link", name="消息").click()
    await expect(recipient.get_by_test_id("conversation-list")).to_be_visible()
    await expect(_alert(recipient, text)).to_be_visible()
    box = await _alert(recipient_phone, text).get_by_test_id("ding-confirm").bounding_box()
    assert box is not None and box["x"] + box["width"] <= 390 and box["y"] >= 0

    # Confirming on one device clears the alert on every device and tells the sender, live.
    await _alert(recipient, text).get_by_test_id("ding-confirm").click()
    await expect(_alert(recipient, text)).to_have_count(0)
    await expect(_alert(recipient_phone, text)).to_have_count(0)
    await expect(recipient_phone.get_by_test_id("ding-nav-badge")).to_have_count(0)
    await expect(detail.get_by_test_id("ding-progress")).to_have_text("1/1 人已确认")
    await expect(sender.get_by_test_id("ding-people-confirmed")).to_have_text("已确认 1")
    await expect(sender.get_by_test_id("ding-people")).to_contain_text("所有人都已确认")
    await sender.get_by_test_id("ding-people-confirmed").click()
    await expect(sender.get_by_test_id("ding-people")).to_contain_text("赵敏")
    await expect(sender.get_by_test_id("ding-reding")).to_have_count(0)

    # Both lists show it with its status.
    await recipient.goto("/#/ding")
    row = recipient.get_by_test_id("ding-list-received").locator(".ding-row", has_text=text)
    await expect(row).to_contain_text("已确认")
    await sender.goto("/#/ding?tab=sent")
    await expect(sender.get_by_test_id("ding-list-sent").locator(".ding-row", has_text=text)).to_contain_text("1/1 人已确认")

    for page in (sender, recipient, recipient_phone):
        assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]


async def _api_login(client: httpx.AsyncClient, login: str, password: str) -> dict[str, str]:
    response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    return {"authorization": "Bearer " + response.json()["token"]}


async def test_ding_the_unread_from_chat_and_confirm_on_the_card(new_context, demo_server: dict) -> None:
    text = f"下午三点开会 {uuid.uuid4().hex[:6]}"
    async with httpx.AsyncClient(base_url=demo_server["base_url"]) as client:
        me = await _api_login(client, SENDER, demo_server["password"])
        [zhao] = (await client.get("/api/v1/orgs/1/members", params={"q": "赵敏"}, headers=me)).json()["items"]
        group = await client.post("/api/v1/orgs/1/conversations", headers=me, json={"name": f"DING {text[-6:]}", "member_ids": [zhao["id"]]})
        assert group.status_code == 201, group.text
        sent = await client.post(f"/api/v1/orgs/1/conversations/{group.json()['id']}/messages", headers=me, json={"text": text})
        assert sent.status_code == 201, sent.text
    sender = await new_context()
    recipient = await new_context()
    await sign_in_through_api(sender, SENDER, demo_server["password"], route=f"chat/{group.json()['id']}")
    await sign_in_through_api(recipient, RECIPIENT, demo_server["password"], route="directory")

    # 1人未读 → the who-has-not-read panel → DING 未读的人: the recipients are the unread members.
    mine = sender.get_by_test_id("messages").locator(".msg.mine", has_text=text)
    await mine.get_by_test_id("receipt").click()
    await sender.get_by_test_id("ding-unread").click()
    dialog = sender.get_by_role("dialog", name="发 DING")
    await expect(dialog.get_by_test_id("ding-source-recipients")).to_contain_text("未读的 1 人")
    await expect(dialog.get_by_test_id("ding-source-recipients")).to_contain_text("赵敏")
    await dialog.get_by_test_id("ding-send").click()
    await expect(sender.get_by_test_id("ding-detail").get_by_test_id("ding-progress")).to_have_text("0/1 人已确认")

    # The DING reaches 赵敏 as the alert and as a card in the 1:1 chat; the card's button confirms.
    await expect(_alert(recipient, "请尽快查看群里的这条消息")).to_be_visible()
    await recipient.goto("/#/chat")
    await recipient.get_by_test_id("conversation-list").locator(".conv-item:has(.conv-name:text-is('李娜'))").get_by_role("link").click()
    card = recipient.get_by_test_id("messages").get_by_test_id("card").filter(has_text="请尽快查看群里的这条消息").last
    await card.get_by_test_id("card-action").click()
    await expect(_alert(recipient, "请尽快查看群里的这条消息")).to_have_count(0)
    await expect(sender.get_by_test_id("ding-detail").get_by_test_id("ding-progress")).to_have_text("1/1 人已确认")
    for page in (sender, recipient):
        assert page.js_errors == [], page.js_errors  # type: ignore[attr-defined]


async def test_admin_sets_the_org_ding_limits(new_context, demo_server: dict) -> None:
    admin = await new_context()
    await sign_in_through_api(admin, SENDER, demo_server["password"], route="ding?tab=settings")  # 李娜, an admin
    limit = admin.get_by_test_id("ding-setting-daily_limit")
    await expect(limit).to_have_value("20")
    await limit.fill("30")
    await admin.get_by_test_id("ding-setting-sms_allowed_for").select_option("admins")
    await admin.get_by_test_id("ding-settings-save").click()
    await expect(admin.get_by_role("status").filter(has_text="已保存")).to_be_visible()
    await admin.reload()
    await expect(admin.get_by_test_id("ding-setting-sms_allowed_for")).to_have_value("admins")
    await expect(admin.get_by_test_id("ding-setting-daily_limit")).to_have_value("30")
    # A plain member has no settings tab, and the send dialog offers SMS no more.
    member = await new_context()
    await sign_in_through_api(member, RECIPIENT, demo_server["password"], route="ding?tab=settings")
    await expect(member.get_by_test_id("ding-tab-settings")).to_have_count(0)
    await member.get_by_test_id("ding-new").click()
    await expect(member.get_by_test_id("ding-channel-sms")).to_be_disabled()
    await expect(member.get_by_test_id("ding-channel-call")).to_be_enabled()
    # Put the demo organization back as the other tests expect it.
    await admin.get_by_test_id("ding-setting-daily_limit").fill("20")
    await admin.get_by_test_id("ding-setting-sms_allowed_for").select_option("everyone")
    await admin.get_by_test_id("ding-settings-save").click()
    await expect(admin.get_by_role("status").filter(has_text="已保存").last).to_be_visible()
    await admin.reload()
    await expect(admin.get_by_test_id("ding-setting-sms_allowed_for")).to_have_value("everyone")
    assert admin.js_errors == [] and member.js_errors == [], (admin.js_errors, member.js_errors)
