"""Bad input is a 4xx with a code and a message, never a 500 and never a half-written change."""

import pytest

HUGE = 2**70


def assert_error(r: dict, code: str = "validation_error") -> None:
    assert r["code"] == code
    assert isinstance(r["message"], str) and r["message"]


class TestMalformedBodies:
    async def test_malformed_json(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/departments"), content=b'{"name": "x", ', headers={"content-type": "application/json"}, expect=422)
        assert_error(r)

    async def test_not_an_object(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/departments"), json=["name"], expect=422)
        assert_error(r)

    async def test_wrong_types(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/departments"), json={"name": {"x": 1}, "parent_id": "root"}, expect=422)
        assert_error(r)
        assert {tuple(e["loc"]) for e in r["errors"]} >= {("body", "name"), ("body", "parent_id")}
        r = await alice.post(alice.org("/members"), json={"name": "X", "phone": 13600000001}, expect=422)
        assert_error(r)
        r = await alice.put(alice.org(f"/members/{cast['bob'].member_id}/role"), json={"role": "emperor"}, expect=422)
        assert_error(r)

    async def test_extra_fields(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/members"), json={"name": "X", "phone": "13600000001", "role": "owner"}, expect=422)
        assert_error(r)
        assert ["body", "role"] in [e["loc"] for e in r["errors"]]
        names = {m["name"] for m in (await alice.get(alice.org("/members")))["items"]}
        assert "X" not in names

    async def test_english_message(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/members"), json={"name": "X", "phon": "1"}, headers={"accept-language": "en"}, expect=422)
        assert "phon" in r["message"]

    async def test_huge_strings(self, cast, client):
        alice = cast["alice"]
        big = "长" * 100_000
        r = await alice.post(alice.org("/departments"), json={"name": big, "parent_id": alice.refs["rd"]}, expect=422)
        assert_error(r)
        r = await alice.get(alice.org("/members"), params={"q": big[:1000]}, expect=422)
        assert_error(r)
        r = await client.post("/api/v1/auth/login", json={"login": big, "password": big})
        assert r.status_code == 422
        r = await client.post("/api/v1/auth/signup", json={"name": "X", "phone": "13600000001", "password": "p" * 10_000})
        assert r.status_code == 422

    async def test_empty_body(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/members"), expect=422)
        assert_error(r)


class TestOutOfRangeNumbers:
    async def test_ids_in_paths(self, cast):
        alice = cast["alice"]
        for method, path in (
            ("GET", f"/members/{HUGE}"),
            ("PATCH", f"/members/{HUGE}"),
            ("POST", f"/members/{HUGE}/password"),
            ("GET", f"/departments/{HUGE}"),
            ("DELETE", f"/departments/{HUGE}"),
            ("DELETE", f"/invitations/{HUGE}"),
            ("GET", f"/invitations/{HUGE}/qr.png"),
            ("POST", f"/join-requests/{HUGE}/approve"),
            ("GET", "/members/0"),
            ("GET", "/departments/-1"),
        ):
            body = {"name": "x"} if method == "PATCH" else None
            r = await alice.request(method, alice.org(path), json=body, expect=None)
            assert alice.last.status_code == 422, (method, path, r)
            assert_error(r)

    async def test_huge_org_id(self, cast):
        r = await cast["alice"].get(f"/api/v1/orgs/{HUGE}/members", expect=422)
        assert_error(r)

    @pytest.mark.parametrize(
        ("path", "body"),
        [
            ("/departments", {"name": "x", "parent_id": HUGE}),
            ("/departments", {"name": "x", "parent_id": 1, "sort_order": 2**40}),
            ("/members", {"name": "x", "phone": "13600000001", "department_ids": [HUGE]}),
            ("/members", {"name": "x", "phone": "13600000001", "manager_id": HUGE}),
            ("/invitations", {"department_id": HUGE}),
        ],
    )
    async def test_huge_numbers_in_bodies(self, cast, path, body):
        alice = cast["alice"]
        assert_error(await alice.post(alice.org(path), json=body, expect=422))
        assert "x" not in {m["name"] for m in (await alice.get(alice.org("/members")))["items"]}
        assert "x" not in {d["name"] for d in (await alice.get(alice.org("/departments")))["items"]}

    async def test_huge_numbers_in_updates(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        for body in ({"manager_id": HUGE}, {"department_ids": [HUGE]}):
            assert_error(await alice.patch(alice.org(f"/members/{bob.member_id}"), json=body, expect=422))
        r = await alice.put(alice.org(f"/departments/{alice.refs['rd']}/managers"), json={"member_ids": [HUGE]}, expect=422)
        assert_error(r)
        r = await alice.put(alice.org(f"/members/{bob.member_id}/role"), json={"role": "subadmin", "scope_department_ids": [HUGE]}, expect=422)
        assert_error(r)
        r = await alice.patch(alice.org(f"/departments/{alice.refs['rd']}"), json={"sort_order": -(2**40)}, expect=422)
        assert_error(r)
        assert_error(await alice.patch("/api/v1/me", json={"last_org_id": HUGE}, expect=422))

    async def test_huge_query_numbers(self, cast):
        alice = cast["alice"]
        for params in ({"department_id": HUGE}, {"offset": HUGE}, {"limit": HUGE}):
            assert_error(await alice.get(alice.org("/members"), params=params, expect=422))
        assert_error(await alice.get(alice.org("/audit"), params={"before_id": HUGE}, expect=422))


class TestNulCharacters:
    async def test_in_json_strings(self, cast, client):
        alice = cast["alice"]
        r = await alice.post(alice.org("/departments"), json={"name": "a\x00b", "parent_id": alice.refs["rd"]}, expect=422)
        assert_error(r)
        r = await alice.post(alice.org("/members"), json={"name": "a\x00b", "phone": "13600000001"}, expect=422)
        assert_error(r)
        r = await client.post("/api/v1/auth/login", json={"login": "a\x00b", "password": "password-1"})
        assert r.status_code == 422
        assert_error(await alice.patch(alice.org(), json={"timezone": "Asia/\x00"}, expect=422))

    async def test_in_the_search(self, cast):
        alice = cast["alice"]
        page = await alice.get(alice.org("/members"), params={"q": "bo\x00b"})
        assert [m["name"] for m in page["items"]] == ["bob"]
        page = await alice.get(alice.org("/members"), params={"q": "\x00"})
        assert page["total"] == 4

    async def test_in_an_invitation_token(self, client):
        for token in ("a%00b", "x" * 500, "%E9%9D", "长"):
            r = await client.get(f"/api/v1/invitations/{token}")
            assert r.status_code == 404
            assert r.json()["code"] == "invitation_invalid"
