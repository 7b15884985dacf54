"""Tenancy: globex (dave) must see and change nothing of acme, by any route or any id."""

ACME_ROUTES = [
    ("GET", ""),
    ("PATCH", ""),
    ("GET", "/members"),
    ("GET", "/members/{bob}"),
    ("PATCH", "/members/{bob}"),
    ("POST", "/members"),
    ("POST", "/members/{bob}/deactivate"),
    ("POST", "/members/{bob}/reactivate"),
    ("PUT", "/members/{bob}/role"),
    ("POST", "/members/{bob}/password"),
    ("GET", "/departments"),
    ("GET", "/departments/{rd}"),
    ("POST", "/departments"),
    ("PATCH", "/departments/{rd}"),
    ("DELETE", "/departments/{rd}"),
    ("PUT", "/departments/{rd}/managers"),
    ("GET", "/invitations"),
    ("POST", "/invitations"),
    ("GET", "/join-requests"),
    ("GET", "/audit"),
    ("GET", "/members/export"),
    ("POST", "/members/import"),
]

BODIES = {
    ("PATCH", ""): {"name": "Pwned"},
    ("PATCH", "/members/{bob}"): {"name": "Pwned"},
    ("POST", "/members"): {"name": "Spy", "phone": "13500000001"},
    ("PUT", "/members/{bob}/role"): {"role": "admin"},
    ("POST", "/departments"): {"name": "Spy", "parent_id": 0},
    ("PATCH", "/departments/{rd}"): {"name": "Pwned"},
    ("PUT", "/departments/{rd}/managers"): {"member_ids": []},
    ("POST", "/invitations"): {},
}


async def acme_snapshot(alice) -> tuple:
    org = await alice.get(alice.org())
    departments = (await alice.get(alice.org("/departments")))["items"]
    members = (await alice.get(alice.org("/members"), params={"include_inactive": "true"}))["items"]
    return org, departments, members


