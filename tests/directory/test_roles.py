"""Roles and scope: every permission branch of every admin action.

Uses the `roles` cast: alice owner, carol admin (市场部), bob sub-admin of 研发部, eve member (研发部).
"""

import httpx
import pytest

from tests.helpers import Api

CSV = "姓名,手机号,部门\n导入者,13600000001,研发部\n".encode()


async def login(client: httpx.AsyncClient, login_: str, password: str) -> int:
    client.cookies.clear()
    return (await client.post("/api/v1/auth/login", json={"login": login_, "password": password})).status_code


async def department_names(api: Api) -> set[str]:
    return {d["name"] for d in (await api.get(api.org("/departments")))["items"]}


async def member_names(api: Api) -> set[str]:
    return {m["name"] for m in (await api.get(api.org("/members")))["items"]}


class TestRolesAsSeen:
    async def test_profiles_show_role_and_scope(self, roles):
        alice, bob, carol = roles["alice"], roles["bob"], roles["carol"]
        assert (await alice.get(alice.org(f"/members/{carol.member_id}")))["role"] == "admin"
        profile = await alice.get(alice.org(f"/members/{bob.member_id}"))
        assert (profile["role"], profile["scope_department_ids"]) == ("subadmin", [alice.refs["rd"]])
        assert (await bob.get(bob.org()))["my_role"] == "subadmin"
        # A plain member sees the role, not the scope.
        assert (await roles["eve"].get(alice.org(f"/members/{bob.member_id}")))["scope_department_ids"] == []


class TestCreateDepartmentByRole:
    @pytest.mark.parametrize("who", ["alice", "carol"])
    async def test_owner_and_admin_anywhere(self, roles, who):
        api = roles[who]
        await api.post(api.org("/departments"), json={"name": "新部", "parent_id": api.refs["mk"]}, expect=201)

    async def test_subadmin_inside_scope(self, roles):
        bob = roles["bob"]
        created = await bob.post(bob.org("/departments"), json={"name": "后端组", "parent_id": bob.refs["rd"]}, expect=201)
        # And below what they created, which is inside their scope too.
        await bob.post(bob.org("/departments"), json={"name": "存储", "parent_id": created["id"]}, expect=201)

    @pytest.mark.parametrize("parent", ["mk", "root"])
    async def test_subadmin_outside_scope(self, roles, parent):
        bob = roles["bob"]
        r = await bob.post(bob.org("/departments"), json={"name": "越权", "parent_id": bob.refs[parent]}, expect=403)
        assert r["code"] == "out_of_scope"
        assert "越权" not in await department_names(roles["alice"])

    async def test_member(self, roles):
        eve = roles["eve"]
        r = await eve.post(eve.org("/departments"), json={"name": "越权", "parent_id": eve.refs["rd"]}, expect=403)
        assert r["code"] == "forbidden"


class TestUpdateDepartmentByRole:
    async def test_subadmin_renames_inside_scope(self, roles):
        bob = roles["bob"]
        rd = await bob.patch(bob.org(f"/departments/{bob.refs['rd']}"), json={"name": "研发中心"})
        assert rd["name"] == "研发中心"

    async def test_subadmin_renames_outside_scope(self, roles):
        bob = roles["bob"]
        r = await bob.patch(bob.org(f"/departments/{bob.refs['mk']}"), json={"name": "改"}, expect=403)
        assert r["code"] == "out_of_scope"
        assert "市场部" in await department_names(bob)

    async def test_subadmin_moves_out_of_scope(self, roles):
        bob = roles["bob"]
        child = await bob.post(bob.org("/departments"), json={"name": "后端组", "parent_id": bob.refs["rd"]}, expect=201)
        r = await bob.patch(bob.org(f"/departments/{child['id']}"), json={"parent_id": bob.refs["mk"]}, expect=403)
        assert r["code"] == "out_of_scope"
        assert (await bob.get(bob.org(f"/departments/{child['id']}")))["parent_id"] == bob.refs["rd"]

    async def test_subadmin_moves_in_from_outside(self, roles):
        bob = roles["bob"]
        r = await bob.patch(bob.org(f"/departments/{bob.refs['mk']}"), json={"parent_id": bob.refs["rd"]}, expect=403)
        assert r["code"] == "out_of_scope"

    async def test_admin_moves_anywhere(self, roles):
        carol = roles["carol"]
        moved = await carol.patch(carol.org(f"/departments/{carol.refs['rd']}"), json={"parent_id": carol.refs["mk"]})
        assert moved["parent_id"] == carol.refs["mk"]


