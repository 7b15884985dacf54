"""Attendance over DingTalk's API with the real dingtalk-sdk: punches (/attendance/listRecord)
and daily results (/attendance/list) in DingTalk's shapes, DingTalk's codes for bad input, and
another organization's app that sees nothing."""

from datetime import timedelta

import pytest
from dingtalk.core.exceptions import DingTalkClientException

from tests.attendance.conftest import at, local, next_weekday, office, punch  # noqa: F401  (office: fixture)
from tests.compat.conftest import sdk_client
from tests.compat.helpers import create_app, gettoken

SCOPES = ["attendance.read", "contact.read"]


def ms(moment) -> int:  # type: ignore[no-untyped-def]
    return int(moment.timestamp() * 1000)


async def test_records_and_results_through_the_sdk(server, cast, office):  # noqa: F811
    alice, bob, eve, dave = cast["alice"], cast["bob"], cast["eve"], cast["dave"]
    app = await create_app(alice, scopes=SCOPES)
    theirs = await create_app(dave, scopes=SCOPES)
    monday = next_weekday(0)
    with at(local(monday, "09:12")):
        await punch(bob, kind="in")
    with at(local(monday, "08:50")):
        await punch(eve, kind="in")
    with at(local(monday, "17:40")):
        await punch(bob, kind="out")
    with at(local(monday, "18:30")):
        client = sdk_client(server, app)
        users = [str(bob.member_id), str(eve.member_id)]
        day = monday.isoformat()
        records = client.attendance.list_record(users, f"{day} 00:00:00", f"{day} 23:59:59")
        mine = sorted((r["userId"], r["checkType"], r["timeResult"]) for r in records)
        assert mine == sorted([(str(bob.member_id), "OnDuty", "Late"), (str(bob.member_id), "OffDuty", "Early"),
                               (str(eve.member_id), "OnDuty", "Normal")])
        bob_in = next(r for r in records if r["userId"] == str(bob.member_id) and r["checkType"] == "OnDuty")
        assert abs(bob_in["userCheckTime"] - ms(local(monday, "09:12"))) < 60_000
        assert bob_in["workDate"] == ms(local(monday, "00:00")) and bob_in["groupId"] == office["group"]["id"]
        assert bob_in["locationResult"] == "Normal" and bob_in["sourceType"] == "APP"
        # Only the window's punches: the afternoon alone holds bob's check-out.
        later = client.attendance.list_record(users, f"{day} 12:00:00", f"{day} 23:59:59")
        assert [(r["userId"], r["checkType"]) for r in later] == [(str(bob.member_id), "OffDuty")]

        listed = client.attendance.list(f"{day} 00:00:00", f"{day} 00:00:00", users)
        entries = sorted((e["userId"], e["checkType"], e["timeResult"]) for e in listed["recordresult"])
        # eve has not checked out yet and her day is not closed: no OffDuty entry for her.
        assert entries == sorted([(str(bob.member_id), "OnDuty", "Late"), (str(bob.member_id), "OffDuty", "Early"),
                                  (str(eve.member_id), "OnDuty", "Normal")])
        assert listed["hasMore"] is False
        page = client.attendance.list(f"{day} 00:00:00", f"{day} 00:00:00", users, offset=0, limit=2)
        assert len(page["recordresult"]) == 2 and page["hasMore"] is True

        # Bad input: DingTalk's 40035, never a 500 or a token code.
        for call in (
            lambda: client.attendance.list_record(users, f"{day} 00:00:00", (monday + timedelta(days=9)).isoformat() + " 00:00:00"),
            lambda: client.attendance.list_record(users, "yesterday", f"{day} 00:00:00"),
            lambda: client.attendance.list_record(users, "0001-01-01 00:00:00", "0001-01-02 00:00:00"),
            lambda: client.attendance.list_record(["x1"], f"{day} 00:00:00", f"{day} 23:00:00"),
            lambda: client.attendance.list_record([str(i) for i in range(1, 60)], f"{day} 00:00:00", f"{day} 23:00:00"),
            lambda: client.attendance.list(f"{day} 00:00:00", f"{day} 00:00:00", users, limit=51),
            lambda: client.attendance.list(f"{day} 00:00:00", f"{day} 00:00:00", []),
        ):
            with pytest.raises(DingTalkClientException) as failed:
                call()
            assert failed.value.errcode == 40035

        # globex's app asking for acme's members gets nothing.
        other = sdk_client(server, theirs)
        assert other.attendance.list_record(users, f"{day} 00:00:00", f"{day} 23:59:59") == []
        assert other.attendance.list(f"{day} 00:00:00", f"{day} 00:00:00", users)["recordresult"] == []


async def test_scope_is_required(client, cast):
    alice = cast["alice"]
    app = await create_app(alice, scopes=["contact.read"])
    token = await gettoken(client, app)
    r = await client.post("/attendance/list", params={"access_token": token},
                          json={"workDateFrom": "2026-12-07 00:00:00", "workDateTo": "2026-12-07 00:00:00", "userIdList": ["1"]})
    assert r.status_code == 200 and r.json()["errcode"] == 88
    r = await client.post("/attendance/listRecord", params={"access_token": "nope"}, json={})
    assert r.json()["errcode"] == 40014
