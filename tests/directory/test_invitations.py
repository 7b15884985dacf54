"""Invitation links and QR codes, joining through them, join requests."""

from datetime import UTC, datetime, timedelta

import time_machine

from tests.helpers import Api


async def newcomer(client, phone: str = "13500000100", name: str = "新人") -> Api:
    return await Api.signup(client, name, phone=phone)


class TestCreateInvitation:
    async def test_org_link(self, cast):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        assert link["department_id"] is None and link["revoked"] is False and link["requires_approval"] is False
        assert link["url"].endswith(f"/#/join/{link['token']}")
        expires = datetime.fromisoformat(link["expires_at"])
        assert timedelta(days=6, hours=23) < expires - datetime.now(UTC) <= timedelta(days=7)
        assert [i["id"] for i in await alice.get(alice.org("/invitations"))] == [link["id"]]

    async def test_department_link(self, cast):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={"department_id": alice.refs["rd"], "expires_in_hours": 2}, expect=201)
        assert link["department_id"] == alice.refs["rd"]

    async def test_unknown_department(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/invitations"), json={"department_id": 987654321}, expect=404)
        assert r["code"] == "department_not_found"

    async def test_expiry_limits(self, cast):
        alice = cast["alice"]
        for hours in (0, 24 * 91):
            r = await alice.post(alice.org("/invitations"), json={"expires_in_hours": hours}, expect=422)
            assert r["code"] == "validation_error"


class TestPublicInvitation:
    async def test_anyone_with_the_link(self, cast, client):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={"department_id": alice.refs["rd"]}, expect=201)
        client.cookies.clear()
        r = await client.get(f"/api/v1/invitations/{link['token']}")
        assert r.status_code == 200
        assert r.json() == {
            "org_name": "Acme 顶点", "department_name": "研发部", "requires_approval": False, "expires_at": r.json()["expires_at"]}

    async def test_unknown_token(self, client):
        r = await client.get("/api/v1/invitations/no-such-token")
        assert r.status_code == 404
        assert r.json()["code"] == "invitation_invalid"

    async def test_expired(self, cast, client):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={"expires_in_hours": 1}, expect=201)
        with time_machine.travel(datetime.now(UTC) + timedelta(hours=1, seconds=1), tick=False):
            r = await client.get(f"/api/v1/invitations/{link['token']}")
            assert r.status_code == 404
            assert r.json()["code"] == "invitation_invalid"

    async def test_revoked(self, cast, client):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        await alice.delete(alice.org(f"/invitations/{link['id']}"), expect=204)
        r = await client.get(f"/api/v1/invitations/{link['token']}")
        assert r.status_code == 404
        assert r.json()["code"] == "invitation_invalid"
        assert await alice.get(alice.org("/invitations")) == []


