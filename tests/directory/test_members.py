"""Members: add, edit, departments, direct managers, deactivation."""

import httpx

from tests.helpers import Api


async def login(client: httpx.AsyncClient, login_: str, password: str) -> int:
    client.cookies.clear()
    return (await client.post("/api/v1/auth/login", json={"login": login_, "password": password})).status_code


async def names(api: Api, **params) -> set[str]:
    return {m["name"] for m in (await api.get(api.org("/members"), params=params))["items"]}


class TestAddMember:
    async def test_new_account_gets_a_first_password(self, cast, client):
        alice = cast["alice"]
        created = await alice.post(
            alice.org("/members"),
            json={"name": "王五", "phone": "13700000001", "job_title": "工程师", "department_ids": [alice.refs["rd"]]},
            expect=201,
        )
        member = created["member"]
        assert (member["name"], member["phone"], member["job_title"], member["role"], member["active"]) == (
            "王五", "13700000001", "工程师", "member", True)
        assert member["department_ids"] == [alice.refs["rd"]]
        assert member["has_account"] is True
        password = created["initial_password"]
        assert password and len(password) >= 8
        assert await login(client, "13700000001", password) == 200
        assert "王五" in await names(cast["eve"], department_id=alice.refs["rd"])

    async def test_given_password_is_not_echoed(self, cast, client):
        alice = cast["alice"]
        created = await alice.post(
            alice.org("/members"), json={"name": "赵六", "email": "zhao@example.com", "password": "chosen-pass"}, expect=201
        )
        assert created["initial_password"] is None
        assert await login(client, "zhao@example.com", "chosen-pass") == 200

    async def test_weak_given_password(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/members"), json={"name": "弱", "phone": "13700000002", "password": "123"}, expect=422)
        assert r["code"] == "weak_password"
        assert "弱" not in await names(alice)

    async def test_existing_account_is_linked_without_password(self, cast, client):
        alice = cast["alice"]
        created = await alice.post(alice.org("/members"), json={"name": "Dave", "phone": "13900000004"}, expect=201)
        assert created["initial_password"] is None
        assert created["member"]["has_account"] is True
        # Dave's own password still works, and he now belongs to both organizations.
        assert await login(client, "13900000004", "password-123") == 200
        orgs = {m["org_id"] for m in (await cast["dave"].get("/api/v1/me"))["memberships"]}
        assert orgs == {alice.org_id, cast["dave"].org_id}

    async def test_existing_account_given_password_is_ignored(self, cast, client):
        alice = cast["alice"]
        await alice.post(alice.org("/members"), json={"name": "Dave", "phone": "13900000004", "password": "taken-over"}, expect=201)
        assert await login(client, "13900000004", "taken-over") == 401
        assert await login(client, "13900000004", "password-123") == 200

    async def test_defaults_to_the_root_department(self, cast):
        alice = cast["alice"]
        created = await alice.post(alice.org("/members"), json={"name": "根", "phone": "13700000003"}, expect=201)
        assert created["member"]["department_ids"] == [alice.refs["root"]]

    async def test_several_departments(self, cast):
        alice = cast["alice"]
        created = await alice.post(
            alice.org("/members"),
            json={"name": "双", "phone": "13700000004", "department_ids": [alice.refs["rd"], alice.refs["mk"], alice.refs["rd"]]},
            expect=201,
        )
        assert sorted(created["member"]["department_ids"]) == sorted([alice.refs["rd"], alice.refs["mk"]])
        assert "双" in await names(alice, department_id=alice.refs["mk"])
        assert "双" in await names(alice, department_id=alice.refs["rd"])

    async def test_contact_required(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/members"), json={"name": "无"}, expect=400)
        assert r["code"] == "contact_required"

    async def test_phone_taken_in_this_org(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/members"), json={"name": "冒名", "phone": "13900000002"}, expect=409)
        assert r["code"] == "phone_taken"
        assert "冒名" not in await names(alice)

    async def test_same_phone_in_another_org(self, cast):
        dave, bob = cast["dave"], cast["bob"]
        created = await dave.post(dave.org("/members"), json={"name": "Bob at Globex", "phone": "13900000002"}, expect=201)
        assert created["initial_password"] is None
        assert dave.org_id in {m["org_id"] for m in (await bob.get("/api/v1/me"))["memberships"]}

    async def test_email_taken(self, cast):
        alice = cast["alice"]
        await alice.post(alice.org("/members"), json={"name": "甲", "email": "jia@example.com"}, expect=201)
        r = await alice.post(alice.org("/members"), json={"name": "乙", "email": "JIA@example.com"}, expect=409)
        assert r["code"] == "email_taken"

    async def test_employee_no_taken(self, cast):
        alice = cast["alice"]
        await alice.post(alice.org("/members"), json={"name": "甲", "phone": "13700000005", "employee_no": "E001"}, expect=201)
        r = await alice.post(alice.org("/members"), json={"name": "乙", "phone": "13700000006", "employee_no": "E001"}, expect=409)
        assert r["code"] == "employee_no_taken"
        # Another organization may use the same number.
        dave = cast["dave"]
        await dave.post(dave.org("/members"), json={"name": "丙", "phone": "13700000007", "employee_no": "E001"}, expect=201)

    async def test_account_already_a_member(self, cast):
        # Bob's profile here now has another phone, but his account (by its phone) is still a member.
        alice, bob = cast["alice"], cast["bob"]
        await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"phone": "13711111111"})
        r = await alice.post(alice.org("/members"), json={"name": "Bob again", "phone": "13900000002"}, expect=409)
        assert r["code"] == "already_member"

    async def test_unknown_department(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/members"), json={"name": "X", "phone": "13700000008", "department_ids": [987654321]}, expect=404)
        assert r["code"] == "department_not_found"

    async def test_hire_date(self, cast):
        alice = cast["alice"]
        created = await alice.post(alice.org("/members"), json={"name": "新人", "phone": "13700000009", "hire_date": "2024-03-01"}, expect=201)
        assert created["member"]["hire_date"] == "2024-03-01"
        fetched = await cast["eve"].get(alice.org(f"/members/{created['member']['id']}"))
        assert fetched["hire_date"] == "2024-03-01"

    async def test_bad_hire_date(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/members"), json={"name": "X", "phone": "13700000010", "hire_date": "2024-02-30"}, expect=422)
        assert r["code"] == "validation_error"

    async def test_member_forbidden(self, cast):
        eve = cast["eve"]
        r = await eve.post(eve.org("/members"), json={"name": "X", "phone": "13700000011", "department_ids": [eve.refs["rd"]]}, expect=403)
        assert r["code"] == "forbidden"


class TestGetMember:
    async def test_profile(self, cast):
        eve, bob = cast["eve"], cast["bob"]
        profile = await eve.get(eve.org(f"/members/{bob.member_id}"))
        assert (profile["id"], profile["name"], profile["phone"], profile["department_ids"]) == (
            bob.member_id, "bob", "13900000002", [eve.refs["rd"]])

    async def test_unknown(self, cast):
        eve = cast["eve"]
        r = await eve.get(eve.org("/members/987654321"), expect=404)
        assert r["code"] == "member_not_found"


class TestUpdateMember:
    async def test_edit_profile(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        updated = await alice.patch(
            alice.org(f"/members/{bob.member_id}"),
            json={"name": "鲍勃", "job_title": "架构师", "email": "bob@example.com", "employee_no": "E100", "hire_date": "2020-01-02"},
        )
        assert (updated["name"], updated["job_title"], updated["email"], updated["employee_no"], updated["hire_date"]) == (
            "鲍勃", "架构师", "bob@example.com", "E100", "2020-01-02")
        assert updated["phone"] == "13900000002"
        assert "鲍勃" in await names(cast["carol"], q="baobo")

    async def test_move_to_several_departments(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        updated = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"department_ids": [alice.refs["mk"], alice.refs["rd"]]})
        assert sorted(updated["department_ids"]) == sorted([alice.refs["mk"], alice.refs["rd"]])
        updated = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"department_ids": [alice.refs["mk"]]})
        assert updated["department_ids"] == [alice.refs["mk"]]
        assert "bob" not in await names(alice, department_id=alice.refs["rd"])

    async def test_no_departments(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        r = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"department_ids": []}, expect=422)
        assert r["code"] == "validation_error"

    async def test_phone_taken(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        r = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"phone": "13900000003"}, expect=409)
        assert r["code"] == "phone_taken"
        assert (await alice.get(alice.org(f"/members/{bob.member_id}")))["phone"] == "13900000002"

    async def test_keeping_own_phone_is_no_conflict(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        updated = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"phone": "13900000002", "name": "bob"})
        assert updated["phone"] == "13900000002"

    async def test_employee_no_taken(self, cast):
        alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
        await alice.patch(alice.org(f"/members/{eve.member_id}"), json={"employee_no": "E7"})
        r = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"employee_no": "E7"}, expect=409)
        assert r["code"] == "employee_no_taken"

    async def test_removing_the_last_contact(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        r = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"phone": None}, expect=400)
        assert r["code"] == "contact_required"
        await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"email": "bob@example.com"})
        updated = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"phone": None})
        assert (updated["phone"], updated["email"]) == (None, "bob@example.com")

    async def test_unknown_department(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        r = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"department_ids": [987654321]}, expect=404)
        assert r["code"] == "department_not_found"

    async def test_unknown_member(self, cast):
        alice = cast["alice"]
        r = await alice.patch(alice.org("/members/987654321"), json={"name": "X"}, expect=404)
        assert r["code"] == "member_not_found"

    async def test_member_cannot_edit_a_colleague(self, cast):
        eve, bob = cast["eve"], cast["bob"]
        r = await eve.patch(eve.org(f"/members/{bob.member_id}"), json={"job_title": "实习生"}, expect=403)
        assert r["code"] == "forbidden"
        assert (await eve.get(eve.org(f"/members/{bob.member_id}")))["job_title"] is None


