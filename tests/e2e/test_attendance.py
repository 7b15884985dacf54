"""考勤 in the browser: a member checks in with geolocation granted to the page, and the
manager sees them on the today board."""

import re
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import expect

from tests.e2e.flows import sign_in_through_api

pytestmark = pytest.mark.e2e

OFFICE = {"lat": 31.2304, "lng": 121.4737}


def _as_owner(http: httpx.Client, demo_server: dict[str, Any]) -> tuple[dict[str, str], str]:
    """The demo owner's auth headers and the attendance API path of their organization."""
    owner = demo_server["logins"]["owner"]
    token = http.post("/api/v1/auth/login", json={"login": owner["login"], "password": demo_server["password"]}).json()["token"]
    headers = {"authorization": f"Bearer {token}"}
    org = http.get("/api/v1/me", headers=headers).json()["memberships"][0]["org_id"]
    return headers, f"/api/v1/orgs/{org}/attendance"


def _set_up_group(demo_server: dict[str, Any], member_id: int) -> None:
    """The owner creates an all-day, every-day group with a 500 m geofence for one member
    (all day and every day so the test means the same whenever it runs)."""
    with httpx.Client(base_url=demo_server["base_url"]) as http:
        headers, api = _as_owner(http, demo_server)
        shift = http.post(f"{api}/shifts", headers=headers, json={"name": "全天班", "start": "00:00", "end": "23:59", "late_grace_minutes": 0}).json()
        group = http.post(f"{api}/groups", headers=headers, json={"name": "浏览器测试组", "shift_id": shift["id"], "rest_weekdays": []})
        assert group.status_code == 201, group.text
        gid = group.json()["id"]
        r = http.put(f"{api}/groups/{gid}/assignment", headers=headers, json={"member_ids": [member_id]})
        assert r.status_code == 200, r.text
        r = http.post(f"{api}/groups/{gid}/places", headers=headers, json={"kind": "geo", "name": "人民广场", **OFFICE, "radius_m": 500})
        assert r.status_code == 201, r.text


async def test_member_checks_in_and_manager_sees_it(new_context: Any, demo_server: dict) -> None:
    member = demo_server["people"]["刘洋"]
    _set_up_group(demo_server, member["member_id"])

    # The manager's board is open before the check-in and catches up by itself.
    manager = await new_context()
    owner = demo_server["logins"]["owner"]
    await sign_in_through_api(manager, owner["login"], demo_server["password"], route="attendance/board")
    row = manager.get_by_test_id("board").locator(f'li[data-member="{member["member_id"]}"]')
    await expect(row).to_have_attribute("data-state", "not_in")

    page = await new_context(geolocation={"latitude": OFFICE["lat"] + 0.0005, "longitude": OFFICE["lng"]}, permissions=["geolocation"])
    await sign_in_through_api(page, member["login"], demo_server["password"], route="attendance/checkin")
    await expect(page.get_by_test_id("position")).to_have_text("已进入考勤范围：人民广场")
    await expect(page.get_by_test_id("me-dot")).to_be_attached()
    await page.get_by_test_id("punch").click()
    await expect(page.get_by_test_id("punches")).to_contain_text("上班")
    await expect(page.get_by_test_id("checkin-result")).to_contain_text("考勤结果")
    await expect(page.get_by_test_id("punch")).to_have_text("下班打卡")

    await expect(row).to_contain_text("刘洋")
    await expect(row).not_to_have_attribute("data-state", "not_in", timeout=45_000)
    await expect(manager.locator('.att-count[data-state="not_in"]')).to_be_visible()


async def test_check_in_reminder_reaches_any_screen(new_context: Any, demo_server: dict) -> None:
    """A group with reminders on: its 上班 reminder (one minute before the shift) reaches the
    member on whatever screen is open, through the durable job and the realtime connection,
    and leads to the 打卡 screen. The shift starts 2½–3½ minutes from now, so the reminder
    falls 30–90 s ahead whatever the time of day."""
    member = demo_server["people"]["赵敏"]
    with httpx.Client(base_url=demo_server["base_url"]) as http:
        headers, api = _as_owner(http, demo_server)
        now = datetime.now(ZoneInfo("Asia/Shanghai"))
        start = (now + timedelta(minutes=2, seconds=30)).replace(second=0, microsecond=0)
        end = start + timedelta(hours=1)
        shift = http.post(f"{api}/shifts", headers=headers, json={
            "name": "提醒测试班", "start": start.strftime("%H:%M"), "end": end.strftime("%H:%M"), "overnight": end.date() != start.date(),
        })
        assert shift.status_code == 201, shift.text
        group = http.post(f"{api}/groups", headers=headers, json={
            "name": "提醒测试组", "shift_id": shift.json()["id"], "rest_weekdays": [], "use_holidays": False,
            "reminders": True, "remind_before_minutes": 1,
        })
        assert group.status_code == 201, group.text
        r = http.put(f"{api}/groups/{group.json()['id']}/assignment", headers=headers, json={"member_ids": [member["member_id"]]})
        assert r.status_code == 200, r.text

    page = await new_context()
    await sign_in_through_api(page, member["login"], demo_server["password"], route="directory")
    reminder = page.get_by_test_id("attendance-reminder")
    await expect(reminder).to_contain_text(f"快上班了，别忘了打卡（{start.strftime('%H:%M')}）", timeout=150_000)
    await reminder.get_by_role("button", name="去打卡").click()
    await expect(page).to_have_url(re.compile(r"#/?attendance"))
    await expect(reminder).to_have_count(0)