class TestAcceptInvitation:
    async def test_joins_the_department(self, cast, client):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={"department_id": alice.refs["rd"]}, expect=201)
        joiner = await newcomer(client)
        result = await joiner.post(f"/api/v1/invitations/{link['token']}/accept")
        assert (result["status"], result["org_id"]) == ("joined", alice.org_id)
        member = await alice.get(alice.org(f"/members/{result['member_id']}"))
        assert (member["name"], member["phone"], member["department_ids"], member["role"]) == (
            "新人", "13500000100", [alice.refs["rd"]], "member")
        assert [m["org_id"] for m in (await joiner.get("/api/v1/me"))["memberships"]] == [alice.org_id]
        joiner.org_id = alice.org_id
        await joiner.get(joiner.org("/members"))

    async def test_org_link_joins_the_root(self, cast, client):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        result = await (await newcomer(client)).post(f"/api/v1/invitations/{link['token']}/accept")
        assert (await alice.get(alice.org(f"/members/{result['member_id']}")))["department_ids"] == [alice.refs["root"]]

    async def test_expired(self, cast, client):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={"expires_in_hours": 1}, expect=201)
        joiner = await newcomer(client)
        with time_machine.travel(datetime.now(UTC) + timedelta(hours=2), tick=False):
            r = await joiner.post(f"/api/v1/invitations/{link['token']}/accept", expect=404)
        assert r["code"] == "invitation_invalid"
        assert (await joiner.get("/api/v1/me"))["memberships"] == []

    async def test_revoked(self, cast, client):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        await alice.delete(alice.org(f"/invitations/{link['id']}"), expect=204)
        joiner = await newcomer(client)
        r = await joiner.post(f"/api/v1/invitations/{link['token']}/accept", expect=404)
        assert r["code"] == "invitation_invalid"

    async def test_already_a_member(self, cast):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        r = await cast["bob"].post(f"/api/v1/invitations/{link['token']}/accept", expect=409)
        assert r["code"] == "already_member"

    async def test_deactivated_member(self, cast):
        alice, eve = cast["alice"], cast["eve"]
        await alice.post(alice.org(f"/members/{eve.member_id}/deactivate"))
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        r = await eve.post(f"/api/v1/invitations/{link['token']}/accept", expect=409)
        assert r["code"] == "member_inactive"
        await eve.get(eve.org(), expect=404)

    async def test_imported_member_takes_their_place(self, cast, client):
        alice = cast["alice"]
        csv = "姓名,手机号,部门,工号\n预留,13500000100,市场部,M-1\n".encode()
        report = await alice.post(alice.org("/members/import"), files={"file": ("m.csv", csv, "text/csv")})
        placeholder = report["rows"][0]["member_id"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        result = await (await newcomer(client)).post(f"/api/v1/invitations/{link['token']}/accept")
        assert result["member_id"] == placeholder
        member = await alice.get(alice.org(f"/members/{placeholder}"))
        assert (member["has_account"], member["employee_no"], member["department_ids"]) == (True, "M-1", [alice.refs["mk"]])

    async def test_needs_sign_in(self, cast, client):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        client.cookies.clear()
        r = await client.post(f"/api/v1/invitations/{link['token']}/accept")
        assert r.status_code == 401


class TestJoinRequests:
    async def _pending(self, cast, client, department: str | None = "rd") -> tuple[Api, dict]:
        alice = cast["alice"]
        body = {"requires_approval": True, **({"department_id": alice.refs[department]} if department else {})}
        link = await alice.post(alice.org("/invitations"), json=body, expect=201)
        joiner = await newcomer(client)
        result = await joiner.post(f"/api/v1/invitations/{link['token']}/accept")
        assert (result["status"], result["member_id"]) == ("pending", None)
        # Asking twice files one request.
        await joiner.post(f"/api/v1/invitations/{link['token']}/accept")
        requests = await alice.get(alice.org("/join-requests"))
        assert [(r["name"], r["status"]) for r in requests] == [("新人", "pending")]
        return joiner, requests[0]

    async def test_pending_is_not_yet_a_member(self, cast, client):
        joiner, _ = await self._pending(cast, client)
        assert (await joiner.get("/api/v1/me"))["memberships"] == []
        await joiner.get(cast["alice"].org(), expect=404)

    async def test_approve(self, cast, client):
        alice = cast["alice"]
        joiner, request = await self._pending(cast, client)
        decided = await alice.post(alice.org(f"/join-requests/{request['id']}/approve"))
        assert (decided["status"], decided["department_id"]) == ("approved", alice.refs["rd"])
        membership = (await joiner.get("/api/v1/me"))["memberships"]
        assert [m["org_id"] for m in membership] == [alice.org_id]
        member = await alice.get(alice.org(f"/members/{membership[0]['member_id']}"))
        assert member["department_ids"] == [alice.refs["rd"]]
        assert await alice.get(alice.org("/join-requests")) == []

    async def test_reject(self, cast, client):
        alice = cast["alice"]
        joiner, request = await self._pending(cast, client)
        decided = await alice.post(alice.org(f"/join-requests/{request['id']}/reject"))
        assert decided["status"] == "rejected"
        assert (await joiner.get("/api/v1/me"))["memberships"] == []
        r = await alice.post(alice.org(f"/join-requests/{request['id']}/approve"), expect=404)
        assert r["code"] == "join_request_not_found"

    async def test_subadmin_decides_for_their_department(self, roles, client):
        bob = roles["bob"]
        _, request = await self._pending(roles, client, "rd")
        assert [r["id"] for r in await bob.get(bob.org("/join-requests"))] == [request["id"]]
        await bob.post(bob.org(f"/join-requests/{request['id']}/approve"))

    async def test_subadmin_not_for_other_departments(self, roles, client):
        bob = roles["bob"]
        _, request = await self._pending(roles, client, "mk")
        assert await bob.get(bob.org("/join-requests")) == []
        r = await bob.post(bob.org(f"/join-requests/{request['id']}/approve"), expect=403)
        assert r["code"] == "out_of_scope"

    async def test_subadmin_not_for_org_links(self, roles, client):
        bob = roles["bob"]
        _, request = await self._pending(roles, client, None)
        r = await bob.post(bob.org(f"/join-requests/{request['id']}/reject"), expect=403)
        assert r["code"] == "forbidden"

    async def test_member_cannot_decide(self, cast, client):
        _, request = await self._pending(cast, client)
        eve = cast["eve"]
        r = await eve.post(eve.org(f"/join-requests/{request['id']}/approve"), expect=403)
        assert r["code"] == "forbidden"

    async def test_unknown(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/join-requests/987654321/approve"), expect=404)
        assert r["code"] == "join_request_not_found"


class TestQrCode:
    async def test_png(self, cast):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        r = await alice.get(alice.org(f"/invitations/{link['id']}/qr.png"))
        assert r.headers["content-type"] == "image/png"
        assert r.content.startswith(b"\x89PNG\r\n\x1a\n")
        assert len(r.content) > 200

    async def test_svg(self, cast):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        r = await alice.get(alice.org(f"/invitations/{link['id']}/qr.svg"))
        assert r.headers["content-type"].startswith("image/svg+xml")
        assert r.text.lstrip().startswith("<svg") and "</svg>" in r.text

    async def test_other_format(self, cast):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        r = await alice.get(alice.org(f"/invitations/{link['id']}/qr.gif"), expect=404)
        assert r["code"] == "invitation_invalid"

    async def test_revoked(self, cast):
        alice = cast["alice"]
        link = await alice.post(alice.org("/invitations"), json={}, expect=201)
        await alice.delete(alice.org(f"/invitations/{link['id']}"), expect=204)
        r = await alice.get(alice.org(f"/invitations/{link['id']}/qr.png"), expect=404)
        assert r["code"] == "invitation_invalid"
