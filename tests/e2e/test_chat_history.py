"""消息 history in the browser: scrolling back through older pages, message search with its
filters (会话, 发送人, dates), more than a page of hits, and jumping to a hit, and 置顶消息 seen live by the other member."""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Page, expect

from tests.e2e.flows import api_headers, sign_in_through_api

pytestmark = pytest.mark.e2e

OWNER = "13800000003"  # 王芳, owns the groups made here
MEMBER = "13800000005"  # 陈静
OTHER = "13800000004"  # 刘洋
ORG_ZONE = ZoneInfo("Asia/Shanghai")  # the demo organization's time zone: search dates are its days


def _message(page: Page, text: str):
    return page.get_by_test_id("messages").locator(".msg", has_text=text)


async def _open_menu(page: Page, text: str) -> None:
    msg = _message(page, text)
    await msg.hover()
    await msg.get_by_role("button", name="消息操作").click()


async def test_scroll_back_search_jump_and_pin_seen_live(new_context, demo_server: dict) -> None:
    tag = uuid.uuid4().hex[:6]
    name = f"历史{tag}"
    async with httpx.AsyncClient(base_url=demo_server["base_url"]) as client:
        owner = await api_headers(client, OWNER, demo_server["password"])
        created = await client.post("/api/v1/orgs/1/conversations", headers=owner, json={"name": name, "member_ids": [5]})
        assert created.status_code == 201, created.text
        conv = created.json()["id"]
        # seq 1 is the 创建了群聊 line; 第n条 is seq n+1: three pages of 30 (36-65, 6-35, the rest).
        for n in range(1, 66):
            text = f"第{n}条 预算口径 kj{tag}" if n == 3 else f"第{n}条"
            sent = await client.post(f"/api/v1/orgs/1/conversations/{conv}/messages", headers=owner, json={"kind": "text", "text": text})
            assert sent.status_code == 201, sent.text

    member = await new_context()
    await sign_in_through_api(member, MEMBER, demo_server["password"], route=f"chat/{conv}")
    await expect(member.get_by_test_id("conversation-title")).to_contain_text(name)
    # The newest page, at the bottom; nothing older yet.
    await expect(_message(member, "第65条")).to_be_in_viewport()
    await expect(_message(member, "第36条")).to_have_count(1)
    await expect(_message(member, "第35条")).to_have_count(0)
    top = member.get_by_test_id("history-top")
    await expect(top).not_to_have_text("没有更早的消息了")

    # Scrolling to the top loads the page before it, keeping what was on screen in place.
    scroller = member.get_by_test_id("message-scroller")
    await scroller.evaluate("el => { el.scrollTop = 0; }")
    await expect(_message(member, "第6条")).to_have_count(1)
    await expect(_message(member, "第36条")).to_be_in_viewport()
    await expect(_message(member, "第6条")).not_to_be_in_viewport()
    await expect(_message(member, "第5条")).to_have_count(0)
    await scroller.evaluate("el => { el.scrollTop = 0; }")
    await expect(top).to_have_text("没有更早的消息了")
    await expect(member.get_by_test_id("messages").locator(".msg").first).to_contain_text("王芳 创建了群聊")
    await expect(_message(member, "第1条")).to_have_count(1)
    texts = await member.get_by_test_id("messages").locator(".msg:not(.system) .bubble").all_inner_texts()
    assert [t.split()[0] for t in texts] == [f"第{n}条" for n in range(1, 66)]
    await scroller.evaluate("el => { el.scrollTop = el.scrollHeight; }")
    await expect(_message(member, "第3条")).not_to_be_in_viewport()

    # The owner finds an old message by search: the hit opens the group scrolled to it.
    owner_page = await new_context()
    await sign_in_through_api(owner_page, OWNER, demo_server["password"], route="chat")
    await owner_page.get_by_test_id("chat-search").fill(f"kj{tag}")
    hit = owner_page.get_by_test_id("search-hit")
    await expect(hit).to_have_count(1)
    await expect(hit).to_contain_text(name)
    await expect(hit).to_contain_text("王芳: 第3条 预算口径")
    await hit.click()
    await expect(owner_page.get_by_test_id("conversation-title")).to_contain_text(name)
    await expect(_message(owner_page, "第3条")).to_be_in_viewport()

    # 置顶消息: the owner pins it; the member sees the pin live and jumps to it from the list.
    await _open_menu(owner_page, "第3条")
    await owner_page.get_by_role("menuitem", name="置顶消息").click()
    await expect(_message(owner_page, "第3条").get_by_test_id("pinned-tag")).to_have_text("已置顶")
    await expect(owner_page.get_by_test_id("pins")).to_have_text("置顶消息 1")
    pins = member.get_by_test_id("pins")
    await expect(pins).to_have_text("置顶消息 1")
    await expect(_message(member, "第3条").get_by_test_id("pinned-tag")).to_have_text("已置顶")
    await pins.click()
    pin_list = member.get_by_test_id("pin-list")
    await expect(pin_list.get_by_role("button")).to_have_count(1)
    await expect(pin_list).to_contain_text("王芳")
    await expect(pin_list).to_contain_text("第3条 预算口径")
    await pin_list.get_by_role("button").click()
    await expect(pin_list).to_have_count(0)
    await expect(_message(member, "第3条")).to_be_in_viewport()

    # Unpinned: gone from the member's header and message, live.
    await _open_menu(owner_page, "第3条")
    await owner_page.get_by_role("menuitem", name="取消置顶消息").click()
    await expect(pins).to_be_hidden()
    await expect(_message(member, "第3条").get_by_test_id("pinned-tag")).to_have_count(0)

    # A window taller than a page of history has nothing to scroll: it loads older pages by
    # itself until it has a scrollbar (here one more page), and can then be scrolled back.
    tall = await new_context(viewport={"width": 1280, "height": 4000})
    await sign_in_through_api(tall, MEMBER, demo_server["password"], route=f"chat/{conv}")
    await expect(_message(tall, "第6条")).to_have_count(1)
    await expect(_message(tall, "第65条")).to_be_in_viewport()
    assert await tall.get_by_test_id("message-scroller").evaluate("el => el.scrollHeight > el.clientHeight")
    assert member.js_errors == [] and owner_page.js_errors == [] and tall.js_errors == [], (
        member.js_errors, owner_page.js_errors, tall.js_errors)