class TestDeleteDepartmentByRole:
    async def test_subadmin_inside_scope(self, roles):
        bob = roles["bob"]
        child = await bob.post(bob.org("/departments"), json={"name": "临时", "parent_id": bob.refs["rd"]}, expect=201)
        await bob.delete(bob.org(f"/departments/{child['id']}"), expect=204)

    async def test_subadmin_outside_scope(self, roles):
        alice, bob = roles["alice"], roles["bob"]
        other = await alice.post(alice.org("/departments"), json={"name": "临时", "parent_id": alice.refs["mk"]}, expect=201)
        r = await bob.delete(bob.org(f"/departments/{other['id']}"), expect=403)
        assert r["code"] == "out_of_scope"
        assert "临时" in await department_names(alice)

    async def test_admin(self, roles):
        carol = roles["carol"]
        other = await carol.post(carol.org("/departments"), json={"name": "临时", "parent_id": carol.refs["rd"]}, expect=201)
        await carol.delete(carol.org(f"/departments/{other['id']}"), expect=204)


class TestSetManagersByRole:
    async def test_subadmin_inside_scope(self, roles):
        bob = roles["bob"]
        rd = await bob.put(bob.org(f"/departments/{bob.refs['rd']}/managers"), json={"member_ids": [roles["eve"].member_id]})
        assert rd["manager_ids"] == [roles["eve"].member_id]

    async def test_subadmin_outside_scope(self, roles):
        bob = roles["bob"]
        r = await bob.put(bob.org(f"/departments/{bob.refs['mk']}/managers"), json={"member_ids": [bob.member_id]}, expect=403)
        assert r["code"] == "out_of_scope"

    async def test_admin(self, roles):
        carol = roles["carol"]
        mk = await carol.put(carol.org(f"/departments/{carol.refs['mk']}/managers"), json={"member_ids": [carol.member_id]})
        assert mk["manager_ids"] == [carol.member_id]


class TestAddMemberByRole:
    async def test_subadmin_inside_scope(self, roles):
        bob = roles["bob"]
        created = await bob.post(bob.org("/members"), json={"name": "新研发", "phone": "13600000010", "department_ids": [bob.refs["rd"]]}, expect=201)
        assert created["member"]["department_ids"] == [bob.refs["rd"]]

    @pytest.mark.parametrize("departments", [["mk"], ["rd", "mk"], []])
    async def test_subadmin_outside_scope(self, roles, departments):
        bob = roles["bob"]
        body = {"name": "越权", "phone": "13600000011", "department_ids": [bob.refs[d] for d in departments]}
        r = await bob.post(bob.org("/members"), json=body, expect=403)
        assert r["code"] == "out_of_scope"
        assert "越权" not in await member_names(roles["alice"])

    async def test_admin(self, roles):
        carol = roles["carol"]
        await carol.post(carol.org("/members"), json={"name": "新人", "phone": "13600000012"}, expect=201)

    async def test_member(self, roles):
        eve = roles["eve"]
        r = await eve.post(eve.org("/members"), json={"name": "越权", "phone": "13600000013", "department_ids": [eve.refs["rd"]]}, expect=403)
        assert r["code"] == "forbidden"


class TestUpdateMemberByRole:
    async def test_subadmin_inside_scope(self, roles):
        bob = roles["bob"]
        updated = await bob.patch(bob.org(f"/members/{roles['eve'].member_id}"), json={"job_title": "组长"})
        assert updated["job_title"] == "组长"

    async def test_subadmin_outside_scope(self, roles):
        bob, carol = roles["bob"], roles["carol"]
        r = await bob.patch(bob.org(f"/members/{carol.member_id}"), json={"job_title": "实习"}, expect=403)
        assert r["code"] == "out_of_scope"

    async def test_subadmin_cannot_move_out_of_scope(self, roles):
        bob, eve = roles["bob"], roles["eve"]
        r = await bob.patch(bob.org(f"/members/{eve.member_id}"), json={"department_ids": [bob.refs["mk"]]}, expect=403)
        assert r["code"] == "out_of_scope"
        assert (await bob.get(bob.org(f"/members/{eve.member_id}")))["department_ids"] == [bob.refs["rd"]]

    async def test_subadmin_cannot_edit_an_admin_in_scope(self, roles):
        alice, bob, carol = roles["alice"], roles["bob"], roles["carol"]
        await alice.patch(alice.org(f"/members/{carol.member_id}"), json={"department_ids": [alice.refs["rd"]]})
        r = await bob.patch(bob.org(f"/members/{carol.member_id}"), json={"phone": "13600000099"}, expect=403)
        assert r["code"] == "forbidden"
        assert (await alice.get(alice.org(f"/members/{carol.member_id}")))["phone"] == "13900000003"

    async def test_admin_edits_anyone(self, roles):
        carol, alice = roles["carol"], roles["alice"]
        updated = await carol.patch(carol.org(f"/members/{alice.member_id}"), json={"job_title": "CEO"})
        assert updated["job_title"] == "CEO"


