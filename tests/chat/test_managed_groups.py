"""Department groups (部门群) and the all-staff group (全员群) follow the directory."""

import csv
import io
from typing import Any

from sqlalchemy import event

from tests.chat.conftest import account_of, send
from tests.helpers import Api


async def mine(api: Api, managed: str, department_id: int | None = None) -> dict[str, Any] | None:
    for c in (await api.get(api.org("/conversations")))["items"]:
        if c["managed"] == managed and (department_id is None or c["department_id"] == department_id):
            return c  # type: ignore[no-any-return]
    return None


async def member_ids(api: Api, conversation_id: int) -> list[int]:
    r = await api.get(api.org(f"/conversations/{conversation_id}/members"), params={"limit": 100})
    return [m["member_id"] for m in r["items"]]


async def system_lines(api: Api, conversation_id: int) -> list[tuple[str, list[int]]]:
    r = await api.get(api.org(f"/conversations/{conversation_id}/messages"), params={"limit": 100})
    return [(m["content"]["action"], m["content"].get("member_ids", [])) for m in r["items"] if m["kind"] == "system"]


async def enable(api: Api, department_id: int, expect: int = 200) -> Any:
    return await api.put(api.org(f"/departments/{department_id}/group"), json={"enabled": True}, expect=expect)


class TestAllStaff:
    async def test_created_with_the_org_and_kept_in_step(self, cast, client, captured_events):
        alice, bob, carol, eve, dave = (cast[n] for n in ("alice", "bob", "carol", "eve", "dave"))
        staff = await mine(alice, "all_staff")
        assert staff is not None and staff["kind"] == "group" and staff["owner_member_id"] is None
        assert staff["member_count"] == 4
        assert sorted(await member_ids(alice, staff["id"])) == sorted(p.member_id for p in (alice, bob, carol, eve))
        # globex has its own, with dave alone
        theirs = await mine(dave, "all_staff")
        assert theirs is not None and theirs["id"] != staff["id"] and theirs["member_count"] == 1
        assert await member_ids(dave, theirs["id"]) == [dave.member_id]

        # a new member joins it, with the events to the right accounts
        created = await alice.post(
            alice.org("/members"), json={"name": "frank", "phone": "13900000006", "password": "password-frank"}, expect=201
        )
        frank = await Api.login(client, "13900000006", "password-frank")
        frank.org_id, frank.member_id = alice.org_id, created["member"]["id"]
        frank_account = await account_of(frank)
        others = {await account_of(p) for p in (alice, bob, carol, eve)}
        [add] = captured_events.of("conversation", "add")
        assert add.to_accounts == (frank_account,) and add.data["conversation"]["id"] == staff["id"]
        [members_add] = captured_events.of("conversation_member", "add")
        assert set(members_add.to_accounts) == others | {frank_account}
        assert members_add.data["change"]["member_ids"] == [frank.member_id]
        assert {e.org_id for e in captured_events.events} == {alice.org_id}
        assert (await mine(frank, "all_staff"))["member_count"] == 5  # type: ignore[index]
        assert ("members_joined", [frank.member_id]) in await system_lines(alice, staff["id"])
        assert (await mine(dave, "all_staff"))["member_count"] == 1  # type: ignore[index]

        # deactivation removes, reactivation brings back
        captured_events.clear()
        bob_account = await account_of(bob)
        await alice.post(alice.org(f"/members/{bob.member_id}/deactivate"))
        assert bob.member_id not in await member_ids(alice, staff["id"])
        [removed] = captured_events.of("conversation", "remove")
        assert removed.to_accounts == (bob_account,) and removed.data["removed"]["conversation_id"] == staff["id"]
        [members_remove] = captured_events.of("conversation_member", "remove")
        assert set(members_remove.to_accounts) == (others - {bob_account}) | {frank_account}
        assert ("members_left", [bob.member_id]) in await system_lines(alice, staff["id"])
        await alice.post(alice.org(f"/members/{bob.member_id}/reactivate"))
        assert bob.member_id in await member_ids(alice, staff["id"])
        assert (await mine(bob, "all_staff"))["member_count"] == 5  # type: ignore[index]

        # everyone can talk in it
        await send(carol, staff["id"], "大家好")

    async def test_manual_changes_refused(self, cast):
        alice, bob, dave = cast["alice"], cast["bob"], cast["dave"]
        staff = await mine(alice, "all_staff")
        assert staff is not None
        path = alice.org(f"/conversations/{staff['id']}")
        r = await alice.post(path + "/members", json={"member_ids": [dave.member_id]}, expect=400)
        assert r["code"] == "managed_group"
        r = await alice.delete(path + f"/members/{bob.member_id}", expect=400)
        assert r["code"] == "managed_group"
        r = await bob.post(path + "/leave", expect=400)
        assert r["code"] == "managed_group"
        r = await alice.delete(path + f"/members/{bob.member_id}", expect=400)
        assert r["code"] == "managed_group"
        assert (await mine(bob, "all_staff"))["member_count"] == 4  # type: ignore[index]

    async def test_import_joins_in_bulk(self, app, cast):
        alice = cast["alice"]
        rows = [[f"员工{i}", f"137{i:08d}", "", "", "", "研发部/后端组", "", ""] for i in range(500)]
        text = io.StringIO()
        csv.writer(text).writerows([["姓名", "手机号", "邮箱", "职位", "工号", "部门", "直属主管", "入职日期"], *rows])
        # the department group of 研发部 is on: the new sub-department's members join it too
        rd_group = await enable(alice, alice.refs["rd"])
        statements: list[str] = []

        def count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            statements.append(statement)

        engine = app.state.engine.sync_engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            report = await alice.post(
                alice.org("/members/import"),
                files={"file": ("people.csv", text.getvalue().encode("utf-8-sig"), "application/octet-stream")},
            )
        finally:
            event.remove(engine, "before_cursor_execute", count)
        assert report["created"] == 500
        chat = [s for s in statements if "chat_" in s]
        # a few diffs, multi-row inserts and system lines per group, never one per member
        assert len(chat) < 60, len(chat)
        staff = await mine(alice, "all_staff")
        assert staff is not None and staff["member_count"] == 504
        total = (await alice.get(alice.org(f"/conversations/{staff['id']}/members"), params={"limit": 1}))["total"]
        assert total == 504
        group = await mine(alice, "department", alice.refs["rd"])
        assert group is None  # alice is in the root, not in 研发部
        bob_view = await mine(cast["bob"], "department", alice.refs["rd"])
        assert bob_view is not None and bob_view["id"] == rd_group["id"] and bob_view["member_count"] == 502
        # one system line per group for the whole import, naming at most 100 with the count
        lines = (await cast["bob"].get(cast["bob"].org(f"/conversations/{staff['id']}/messages"), params={"limit": 100}))["items"]
        bulk = [m["content"] for m in lines if m["kind"] == "system" and m["content"].get("count") == 500]
        assert len(bulk) == 1 and len(bulk[0]["member_ids"]) == 100


