"""Files in 消息: a document and an image go up from one browser and reach the other member
live; the document downloads with its name and bytes, the image is previewed while it goes up,
then shows inline and opens full size; a refused file type says why and can be removed;
转发 copies the file into another group, where it downloads too."""

import asyncio
import uuid

import httpx
import pytest
from playwright.async_api import Page, Route, expect

from tests.e2e.flows import api_headers, sign_in_through_api

pytestmark = pytest.mark.e2e

SENDER = "13800000007"  # 赵敏
RECEIVER = "13800000004"  # 刘洋

# The smallest PNG: one transparent pixel.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000005000157a3b5e20000000049454e44ae426082"
)


def _messages(page: Page):
    return page.get_by_test_id("messages")


async def _download(page: Page, link) -> tuple[str, bytes]:
    async with page.expect_download() as info:
        await link.click()
    download = await info.value
    path = await download.path()
    return download.suggested_filename, path.read_bytes()


async def test_file_and_image_upload_download_preview_and_forward(new_context, demo_server: dict) -> None:
    tag = uuid.uuid4().hex[:4]
    first, second = f"资料{tag}", f"资料转存{tag}"
    async with httpx.AsyncClient(base_url=demo_server["base_url"]) as client:
        zhao = await api_headers(client, SENDER, demo_server["password"])
        ids = []
        for name in (first, second):
            made = await client.post("/api/v1/orgs/1/conversations", headers=zhao, json={"name": name, "member_ids": [4]})
            assert made.status_code == 201, made.text
            ids.append(made.json()["id"])
    sender = await new_context()
    receiver = await new_context()
    await sign_in_through_api(sender, SENDER, demo_server["password"], route=f"chat/{ids[0]}")
    await sign_in_through_api(receiver, RECEIVER, demo_server["password"], route=f"chat/{ids[0]}")
    await expect(receiver.get_by_test_id("conversation-title")).to_contain_text(first)

    # A document (not an image): a file card with name and size on both sides.
    doc_name = f"会议纪要{tag}.txt"
    doc = f"第一项：预算\n第二项：排期 {tag}\n".encode()
    await sender.get_by_test_id("file-input").set_input_files({"name": doc_name, "mimeType": "text/plain", "buffer": doc})
    mine = _messages(sender).locator(".msg.mine:not(.pending) .msg-file")
    await expect(mine).to_contain_text(doc_name)
    await expect(mine).to_contain_text(f"{len(doc)} B")
    theirs = _messages(receiver).locator(".msg.theirs .msg-file")
    await expect(theirs).to_contain_text(doc_name)
    await expect(theirs).to_contain_text(f"{len(doc)} B")
    assert await _download(receiver, theirs) == (doc_name, doc)
    row = sender.get_by_test_id("conversation-list").locator(".conv-item", has_text=first)
    await expect(row).to_contain_text(f"[文件] {doc_name}")

    # An image: previewed while it goes up (the upload held here), then inline on both sides,
    # opening the full picture in a new tab.
    held: asyncio.Future[Route] = asyncio.get_running_loop().create_future()
    await sender.route("**/conversations/*/files", lambda route: held.set_result(route))
    await sender.get_by_test_id("file-input").set_input_files({"name": "dot.png", "mimeType": "image/png", "buffer": PNG})
    pending = _messages(sender).locator(".msg.pending")
    await expect(pending.get_by_test_id("sending")).to_have_text("发送中…")
    await expect(pending.locator(".msg-image img")).to_have_js_property("naturalWidth", 1)
    await (await held).continue_()
    await sender.unroute("**/conversations/*/files")
    await expect(pending).to_have_count(0)
    image = _messages(receiver).locator(".msg.theirs .msg-image img")
    await expect(image).to_be_visible()
    await expect(image).to_have_js_property("naturalWidth", 1)  # loaded: the bytes came back
    await expect(_messages(sender).locator(".msg.mine .msg-image img")).to_be_visible()
    async with receiver.context.expect_page() as opened:
        await image.click()
    full = await opened.value
    await full.wait_for_load_state()
    assert await full.evaluate("document.contentType") == "image/png"
    await full.close()

    # A file type the server refuses: the reason is shown, and the failed message can be removed.
    await sender.get_by_test_id("file-input").set_input_files(
        {"name": "setup.exe", "mimeType": "application/octet-stream", "buffer": b"MZ"})
    failed = _messages(sender).locator(".msg.pending", has_text="setup.exe")
    await expect(failed.get_by_test_id("send-failed")).to_contain_text("发送失败")
    await expect(failed.get_by_test_id("send-error")).to_have_text("出于安全考虑，不能发送此类型的文件")
    await failed.get_by_role("button", name="删除").click()
    await expect(failed).to_have_count(0)

    # 转发 the document into the second group: the sender sees the copy, from 刘洋, and it downloads.
    message = _messages(receiver).locator(".msg.theirs", has=receiver.locator(".msg-file"))
    await message.hover()
    await message.get_by_role("button", name="消息操作").click()
    await receiver.get_by_role("menuitem", name="转发").click()
    await receiver.get_by_test_id("forward-targets").get_by_text(second).click()
    await receiver.get_by_test_id("forward-confirm").click()
    await expect(receiver.get_by_text("已转发")).to_be_visible()
    target = sender.get_by_test_id("conversation-list").locator(".conv-item", has_text=second)
    await expect(target.get_by_test_id("unread-badge")).to_have_text("1")
    await target.get_by_role("link").click()
    await expect(sender.get_by_test_id("conversation-title")).to_contain_text(second)
    copy = _messages(sender).locator(".msg.theirs")
    await expect(copy.get_by_test_id("forwarded")).to_have_text("转发自 赵敏")
    assert await _download(sender, copy.locator(".msg-file")) == (doc_name, doc)
    assert sender.js_errors == [] and receiver.js_errors == [], (sender.js_errors, receiver.js_errors)
