"""The audit log: who did what to which target, when; admins only; paged backwards."""

from datetime import UTC, datetime, timedelta


class TestAuditLog:
    async def test_admin_actions_are_recorded(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        before = datetime.now(UTC) - timedelta(seconds=5)
        team = await alice.post(alice.org("/departments"), json={"name": "后端组", "parent_id": alice.refs["rd"]}, expect=201)
        await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"job_title": "架构师"})
        await alice.put(alice.org(f"/members/{bob.member_id}/role"), json={"role": "subadmin", "scope_department_ids": [alice.refs["rd"]]})
        await alice.post(alice.org(f"/members/{cast['eve'].member_id}/deactivate"))
        await alice.patch(alice.org(), json={"timezone": "Asia/Tokyo"})
        await alice.post(alice.org("/invitations"), json={}, expect=201)
        entries = (await alice.get(alice.org("/audit")))["items"]
        recent = [(e["action"], e["target_type"], e["target_id"], e["target_name"]) for e in entries[:6]]
        assert recent == [
            ("invitation.create", "invitation", recent[0][2], ""),
            ("org.update", "org", alice.org_id, "Acme 顶点"),
            ("member.deactivate", "member", cast["eve"].member_id, "eve"),
            ("member.set_role", "member", bob.member_id, "bob"),
            ("member.update", "member", bob.member_id, "bob"),
            ("department.create", "department", team["id"], "后端组"),
        ]
        for e in entries[:6]:
            assert (e["actor_member_id"], e["actor_name"]) == (alice.member_id, "Alice 艾丽斯")
            assert datetime.fromisoformat(e["created_at"]) >= before
        assert entries[4]["detail"] == {"job_title": ["None", "架构师"]}
        assert entries[3]["detail"] == {"role": ["member", "subadmin"], "scope_department_ids": [alice.refs["rd"]]}

    async def test_the_actor_is_whoever_acted(self, roles):
        bob = roles["bob"]
        await bob.patch(bob.org(f"/members/{roles['eve'].member_id}"), json={"job_title": "组长"})
        entry = (await roles["alice"].get(roles["alice"].org("/audit")))["items"][0]
        assert (entry["action"], entry["actor_member_id"], entry["actor_name"]) == ("member.update", bob.member_id, "bob")

    async def test_failed_actions_leave_no_entry(self, cast):
        alice = cast["alice"]
        first = (await alice.get(alice.org("/audit")))["items"][0]["id"]
        await alice.delete(alice.org(f"/departments/{alice.refs['rd']}"), expect=409)
        await alice.patch(alice.org(), json={"timezone": "Nowhere"}, expect=400)
        assert (await alice.get(alice.org("/audit")))["items"][0]["id"] == first

    async def test_members_are_forbidden(self, cast):
        r = await cast["eve"].get(cast["eve"].org("/audit"), expect=403)
        assert r["code"] == "forbidden"

    async def test_paging_with_before_id(self, cast):
        alice = cast["alice"]
        for i in range(5):
            await alice.patch(alice.org(f"/departments/{alice.refs['mk']}"), json={"sort_order": i + 1})
        everything = (await alice.get(alice.org("/audit"), params={"limit": 100}))["items"]
        assert everything[0]["id"] > everything[-1]["id"]
        seen, before = [], None
        while True:
            params = {"limit": 3, **({"before_id": before} if before else {})}
            page = await alice.get(alice.org("/audit"), params=params)
            assert len(page["items"]) <= 3
            seen.extend(e["id"] for e in page["items"])
            before = page["next_before_id"]
            if before is None:
                break
            assert before == page["items"][-1]["id"]
        assert seen == [e["id"] for e in everything]

    async def test_limit_bounds(self, cast):
        alice = cast["alice"]
        for limit in (0, 101):
            r = await alice.get(alice.org("/audit"), params={"limit": limit}, expect=422)
            assert r["code"] == "validation_error"