class TestDepartmentGroups:
    async def test_follows_the_department_and_its_subtree(self, cast, client, captured_events):
        alice, bob, carol, eve = cast["alice"], cast["bob"], cast["carol"], cast["eve"]
        rd = alice.refs["rd"]
        group = await enable(alice, rd)
        assert (group["managed"], group["department_id"], group["name"], group["member_count"]) == ("department", rd, "研发部", 2)
        assert sorted(await member_ids(bob, group["id"])) == sorted([bob.member_id, eve.member_id])
        assert await mine(carol, "department") is None
        assert (await enable(alice, rd))["id"] == group["id"]  # idempotent

        # a member of a sub-department joins the group
        sub = await alice.post(alice.org("/departments"), json={"name": "后端组", "parent_id": rd}, expect=201)
        created = await alice.post(
            alice.org("/members"),
            json={"name": "frank", "phone": "13900000006", "department_ids": [sub["id"]], "password": "password-frank"},
            expect=201,
        )
        frank_id = created["member"]["id"]
        assert frank_id in await member_ids(bob, group["id"])

        # moving carol in joins, moving bob out leaves (with conversation/remove to bob only)
        captured_events.clear()
        await alice.patch(alice.org(f"/members/{carol.member_id}"), json={"department_ids": [rd]})
        assert carol.member_id in await member_ids(bob, group["id"])
        assert (await mine(carol, "department", rd)) is not None
        captured_events.clear()
        await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"department_ids": [alice.refs["mk"]]})
        [removed] = captured_events.of("conversation", "remove")
        assert removed.to_accounts == (await account_of(bob),)
        assert bob.member_id not in await member_ids(eve, group["id"])
        r = await bob.get(bob.org(f"/conversations/{group['id']}"), expect=404)
        assert r["code"] == "conversation_not_found"

        # deactivation leaves, reactivation returns
        await alice.post(alice.org(f"/members/{eve.member_id}/deactivate"))
        assert eve.member_id not in await member_ids(carol, group["id"])
        await alice.post(alice.org(f"/members/{eve.member_id}/reactivate"))
        assert eve.member_id in await member_ids(carol, group["id"])

        # rename follows
        captured_events.clear()
        await alice.patch(alice.org(f"/departments/{rd}"), json={"name": "研发中心"})
        assert (await mine(eve, "department", rd))["name"] == "研发中心"  # type: ignore[index]
        [update] = [e for e in captured_events.of("conversation", "update") if e.data["conversation"]["name"] == "研发中心"]
        assert {await account_of(p) for p in (carol, eve)} <= set(update.to_accounts)
        assert await account_of(bob) not in update.to_accounts and len(update.to_accounts) == 3  # carol, eve, frank
        assert ("renamed", []) in await system_lines(eve, group["id"])

        # moving the sub-department away takes its members out of 研发中心's group
        await alice.patch(alice.org(f"/departments/{sub['id']}"), json={"parent_id": alice.refs["mk"]})
        assert frank_id not in await member_ids(eve, group["id"])
        # the sub-department's own group; deleting the department dissolves it
        sub_group = await enable(alice, sub["id"])
        assert sub_group["member_count"] == 1
        await alice.patch(alice.org(f"/members/{frank_id}"), json={"department_ids": [alice.refs["mk"]]})
        await alice.delete(alice.org(f"/departments/{sub['id']}"), expect=204)
        r = await alice.put(alice.org(f"/departments/{sub['id']}/group"), json={"enabled": True}, expect=404)
        # turning a group off dissolves it; members keep it (read-only) and may now leave it
        assert await alice.put(alice.org(f"/departments/{rd}/group"), json={"enabled": False}) is None
        view = await mine(eve, "department", rd)
        assert view is not None and view["dissolved"]
        await send(eve, group["id"], "还在吗", expect=409)
        await eve.post(eve.org(f"/conversations/{group['id']}/leave"), expect=204)

    async def test_manual_changes_refused_and_permissions(self, cast):
        alice, bob, carol, eve, dave = (cast[n] for n in ("alice", "bob", "carol", "eve", "dave"))
        rd = alice.refs["rd"]
        r = await bob.put(bob.org(f"/departments/{rd}/group"), json={"enabled": True}, expect=403)
        group = await enable(alice, rd)
        path = bob.org(f"/conversations/{group['id']}")
        for call in (
            bob.post(path + "/members", json={"member_ids": [carol.member_id]}, expect=400),
            bob.delete(path + f"/members/{eve.member_id}", expect=400),
            bob.post(path + "/leave", expect=400),
        ):
            assert (await call)["code"] == "managed_group"
        r = await bob.patch(path, json={"name": "改名"}, expect=None)
        assert bob.last.status_code in (400, 403) and r["code"] in ("managed_group", "group_admin_required")
        assert (await mine(bob, "department", rd))["member_count"] == 2  # type: ignore[index]

    async def test_tenancy(self, cast, captured_events):
        alice, dave = cast["alice"], cast["dave"]
        # another organization's department ids do nothing
        r = await dave.put(dave.org(f"/departments/{alice.refs['rd']}/group"), json={"enabled": True}, expect=404)
        assert r["code"] == "department_not_found"
        await dave.put(alice.org(f"/departments/{alice.refs['rd']}/group"), json={"enabled": True}, expect=None)
        assert dave.last.status_code in (403, 404)
        assert await mine(cast["bob"], "department") is None
        # globex's own root group holds dave alone
        group = await enable(dave, dave.refs["globex_root"])
        assert group["member_count"] == 1
        assert all(e.org_id == dave.org_id for e in captured_events.events)
        assert await mine(alice, "department") is None