class TestDeactivateByRole:
    async def test_subadmin_inside_scope(self, roles):
        bob, eve = roles["bob"], roles["eve"]
        assert (await bob.post(bob.org(f"/members/{eve.member_id}/deactivate")))["active"] is False
        assert (await bob.post(bob.org(f"/members/{eve.member_id}/reactivate")))["active"] is True

    async def test_subadmin_outside_scope(self, roles):
        bob, carol = roles["bob"], roles["carol"]
        r = await bob.post(bob.org(f"/members/{carol.member_id}/deactivate"), expect=403)
        assert r["code"] == "out_of_scope"

    async def test_admin_cannot_deactivate_an_admin_or_owner(self, roles, client):
        alice, carol = roles["alice"], roles["carol"]
        await alice.put(alice.org(f"/members/{roles['eve'].member_id}/role"), json={"role": "admin"})
        await alice.put(alice.org(f"/members/{roles['bob'].member_id}/role"), json={"role": "owner"})
        for target in (roles["eve"], alice):
            r = await carol.post(carol.org(f"/members/{target.member_id}/deactivate"), expect=403)
            assert r["code"] == "owner_required"
            assert (await alice.get(alice.org(f"/members/{target.member_id}")))["active"] is True

    async def test_owner_deactivates_an_admin(self, roles):
        alice, carol = roles["alice"], roles["carol"]
        assert (await alice.post(alice.org(f"/members/{carol.member_id}/deactivate")))["active"] is False
        await carol.get(carol.org(), expect=404)

    async def test_owner_deactivates_another_owner(self, roles):
        alice, bob = roles["alice"], roles["bob"]
        await alice.put(alice.org(f"/members/{bob.member_id}/role"), json={"role": "owner"})
        assert (await alice.post(alice.org(f"/members/{bob.member_id}/deactivate")))["active"] is False


class TestSetRole:
    async def test_owner_grants_admin(self, roles):
        alice, eve = roles["alice"], roles["eve"]
        member = await alice.put(alice.org(f"/members/{eve.member_id}/role"), json={"role": "admin"})
        assert member["role"] == "admin"
        await eve.post(eve.org("/departments"), json={"name": "新部", "parent_id": eve.refs["mk"]}, expect=201)

    async def test_owner_grants_owner(self, roles):
        alice, eve = roles["alice"], roles["eve"]
        assert (await alice.put(alice.org(f"/members/{eve.member_id}/role"), json={"role": "owner"}))["role"] == "owner"
        # With a second owner the first may step down.
        assert (await alice.put(alice.org(f"/members/{alice.member_id}/role"), json={"role": "member"}))["role"] == "member"
        await alice.post(alice.org("/departments"), json={"name": "X", "parent_id": alice.refs["rd"]}, expect=403)

    @pytest.mark.parametrize("role", ["admin", "owner"])
    async def test_admin_cannot_grant_admin_or_owner(self, roles, role):
        carol, eve = roles["carol"], roles["eve"]
        r = await carol.put(carol.org(f"/members/{eve.member_id}/role"), json={"role": role}, expect=403)
        assert r["code"] == "owner_required"
        assert (await carol.get(carol.org(f"/members/{eve.member_id}")))["role"] == "member"

    async def test_admin_cannot_demote_an_admin_or_owner(self, roles):
        alice, carol, eve = roles["alice"], roles["carol"], roles["eve"]
        await alice.put(alice.org(f"/members/{eve.member_id}/role"), json={"role": "admin"})
        for target in (eve, alice):
            r = await carol.put(carol.org(f"/members/{target.member_id}/role"), json={"role": "member"}, expect=403)
            assert r["code"] == "owner_required"

    async def test_admin_grants_and_revokes_subadmin(self, roles):
        carol, eve = roles["carol"], roles["eve"]
        member = await carol.put(carol.org(f"/members/{eve.member_id}/role"), json={"role": "subadmin", "scope_department_ids": [carol.refs["mk"]]})
        assert (member["role"], member["scope_department_ids"]) == ("subadmin", [carol.refs["mk"]])
        await eve.post(eve.org("/departments"), json={"name": "市场一组", "parent_id": eve.refs["mk"]}, expect=201)
        member = await carol.put(carol.org(f"/members/{eve.member_id}/role"), json={"role": "member"})
        assert (member["role"], member["scope_department_ids"]) == ("member", [])
        r = await eve.post(eve.org("/departments"), json={"name": "市场二组", "parent_id": eve.refs["mk"]}, expect=403)
        assert r["code"] == "forbidden"

    async def test_subadmin_and_member_cannot_set_roles(self, roles):
        for who in ("bob", "eve"):
            api = roles[who]
            r = await api.put(api.org(f"/members/{roles['eve'].member_id}/role"), json={"role": "subadmin", "scope_department_ids": [api.refs["rd"]]}, expect=403)
            assert r["code"] == "forbidden"

    async def test_last_owner_cannot_step_down(self, roles):
        alice = roles["alice"]
        r = await alice.put(alice.org(f"/members/{alice.member_id}/role"), json={"role": "admin"}, expect=409)
        assert r["code"] == "last_owner"
        assert (await alice.get(alice.org()))["my_role"] == "owner"

    async def test_subadmin_needs_a_scope(self, roles):
        alice, eve = roles["alice"], roles["eve"]
        r = await alice.put(alice.org(f"/members/{eve.member_id}/role"), json={"role": "subadmin"}, expect=400)
        assert r["code"] == "scope_required"

    async def test_scope_of_unknown_department(self, roles):
        alice, eve = roles["alice"], roles["eve"]
        r = await alice.put(alice.org(f"/members/{eve.member_id}/role"), json={"role": "subadmin", "scope_department_ids": [987654321]}, expect=404)
        assert r["code"] == "department_not_found"

    async def test_deactivated_member(self, roles):
        alice, eve = roles["alice"], roles["eve"]
        await alice.post(alice.org(f"/members/{eve.member_id}/deactivate"))
        r = await alice.put(alice.org(f"/members/{eve.member_id}/role"), json={"role": "admin"}, expect=400)
        assert r["code"] == "member_inactive"


