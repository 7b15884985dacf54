"""A new account: sign up, create an organization, turn on two-step verification, sign in with it."""

import time

import pyotp
import pytest
from playwright.async_api import Page, expect

from tests.e2e.flows import sign_in, sign_out

pytestmark = pytest.mark.e2e


async def test_sign_up_create_org_and_sign_in_with_totp(page: Page) -> None:
    await page.goto("/#/signup")
    form = page.get_by_test_id("signup-form")
    await form.get_by_label("姓名", exact=True).fill("孙创业")
    await form.get_by_label("邮箱", exact=True).fill("founder@e2e.tack")
    await form.get_by_label("密码", exact=True).fill("founder-2026")
    await form.get_by_role("button", name="注册").click()

    await expect(page.get_by_role("heading", name="你还没有加入任何组织")).to_be_visible()
    create = page.get_by_test_id("create-org-form")
    await create.get_by_label("组织名称").fill("新创工作室")
    await create.get_by_role("button", name="创建组织").click()
    await expect(page.get_by_test_id("dept-tree")).to_contain_text("新创工作室")
    await expect(page.get_by_test_id("member-list")).to_contain_text("孙创业")

    await page.get_by_role("navigation", name="导航").get_by_role("link", name="我的").click()
    totp_card = page.get_by_test_id("totp-card")
    await totp_card.get_by_role("button", name="开启两步验证").click()
    secret = await totp_card.get_by_test_id("totp-secret").text_content()
    await expect(totp_card.get_by_test_id("totp-uri")).to_contain_text(f"secret={secret}")
    await totp_card.get_by_label("两步验证码").fill(pyotp.TOTP(secret).now())
    await totp_card.get_by_role("button", name="验证并开启").click()
    await expect(totp_card).to_contain_text("已开启")

    await sign_out(page)
    await sign_in(page, "founder@e2e.tack", "founder-2026")
    await expect(page.get_by_role("alert")).to_have_text("请输入两步验证码")
    # The code that turned it on is spent (no replays); the next step's code is within the
    # server's one-step allowance for clock drift.
    await page.get_by_label("两步验证码").fill(pyotp.TOTP(secret).at(time.time() + 30))
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_test_id("dept-tree")).to_contain_text("新创工作室")