class TestDirectManager:
    async def test_set_and_clear(self, cast):
        alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
        updated = await alice.patch(alice.org(f"/members/{eve.member_id}"), json={"manager_id": bob.member_id})
        assert updated["manager_id"] == bob.member_id
        updated = await alice.patch(alice.org(f"/members/{eve.member_id}"), json={"manager_id": None})
        assert updated["manager_id"] is None

    async def test_on_add(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        created = await alice.post(alice.org("/members"), json={"name": "下属", "phone": "13700000020", "manager_id": bob.member_id}, expect=201)
        assert created["member"]["manager_id"] == bob.member_id

    async def test_cycle(self, cast):
        alice, bob, eve, carol = cast["alice"], cast["bob"], cast["eve"], cast["carol"]
        await alice.patch(alice.org(f"/members/{eve.member_id}"), json={"manager_id": bob.member_id})
        await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"manager_id": carol.member_id})
        r = await alice.patch(alice.org(f"/members/{carol.member_id}"), json={"manager_id": eve.member_id}, expect=400)
        assert r["code"] == "manager_cycle"
        assert (await alice.get(alice.org(f"/members/{carol.member_id}")))["manager_id"] is None

    async def test_self(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        r = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"manager_id": bob.member_id}, expect=400)
        assert r["code"] == "manager_cycle"

    async def test_unknown_manager(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        r = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"manager_id": 987654321}, expect=404)
        assert r["code"] == "member_not_found"

    async def test_deactivated_manager(self, cast):
        alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
        await alice.post(alice.org(f"/members/{eve.member_id}/deactivate"))
        r = await alice.patch(alice.org(f"/members/{bob.member_id}"), json={"manager_id": eve.member_id}, expect=400)
        assert r["code"] == "member_inactive"