class TestOtherOrgRoutes:
    async def test_dave_gets_org_not_found_everywhere(self, cast):
        alice, dave = cast["alice"], cast["dave"]
        before = await acme_snapshot(alice)
        for method, path in ACME_ROUTES:
            url = alice.org(path.format(bob=cast["bob"].member_id, rd=alice.refs["rd"]))
            kwargs = {}
            if (method, path) in BODIES:
                body = dict(BODIES[(method, path)])
                if "parent_id" in body:
                    body["parent_id"] = alice.refs["rd"]
                kwargs["json"] = body
            if path == "/members/import":
                kwargs["files"] = {"file": ("m.csv", "姓名,手机号\nSpy,13500000002\n".encode(), "text/csv")}
            r = await dave.request(method, url, expect=None, **kwargs)
            assert (dave.last.status_code, r["code"]) == (404, "org_not_found"), (method, path)
        assert await acme_snapshot(alice) == before

    async def test_invitation_routes(self, cast):
        alice, dave = cast["alice"], cast["dave"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        for method, suffix in (("GET", "/qr.png"), ("GET", "/qr.svg"), ("DELETE", "")):
            r = await dave.request(method, alice.org(f"/invitations/{link['id']}{suffix}"), expect=404)
            assert r["code"] == "org_not_found"
        assert [i["id"] for i in await alice.get(alice.org("/invitations"))] == [link["id"]]


class TestAcmeIdsThroughGlobex:
    async def test_member_profile(self, cast):
        dave = cast["dave"]
        r = await dave.get(dave.org(f"/members/{cast['bob'].member_id}"), expect=404)
        assert r["code"] == "member_not_found"

    async def test_member_writes(self, cast):
        alice, dave, bob = cast["alice"], cast["dave"], cast["bob"]
        before = await acme_snapshot(alice)
        for method, suffix, body in (
            ("PATCH", "", {"name": "Pwned", "phone": "13500000003"}),
            ("POST", "/deactivate", None),
            ("PUT", "/role", {"role": "admin"}),
            ("POST", "/password", None),
        ):
            r = await dave.request(method, dave.org(f"/members/{bob.member_id}{suffix}"), json=body, expect=404)
            assert r["code"] == "member_not_found"
        assert await acme_snapshot(alice) == before
        await bob.get("/api/v1/me")  # no password was issued, no session revoked

    async def test_department_reads(self, cast):
        dave, alice = cast["dave"], cast["alice"]
        r = await dave.get(dave.org(f"/departments/{alice.refs['rd']}"), expect=404)
        assert r["code"] == "department_not_found"
        page = await dave.get(dave.org("/members"), params={"department_id": alice.refs["rd"]})
        assert (page["total"], page["items"]) == (0, [])

    async def test_department_writes(self, cast):
        alice, dave = cast["alice"], cast["dave"]
        before = await acme_snapshot(alice)
        r = await dave.patch(dave.org(f"/departments/{alice.refs['rd']}"), json={"name": "Pwned"}, expect=404)
        assert r["code"] == "department_not_found"
        r = await dave.delete(dave.org(f"/departments/{alice.refs['mk']}"), expect=404)
        assert r["code"] == "department_not_found"
        r = await dave.put(dave.org(f"/departments/{alice.refs['rd']}/managers"), json={"member_ids": [dave.member_id]}, expect=404)
        assert r["code"] == "department_not_found"
        # Acme's departments as parents of globex's.
        r = await dave.post(dave.org("/departments"), json={"name": "Spy", "parent_id": alice.refs["rd"]}, expect=404)
        assert r["code"] == "department_not_found"
        mine = await dave.post(dave.org("/departments"), json={"name": "Mine", "parent_id": dave.refs["globex_root"]}, expect=201)
        r = await dave.patch(dave.org(f"/departments/{mine['id']}"), json={"parent_id": alice.refs["rd"]}, expect=404)
        assert r["code"] == "department_not_found"
        assert await acme_snapshot(alice) == before

    async def test_acme_members_as_globex_managers(self, cast):
        alice, dave = cast["alice"], cast["dave"]
        before = await acme_snapshot(alice)
        r = await dave.put(
            dave.org(f"/departments/{dave.refs['globex_root']}/managers"),
            json={"member_ids": [cast["bob"].member_id, cast["eve"].member_id]},
            expect=400,
        )
        assert r["code"] == "member_not_found"
        r = await dave.patch(dave.org(f"/members/{dave.member_id}"), json={"manager_id": cast["bob"].member_id}, expect=404)
        assert r["code"] == "member_not_found"
        globex = (await dave.get(dave.org("/departments")))["items"]
        assert [d["manager_ids"] for d in globex] == [[]]
        assert await acme_snapshot(alice) == before

    async def test_acme_departments_in_member_add(self, cast):
        alice, dave = cast["alice"], cast["dave"]
        before = await acme_snapshot(alice)
        r = await dave.post(
            dave.org("/members"), json={"name": "Spy", "phone": "13500000004", "department_ids": [alice.refs["rd"]]}, expect=404
        )
        assert r["code"] == "department_not_found"
        r = await dave.post(
            dave.org("/members"), json={"name": "Spy", "phone": "13500000004", "manager_id": cast["bob"].member_id}, expect=404
        )
        assert r["code"] == "member_not_found"
        assert {m["name"] for m in (await dave.get(dave.org("/members")))["items"]} == {"Dave 戴夫"}
        assert await acme_snapshot(alice) == before

    async def test_acme_departments_in_member_update_and_scope(self, cast):
        alice, dave = cast["alice"], cast["dave"]
        spy = await dave.post(dave.org("/members"), json={"name": "Spy", "phone": "13500000005"}, expect=201)
        r = await dave.patch(dave.org(f"/members/{spy['member']['id']}"), json={"department_ids": [alice.refs["rd"]]}, expect=404)
        assert r["code"] == "department_not_found"
        r = await dave.put(
            dave.org(f"/members/{spy['member']['id']}/role"), json={"role": "subadmin", "scope_department_ids": [alice.refs["rd"]]}, expect=404
        )
        assert r["code"] == "department_not_found"

    async def test_acme_department_in_invitation(self, cast):
        alice, dave = cast["alice"], cast["dave"]
        r = await dave.post(dave.org("/invitations"), json={"department_id": alice.refs["rd"]}, expect=404)
        assert r["code"] == "department_not_found"
        assert await dave.get(dave.org("/invitations")) == []

    async def test_acme_invitation_through_globex(self, cast):
        alice, dave = cast["alice"], cast["dave"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        for method, suffix in (("GET", "/qr.png"), ("DELETE", "")):
            r = await dave.request(method, dave.org(f"/invitations/{link['id']}{suffix}"), expect=404)
            assert r["code"] == "invitation_invalid"
        assert [i["id"] for i in await alice.get(alice.org("/invitations"))] == [link["id"]]

    async def test_acme_join_request_through_globex(self, cast, client):
        from tests.helpers import Api

        alice, dave = cast["alice"], cast["dave"]
        link = await alice.post(alice.org("/invitations"), json={"requires_approval": True}, expect=201)
        joiner = await Api.signup(client, "Joiner", phone="13500000006")
        await joiner.post(f"/api/v1/invitations/{link['token']}/accept")
        request_id = (await alice.get(alice.org("/join-requests")))[0]["id"]
        assert await dave.get(dave.org("/join-requests")) == []
        for verb in ("approve", "reject"):
            r = await dave.post(dave.org(f"/join-requests/{request_id}/{verb}"), expect=404)
            assert r["code"] == "join_request_not_found"
        assert [(j["id"], j["status"]) for j in await alice.get(alice.org("/join-requests"))] == [(request_id, "pending")]

    async def test_search_and_export_stay_home(self, cast):
        dave = cast["dave"]
        assert (await dave.get(dave.org("/members"), params={"q": "bob"}))["items"] == []
        assert (await dave.get(dave.org("/members"), params={"q": "139000000"}))["total"] == 1  # dave himself
        export = await dave.get(dave.org("/members/export"))
        assert "13900000002" not in export.text and "bob" not in export.text
        audit = await dave.get(dave.org("/audit"))
        assert all(e["target_name"] not in ("bob", "研发部") for e in audit["items"])