class TestIssuePassword:
    async def test_owner_for_a_member(self, roles, client):
        alice, eve = roles["alice"], roles["eve"]
        issued = await alice.post(alice.org(f"/members/{eve.member_id}/password"))
        assert issued["member_id"] == eve.member_id
        await eve.get("/api/v1/me", expect=401)  # old sessions end
        assert await login(client, "13900000005", "password-eve") == 401
        assert await login(client, "13900000005", issued["password"]) == 200

    async def test_admin_for_a_member(self, roles, client):
        carol, eve = roles["carol"], roles["eve"]
        issued = await carol.post(carol.org(f"/members/{eve.member_id}/password"))
        assert await login(client, "13900000005", issued["password"]) == 200

    async def test_subadmin_inside_scope(self, roles, client):
        bob, eve = roles["bob"], roles["eve"]
        issued = await bob.post(bob.org(f"/members/{eve.member_id}/password"))
        assert await login(client, "13900000005", issued["password"]) == 200

    async def test_subadmin_outside_scope(self, roles, client):
        alice, bob = roles["alice"], roles["bob"]
        other = await alice.post(alice.org("/members"), json={"name": "市场新人", "phone": "13600000020", "department_ids": [alice.refs["mk"]], "password": "mk-password"}, expect=201)
        r = await bob.post(bob.org(f"/members/{other['member']['id']}/password"), expect=403)
        assert r["code"] == "out_of_scope"
        assert await login(client, "13600000020", "mk-password") == 200

    async def test_member(self, roles, client):
        eve, bob = roles["eve"], roles["bob"]
        r = await eve.post(eve.org(f"/members/{bob.member_id}/password"), expect=403)
        assert r["code"] == "forbidden"
        assert await login(client, "13900000002", "password-bob") == 200

    async def test_admin_cannot_reset_an_owner_or_admin(self, roles, client):
        alice, carol, eve = roles["alice"], roles["carol"], roles["eve"]
        await alice.put(alice.org(f"/members/{eve.member_id}/role"), json={"role": "admin"})
        for target in (alice, eve):
            r = await carol.post(carol.org(f"/members/{target.member_id}/password"), expect=403)
            assert r["code"] == "owner_required"
        assert await login(client, "13900000001", "password-123") == 200

    async def test_owner_resets_an_admin(self, roles, client):
        alice, carol = roles["alice"], roles["carol"]
        issued = await alice.post(alice.org(f"/members/{carol.member_id}/password"))
        assert await login(client, "13900000003", issued["password"]) == 200

    async def test_account_in_another_org(self, roles, client):
        alice = roles["alice"]
        dave_here = await alice.post(alice.org("/members"), json={"name": "Dave", "phone": "13900000004"}, expect=201)
        r = await alice.post(alice.org(f"/members/{dave_here['member']['id']}/password"), expect=409)
        assert r["code"] == "account_shared"
        assert await login(client, "13900000004", "password-123") == 200
        await roles["dave"].get("/api/v1/me")

    async def test_imported_member_gets_an_account(self, roles, client):
        alice = roles["alice"]
        report = await alice.post(alice.org("/members/import"), files={"file": ("m.csv", CSV, "text/csv")})
        member_id = report["rows"][0]["member_id"]
        assert (await alice.get(alice.org(f"/members/{member_id}")))["has_account"] is False
        issued = await alice.post(alice.org(f"/members/{member_id}/password"))
        assert (await alice.get(alice.org(f"/members/{member_id}")))["has_account"] is True
        client.cookies.clear()
        r = await client.post("/api/v1/auth/login", json={"login": "13600000001", "password": issued["password"]})
        assert r.status_code == 200
        assert [m["member_id"] for m in r.json()["account"]["memberships"]] == [member_id]