class TestDeactivate:
    async def test_member_loses_access(self, cast):
        alice, eve = cast["alice"], cast["eve"]
        member = await alice.post(alice.org(f"/members/{eve.member_id}/deactivate"))
        assert member["active"] is False
        r = await eve.get(eve.org("/members"), expect=404)
        assert r["code"] == "org_not_found"
        r = await eve.post(eve.org("/invitations"), json={}, expect=404)
        assert r["code"] == "org_not_found"
        assert (await eve.get("/api/v1/me"))["memberships"] == []

    async def test_hidden_from_members_listed_for_admins(self, cast):
        alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
        await alice.post(alice.org(f"/members/{eve.member_id}/deactivate"))
        assert "eve" not in await names(bob)
        assert "eve" not in await names(bob, include_inactive="true")
        r = await bob.get(bob.org(f"/members/{eve.member_id}"), expect=404)
        assert r["code"] == "member_not_found"
        assert "eve" not in await names(alice)
        listed = {m["name"]: m for m in (await alice.get(alice.org("/members"), params={"include_inactive": "true"}))["items"]}
        assert listed["eve"]["active"] is False

    async def test_history_kept(self, cast):
        alice, eve = cast["alice"], cast["eve"]
        await alice.post(alice.org(f"/members/{eve.member_id}/deactivate"))
        profile = await alice.get(alice.org(f"/members/{eve.member_id}"))
        assert (profile["name"], profile["phone"], profile["department_ids"], profile["active"]) == (
            "eve", "13900000005", [alice.refs["rd"]], False)
        audit = (await alice.get(alice.org("/audit")))["items"]
        assert audit[0]["action"] == "member.deactivate" and audit[0]["target_id"] == eve.member_id
        # The deactivated member still occupies the department.
        await alice.delete(alice.org(f"/departments/{alice.refs['rd']}"), expect=409)

    async def test_not_self(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org(f"/members/{alice.member_id}/deactivate"), expect=400)
        assert r["code"] == "cannot_deactivate_self"

    async def test_not_the_last_owner(self, roles):
        carol, alice = roles["carol"], roles["alice"]
        r = await carol.post(carol.org(f"/members/{alice.member_id}/deactivate"), expect=409)
        assert r["code"] == "last_owner"
        await alice.get(alice.org())

    async def test_twice_is_harmless(self, cast):
        alice, eve = cast["alice"], cast["eve"]
        await alice.post(alice.org(f"/members/{eve.member_id}/deactivate"))
        member = await alice.post(alice.org(f"/members/{eve.member_id}/deactivate"))
        assert member["active"] is False

    async def test_member_forbidden(self, cast):
        bob, eve = cast["bob"], cast["eve"]
        r = await bob.post(bob.org(f"/members/{eve.member_id}/deactivate"), expect=403)
        assert r["code"] == "forbidden"
        await eve.get(eve.org())


class TestReactivate:
    async def test_access_returns(self, cast):
        alice, eve, bob = cast["alice"], cast["eve"], cast["bob"]
        await alice.post(alice.org(f"/members/{eve.member_id}/deactivate"))
        member = await alice.post(alice.org(f"/members/{eve.member_id}/reactivate"))
        assert member["active"] is True
        await eve.get(eve.org("/members"))
        assert "eve" in await names(bob)
        assert [m["org_id"] for m in (await eve.get("/api/v1/me"))["memberships"]] == [alice.org_id]
