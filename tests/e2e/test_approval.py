"""审批 in the browser: a member submits a reimbursement (line items, an invoice, the resolved
flow shown before submitting), their manager approves it from the chat card, and the member
sees it approved on the request's page, live."""

import uuid

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.flows import sign_in_through_api

pytestmark = pytest.mark.e2e

MANAGER = "13800000006"  # 杨磊, made manager of a department of this test's own


async def _login(client: httpx.AsyncClient, login: str, password: str) -> dict[str, str]:
    r = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert r.status_code == 200, r.text
    return {"authorization": "Bearer " + r.json()["token"]}


async def test_member_submits_manager_approves_from_the_chat_card(new_context, demo_server: dict) -> None:
    tag = uuid.uuid4().hex[:6]
    phone = "137" + str(int(tag, 16) % 10**8).zfill(8)
    password = "password-" + tag
    async with httpx.AsyncClient(base_url=demo_server["base_url"]) as client:
        owner = await _login(client, "13800000001", demo_server["password"])
        org = (await client.get("/api/v1/me", headers=owner)).json()["memberships"][0]["org_id"]
        root = (await client.get(f"/api/v1/orgs/{org}", headers=owner)).json()["root_department_id"]
        dept = (await client.post(f"/api/v1/orgs/{org}/departments", headers=owner, json={"name": f"报销组{tag}", "parent_id": root})).json()
        members = (await client.get(f"/api/v1/orgs/{org}/members", headers=owner, params={"q": "杨磊"})).json()["items"]
        manager_id = members[0]["id"]
        r = await client.put(f"/api/v1/orgs/{org}/departments/{dept['id']}/managers", headers=owner, json={"member_ids": [manager_id]})
        assert r.status_code == 200, r.text
        r = await client.post(f"/api/v1/orgs/{org}/members", headers=owner, json={
            "name": f"报销人{tag}", "phone": phone, "department_ids": [dept["id"]], "password": password})
        assert r.status_code == 201, r.text

    member = await new_context()
    await sign_in_through_api(member, phone, password, route="approval")
    await member.get_by_test_id("start-reimbursement").click()
    form = member.get_by_test_id("approval-form")
    # The flow is resolved before submitting: the department's manager.
    await expect(member.get_by_test_id("flow-approver")).to_have_text(["杨磊"])
    rows = member.get_by_test_id("rows-items")
    await rows.get_by_label("费用项目").fill("打车")
    await rows.get_by_label("金额（元）").fill("86.50")
    await member.get_by_test_id("add-row-invoices").click()
    invoices = member.get_by_test_id("rows-invoices")
    await invoices.get_by_label("发票代码").fill("0440019" + tag[:4].upper())
    await invoices.get_by_label("发票号码").fill(str(int(tag, 16)))
    await invoices.get_by_label("开票日期").fill("2026-11-20")
    await invoices.get_by_label("金额").fill("86.50")
    await form.get_by_test_id("submit-approval").click()
    page = member.get_by_test_id("approval-page")
    await expect(page.get_by_test_id("status")).to_have_text("审批中")
    await expect(page.get_by_text("¥86.50")).to_be_visible()

    manager = await new_context()
    await sign_in_through_api(manager, MANAGER, demo_server["password"], route="chat")
    await manager.get_by_test_id("conversation-list").locator(".conv-item", has_text=f"报销人{tag}").get_by_role("link").click()
    card = manager.get_by_test_id("messages").get_by_test_id("card").filter(has_text="报销")
    await card.get_by_role("button", name="同意").click()
    await expect(manager.locator(".toast").filter(has_text="已同意")).to_be_visible()

    # The member's open page turns to 已通过 by itself (realtime), with the decision in the timeline.
    await expect(page.get_by_test_id("status")).to_have_text("已通过")
    await expect(page.get_by_test_id("timeline").locator("li[data-action=approve]")).to_contain_text("杨磊")
    await member.goto("/#/approval/submitted")
    await expect(member.get_by_test_id("approval-list").locator(".approval-row").first).to_contain_text("已通过")
    assert member.js_errors == [] and manager.js_errors == []  # type: ignore[attr-defined]