class TestInvitationsByRole:
    @pytest.mark.parametrize("who", ["alice", "carol"])
    async def test_org_link_by_owner_and_admin(self, roles, who):
        api = roles[who]
        await api.post(api.org("/invitations"), json={}, expect=201)

    @pytest.mark.parametrize("who", ["bob", "eve"])
    async def test_org_link_by_others(self, roles, who):
        api = roles[who]
        r = await api.post(api.org("/invitations"), json={}, expect=403)
        assert r["code"] == "forbidden"

    async def test_subadmin_department_link_inside_scope(self, roles):
        bob = roles["bob"]
        link = await bob.post(bob.org("/invitations"), json={"department_id": bob.refs["rd"]}, expect=201)
        await bob.get(bob.org(f"/invitations/{link['id']}/qr.png"))
        await bob.delete(bob.org(f"/invitations/{link['id']}"), expect=204)

    async def test_subadmin_department_link_outside_scope(self, roles):
        bob, alice = roles["bob"], roles["alice"]
        r = await bob.post(bob.org("/invitations"), json={"department_id": bob.refs["mk"]}, expect=403)
        assert r["code"] == "out_of_scope"
        link = await alice.post(alice.org("/invitations"), json={"department_id": alice.refs["mk"]}, expect=201)
        r = await bob.delete(bob.org(f"/invitations/{link['id']}"), expect=403)
        assert r["code"] == "out_of_scope"
        await bob.get(bob.org(f"/invitations/{link['id']}/qr.png"), expect=403)
        assert [i["id"] for i in await alice.get(alice.org("/invitations"))] == [link["id"]]

    async def test_member_department_link(self, roles):
        eve = roles["eve"]
        r = await eve.post(eve.org("/invitations"), json={"department_id": eve.refs["rd"]}, expect=403)
        assert r["code"] == "forbidden"

    @pytest.mark.parametrize("who", ["bob", "eve"])
    async def test_listing_is_for_admins(self, roles, who):
        api = roles[who]
        r = await api.get(api.org("/invitations"), expect=403)
        assert r["code"] == "forbidden"


class TestAdminOnlyReads:
    PATHS = ("/audit", "/members/export", "/join-requests")

    async def test_admin(self, roles):
        carol = roles["carol"]
        for path in self.PATHS:
            await carol.get(carol.org(path))

    async def test_subadmin(self, roles):
        bob = roles["bob"]
        for path in ("/audit", "/members/export"):
            r = await bob.get(bob.org(path), expect=403)
            assert r["code"] == "forbidden"
        # Join requests: a sub-admin sees those for their departments (none yet).
        assert await bob.get(bob.org("/join-requests")) == []

    async def test_member(self, roles):
        eve = roles["eve"]
        for path in self.PATHS:
            r = await eve.get(eve.org(path), expect=403)
            assert r["code"] == "forbidden"


class TestImportByRole:
    @pytest.mark.parametrize("who", ["bob", "eve"])
    async def test_not_an_admin(self, roles, who):
        api = roles[who]
        r = await api.post(api.org("/members/import"), files={"file": ("m.csv", CSV, "text/csv")}, expect=403)
        assert r["code"] == "forbidden"
        assert "导入者" not in await member_names(roles["alice"])

    async def test_permission_comes_before_the_file(self, roles):
        eve = roles["eve"]
        r = await eve.post(eve.org("/members/import"), files={"file": ("x.png", b"\x89PNG\r\n\x1a\n", "image/png")}, expect=403)
        assert r["code"] == "forbidden"

    async def test_admin(self, roles):
        carol = roles["carol"]
        report = await carol.post(carol.org("/members/import"), files={"file": ("m.csv", CSV, "text/csv")})
        assert report["created"] == 1