async def test_message_search_filters_by_conversation_sender_and_day(new_context, demo_server: dict) -> None:
    tag = uuid.uuid4().hex[:6]
    word = f"ys{tag}"
    group_name = f"搜索{tag}"
    async with httpx.AsyncClient(base_url=demo_server["base_url"]) as client:
        wang = await api_headers(client, OWNER, demo_server["password"])
        liu = await api_headers(client, OTHER, demo_server["password"])
        group = await client.post("/api/v1/orgs/1/conversations", headers=wang, json={"name": group_name, "member_ids": [4, 5]})
        assert group.status_code == 201, group.text
        direct = await client.post("/api/v1/orgs/1/conversations/direct", headers=wang, json={"member_id": 4})
        assert direct.status_code in (200, 201), direct.text
        sent_at = []
        for who, conv, text in ((wang, group.json()["id"], "甲"), (liu, group.json()["id"], "乙"), (liu, direct.json()["id"], "丙")):
            sent = await client.post(f"/api/v1/orgs/1/conversations/{conv}/messages", headers=who,
                                     json={"kind": "text", "text": f"季度预算{text} {word}"})
            assert sent.status_code == 201, sent.text
            sent_at.append(datetime.fromisoformat(sent.json()["created_at"]).astimezone(ORG_ZONE).date())
        for n in range(1, 23):  # more than one page (20) of hits for another word
            sent = await client.post(f"/api/v1/orgs/1/conversations/{group.json()['id']}/messages", headers=wang,
                                     json={"kind": "text", "text": f"分页{n}号 pg{tag}"})
            assert sent.status_code == 201, sent.text
    # The organization's day the messages were sent (the test may run across its midnight).
    assert sent_at[0] == sent_at[-1], sent_at
    day: date = sent_at[0]

    page = await new_context()
    await sign_in_through_api(page, OWNER, demo_server["password"], route="chat")
    hits = page.get_by_test_id("search-hit")
    # 20 hits a page, newest first; 加载更多 brings the rest.
    await page.get_by_test_id("chat-search").fill(f"pg{tag}")
    await expect(hits).to_have_count(20)
    await expect(hits.first).to_contain_text("分页22号")
    await page.get_by_test_id("search-more").click()
    await expect(hits).to_have_count(22)
    await expect(hits.last).to_contain_text("分页1号")
    await expect(page.get_by_test_id("search-more")).to_be_hidden()

    await page.get_by_test_id("chat-search").fill(word)

    async def shows(*which: str) -> None:
        await expect(hits).to_have_count(len(which))
        for text in which:
            await expect(hits.filter(has_text=f"季度预算{text}")).to_have_count(1)

    await shows("丙", "乙", "甲")  # newest first
    await expect(hits.first).to_contain_text("刘洋: 季度预算丙")
    filters = page.get_by_test_id("search-filters")
    await filters.locator("summary").click()
    await filters.get_by_test_id("filter-conversation").select_option(label=group_name)
    await shows("乙", "甲")
    await filters.get_by_role("searchbox", name="发送人").fill("刘洋")
    await filters.get_by_role("button", name="刘洋").click()
    await shows("乙")
    await filters.get_by_test_id("filter-conversation").select_option(label="全部会话")
    await shows("丙", "乙")
    await filters.get_by_test_id("filter-since").fill((day + timedelta(days=1)).isoformat())
    await expect(hits).to_have_count(0)
    await expect(page.get_by_test_id("search-results")).to_contain_text("没有找到相关消息")
    await filters.get_by_test_id("filter-since").fill(day.isoformat())
    await shows("丙", "乙")
    await filters.get_by_test_id("filter-until").fill((day - timedelta(days=1)).isoformat())
    await expect(hits).to_have_count(0)
    await filters.get_by_test_id("filter-since").fill("")
    await expect(hits).to_have_count(0)
    await filters.get_by_test_id("filter-until").fill(day.isoformat())
    await shows("丙", "乙")
    # Removing the sender widens it again.
    await filters.get_by_role("button", name="移除 刘洋").click()
    await shows("丙", "乙", "甲")

    # A group 刘洋 starts now reaches this page live, and the 会话 filter offers it at once.
    late_name = f"搜索后建{tag}"
    async with httpx.AsyncClient(base_url=demo_server["base_url"]) as client:
        late = await client.post("/api/v1/orgs/1/conversations", headers=liu, json={"name": late_name, "member_ids": [3]})
        assert late.status_code == 201, late.text
        sent = await client.post(f"/api/v1/orgs/1/conversations/{late.json()['id']}/messages", headers=liu,
                                 json={"kind": "text", "text": f"季度预算丁 {word}"})
        assert sent.status_code == 201, sent.text
    await expect(filters.get_by_test_id("filter-conversation").locator("option", has_text=late_name)).to_have_count(1)
    await filters.get_by_test_id("filter-conversation").select_option(label=late_name)
    await shows("丁")

    await hits.click()
    await expect(page.get_by_test_id("conversation-title")).to_contain_text(late_name)
    await expect(_message(page, f"季度预算丁 {word}")).to_be_in_viewport()
    assert page.js_errors == [], page.js_errors
