"""A group robot's messages in the web client: the demo's signed robot posts through the real
DingtalkChatbot client, and a member sees markdown, an actionCard with buttons, a link and a
feedCard rendered (links unwrapped from dingtalk:// to their http(s) target), marked as a robot."""

import asyncio

import pytest
from dingtalkchatbot.chatbot import ActionCard, CardItem, DingtalkChatbot, FeedLink
from playwright.async_api import Page, expect

from tests.e2e.flows import sign_in_through_api

pytestmark = pytest.mark.e2e


async def test_robot_markdown_and_action_card_render(page: Page, demo_server: dict) -> None:
    robot = demo_server["robot"]
    webhook = demo_server["base_url"] + robot["webhook_url"][robot["webhook_url"].index("/robot/send"):]
    bot = DingtalkChatbot(webhook, secret=robot["secret"])
    pic = demo_server["base_url"] + "/no-such-picture.png"  # no network here: a local 404
    sends = [
        lambda: bot.send_markdown("构建报告", "### 构建 #128 通过\n- **耗时** 3 分钟\n- [查看日志](https://example.com/log)"),
        lambda: bot.send_action_card(ActionCard(
            "发布审批", "v2.0 等待发布", [CardItem("批准", "https://example.com/ok"), CardItem("驳回", "https://example.com/no")])),
        lambda: bot.send_link("发布说明", "新版本的变化", "https://example.com/notes"),
        lambda: bot.send_feed_card([FeedLink("周报一", "https://example.com/w1", pic), FeedLink("周报二", "https://example.com/w2", pic)]),
    ]
    for send in sends:
        assert await asyncio.to_thread(send) == {"errcode": 0, "errmsg": "ok"}

    await sign_in_through_api(page, "13800000003", demo_server["password"], route=f"chat/{robot['group_id']}")  # 王芳
    messages = page.get_by_test_id("messages")
    from_robot = messages.locator(".msg.from-robot")
    await expect(from_robot).to_have_count(4)
    await expect(from_robot.first.locator(".msg-sender")).to_have_text("构建机器人")
    await expect(from_robot.first.get_by_test_id("robot-tag")).to_have_text("机器人")

    markdown = from_robot.nth(0)
    await expect(markdown.locator(".md-h")).to_have_text("构建 #128 通过")
    await expect(markdown.locator("strong")).to_have_text("耗时")
    await expect(markdown.get_by_role("link", name="查看日志")).to_have_attribute("href", "https://example.com/log")

    card = from_robot.nth(1).get_by_test_id("card")
    await expect(card.locator(".card-title")).to_have_text("发布审批")
    await expect(card).to_contain_text("v2.0 等待发布")
    await expect(card.get_by_role("link", name="批准")).to_have_attribute("href", "https://example.com/ok")
    await expect(card.get_by_role("link", name="驳回")).to_have_attribute("href", "https://example.com/no")

    link = from_robot.nth(2).get_by_test_id("card")
    await expect(link.get_by_role("link", name="发布说明")).to_have_attribute("href", "https://example.com/notes")
    feed = from_robot.nth(3).get_by_test_id("card")
    await expect(feed.get_by_role("link")).to_have_count(2)
    await expect(feed.get_by_role("link", name="周报二")).to_have_attribute("href", "https://example.com/w2")
    await page.screenshot(path="/tmp/robot-chat.png", full_page=True)


async def test_group_owner_adds_a_robot_and_its_webhook_posts(page: Page, demo_server: dict) -> None:
    robot = demo_server["robot"]
    await sign_in_through_api(page, "13800000001", demo_server["password"], route=f"chat/{robot['group_id']}")  # 张伟, owner
    await expect(page.get_by_test_id("conversation-title")).to_contain_text(robot["group_name"])
    await page.locator(".conv-head").get_by_role("button", name="更多操作").click()
    await page.get_by_role("menuitem", name="群机器人").click()
    dialog = page.get_by_role("dialog", name="群机器人")
    demo = dialog.get_by_test_id("robot").filter(has_text="构建机器人")
    await expect(demo.get_by_test_id("robot-secret")).to_have_value(robot["secret"])

    await dialog.get_by_test_id("robot-name").fill("监控机器人")
    await dialog.get_by_role("checkbox", name="加签").uncheck()
    await dialog.get_by_test_id("robot-keywords").fill("监控，告警")
    await dialog.get_by_test_id("robot-add").click()
    added = dialog.get_by_test_id("robot").filter(has_text="监控机器人")
    await expect(added).to_contain_text("自定义关键词: 监控、告警")
    webhook = await added.get_by_test_id("robot-webhook").input_value()
    assert "/robot/send?access_token=" in webhook and await added.get_by_test_id("robot-secret").count() == 0
    await page.keyboard.press("Escape")

    bot = DingtalkChatbot(webhook)
    assert await asyncio.to_thread(bot.send_text, "监控：CPU 正常") == {"errcode": 0, "errmsg": "ok"}
    assert (await asyncio.to_thread(bot.send_text, "CPU 正常"))["errcode"] == 310000
    await expect(page.get_by_test_id("messages").locator(".msg.from-robot", has_text="监控：CPU 正常")).to_be_visible()
