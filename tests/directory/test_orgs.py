"""Organizations: founding one, belonging to several, settings."""

from tests.helpers import Api


class TestCreateOrg:
    async def test_founder_becomes_owner(self, client):
        api = await Api.signup(client, "Founder", phone="13800000100")
        org = await api.post("/api/v1/orgs", json={"name": "新公司"}, expect=201)
        assert org["name"] == "新公司"
        assert org["my_role"] == "owner"
        assert org["timezone"] == "Asia/Shanghai"
        api.org_id = org["id"]
        departments = (await api.get(api.org("/departments")))["items"]
        assert [(d["id"], d["parent_id"], d["name"]) for d in departments] == [(org["root_department_id"], None, "新公司")]
        members = (await api.get(api.org("/members")))["items"]
        assert [(m["id"], m["role"], m["department_ids"]) for m in members] == [
            (org["my_member_id"], "owner", [org["root_department_id"]])
        ]

    async def test_with_timezone(self, client):
        api = await Api.signup(client, "Founder", phone="13800000100")
        org = await api.post("/api/v1/orgs", json={"name": "Berlin", "timezone": "Europe/Berlin"}, expect=201)
        assert org["timezone"] == "Europe/Berlin"

    async def test_bad_timezone(self, client):
        api = await Api.signup(client, "Founder", phone="13800000100")
        r = await api.post("/api/v1/orgs", json={"name": "X", "timezone": "Mars/Olympus"}, expect=400)
        assert r["code"] == "invalid_timezone"
        assert (await api.get("/api/v1/me"))["memberships"] == []

    async def test_needs_sign_in(self, client):
        r = await client.post("/api/v1/orgs", json={"name": "X"})
        assert r.status_code == 401


class TestMemberships:
    async def _dave_in_acme(self, cast) -> dict:
        alice = cast["alice"]
        created = await alice.post(
            alice.org("/members"),
            json={"name": "戴夫（顶点）", "phone": "13900000004", "job_title": "顾问", "department_ids": [alice.refs["mk"]]},
            expect=201,
        )
        return created

    async def test_one_account_two_orgs(self, cast):
        dave, alice = cast["dave"], cast["alice"]
        created = await self._dave_in_acme(cast)
        me = await dave.get("/api/v1/me")
        assert {(m["org_id"], m["member_id"], m["role"]) for m in me["memberships"]} == {
            (dave.org_id, dave.member_id, "owner"),
            (alice.org_id, created["member"]["id"], "member"),
        }
        # Dave now reads acme's directory as a member.
        page = await dave.get(alice.org("/members"))
        assert created["member"]["id"] in {m["id"] for m in page["items"]}

    async def test_each_membership_has_its_own_profile(self, cast):
        dave, alice = cast["dave"], cast["alice"]
        created = await self._dave_in_acme(cast)
        acme_profile = await dave.get(alice.org(f"/members/{created['member']['id']}"))
        globex_profile = await dave.get(dave.org(f"/members/{dave.member_id}"))
        assert (acme_profile["name"], acme_profile["job_title"]) == ("戴夫（顶点）", "顾问")
        assert (globex_profile["name"], globex_profile["job_title"]) == ("Dave 戴夫", None)
        await alice.patch(alice.org(f"/members/{created['member']['id']}"), json={"job_title": "总监"})
        assert (await dave.get(dave.org(f"/members/{dave.member_id}")))["job_title"] is None

    async def test_get_org_as_member(self, cast):
        eve, alice = cast["eve"], cast["alice"]
        org = await eve.get(eve.org())
        assert (org["id"], org["my_member_id"], org["my_role"]) == (alice.org_id, eve.member_id, "member")
        assert org["root_department_id"] == alice.refs["root"]


class TestUpdateOrg:
    async def test_owner_renames(self, cast):
        alice = cast["alice"]
        org = await alice.patch(alice.org(), json={"name": "Acme 新"})
        assert org["name"] == "Acme 新"
        root = [d for d in (await alice.get(alice.org("/departments")))["items"] if d["parent_id"] is None]
        assert root[0]["name"] == "Acme 新"
        me = await cast["bob"].get("/api/v1/me")
        assert me["memberships"][0]["org_name"] == "Acme 新"

    async def test_admin_sets_timezone(self, roles):
        carol = roles["carol"]
        org = await carol.patch(carol.org(), json={"timezone": "America/New_York"})
        assert org["timezone"] == "America/New_York"

    async def test_bad_timezone(self, cast):
        alice = cast["alice"]
        r = await alice.patch(alice.org(), json={"timezone": "Asia/Nowhere", "name": "Changed"}, expect=400)
        assert r["code"] == "invalid_timezone"
        org = await alice.get(alice.org())
        assert (org["name"], org["timezone"]) == ("Acme 顶点", "Asia/Shanghai")

    async def test_member_forbidden(self, cast):
        eve = cast["eve"]
        r = await eve.patch(eve.org(), json={"name": "Mine"}, expect=403)
        assert r["code"] == "forbidden"
        assert (await eve.get(eve.org()))["name"] == "Acme 顶点"

    async def test_subadmin_forbidden(self, roles):
        bob = roles["bob"]
        r = await bob.patch(bob.org(), json={"name": "Mine"}, expect=403)
        assert r["code"] == "forbidden"

    async def test_other_org_not_found(self, cast):
        r = await cast["dave"].patch(cast["alice"].org(), json={"name": "Mine"}, expect=404)
        assert r["code"] == "org_not_found"
        assert (await cast["alice"].get(cast["alice"].org()))["name"] == "Acme 顶点"
