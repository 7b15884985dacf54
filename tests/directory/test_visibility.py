"""通讯录隐藏: hidden departments and hidden phone numbers."""

import pytest

from tests.helpers import Api


@pytest.fixture
async def hidden(cast, client) -> dict:
    """保密部 (hidden, under the root) with its sub-team 一组; 张秘 belongs only to 保密部,
    李双 to 保密部 and 研发部. Returns their ids and an Api for 张秘."""
    alice = cast["alice"]
    dept = await alice.post(alice.org("/departments"), json={"name": "保密部", "parent_id": alice.refs["root"], "hidden": True}, expect=201)
    team = await alice.post(alice.org("/departments"), json={"name": "一组", "parent_id": dept["id"]}, expect=201)
    secret = await alice.post(
        alice.org("/members"),
        json={"name": "张秘", "phone": "13600000100", "employee_no": "S-001", "department_ids": [dept["id"]], "password": "secret-pass"},
        expect=201,
    )
    both = await alice.post(
        alice.org("/members"), json={"name": "李双", "phone": "13600000101", "department_ids": [dept["id"], alice.refs["rd"]]}, expect=201
    )
    insider = await Api.login(client, "13600000100", "secret-pass")
    insider.org_id, insider.member_id, insider.refs = alice.org_id, secret["member"]["id"], alice.refs
    return {"dept": dept["id"], "team": team["id"], "secret": secret["member"]["id"], "both": both["member"]["id"], "insider": insider}


async def department_ids(api: Api) -> set[int]:
    return {d["id"] for d in (await api.get(api.org("/departments")))["items"]}


async def member_ids(api: Api, **params) -> set[int]:
    return {m["id"] for m in (await api.get(api.org("/members"), params=params))["items"]}


class TestHiddenDepartmentForOutsiders:
    async def test_tree(self, cast, hidden):
        bob = cast["bob"]
        seen = await department_ids(bob)
        assert hidden["dept"] not in seen and hidden["team"] not in seen
        assert {bob.refs["root"], bob.refs["rd"], bob.refs["mk"]} <= seen

    async def test_department_itself(self, cast, hidden):
        bob = cast["bob"]
        for dept in (hidden["dept"], hidden["team"]):
            r = await bob.get(bob.org(f"/departments/{dept}"), expect=404)
            assert r["code"] == "department_not_found"

    async def test_member_list_of_the_department(self, cast, hidden):
        page = await cast["bob"].get(cast["bob"].org("/members"), params={"department_id": hidden["dept"]})
        assert (page["total"], page["items"]) == (0, [])

    async def test_profile_of_its_only_members(self, cast, hidden):
        bob = cast["bob"]
        r = await bob.get(bob.org(f"/members/{hidden['secret']}"), expect=404)
        assert r["code"] == "member_not_found"
        assert hidden["secret"] not in await member_ids(bob)

    async def test_search(self, cast, hidden):
        bob = cast["bob"]
        for q in ("张秘", "zhangmi", "zm", "13600000100", "S-001"):
            assert hidden["secret"] not in await member_ids(bob, q=q), q

    async def test_member_also_elsewhere_stays_visible_without_the_hidden_department(self, cast, hidden):
        bob = cast["bob"]
        profile = await bob.get(bob.org(f"/members/{hidden['both']}"))
        assert profile["department_ids"] == [bob.refs["rd"]]
        assert hidden["both"] in await member_ids(bob)

    async def test_subadmin_of_another_department(self, roles, hidden):
        bob = roles["bob"]
        assert hidden["dept"] not in await department_ids(bob)
        await bob.get(bob.org(f"/members/{hidden['secret']}"), expect=404)


class TestHiddenDepartmentForInsiders:
    async def test_its_members_see_it_and_its_subtree(self, hidden):
        insider = hidden["insider"]
        assert {hidden["dept"], hidden["team"]} <= await department_ids(insider)
        assert hidden["secret"] in await member_ids(insider, department_id=hidden["dept"])
        assert (await insider.get(insider.org(f"/members/{hidden['both']}")))["department_ids"] != []

    async def test_a_member_of_a_sub_team_sees_it(self, cast, hidden, client):
        alice = cast["alice"]
        await alice.patch(alice.org(f"/members/{cast['eve'].member_id}"), json={"department_ids": [hidden["team"]]})
        eve = cast["eve"]
        assert {hidden["dept"], hidden["team"]} <= await department_ids(eve)
        assert hidden["secret"] in await member_ids(eve, q="张秘")

    @pytest.mark.parametrize("who", ["alice", "carol"])
    async def test_owner_and_admin_see_everything(self, roles, hidden, who):
        api = roles[who]
        assert {hidden["dept"], hidden["team"]} <= await department_ids(api)
        assert hidden["secret"] in await member_ids(api, q="zhangmi")
        assert (await api.get(api.org(f"/members/{hidden['secret']}")))["department_ids"] == [hidden["dept"]]

    async def test_subadmin_whose_scope_covers_it(self, cast, hidden):
        alice, eve = cast["alice"], cast["eve"]
        await alice.put(alice.org(f"/members/{eve.member_id}/role"), json={"role": "subadmin", "scope_department_ids": [hidden["dept"]]})
        assert hidden["dept"] in await department_ids(eve)
        assert hidden["secret"] in await member_ids(eve, department_id=hidden["dept"])

    async def test_unhiding_shows_it(self, cast, hidden):
        alice, bob = cast["alice"], cast["bob"]
        await alice.patch(alice.org(f"/departments/{hidden['dept']}"), json={"hidden": False})
        assert hidden["dept"] in await department_ids(bob)
        await bob.get(bob.org(f"/members/{hidden['secret']}"))


@pytest.fixture
async def eve_hides_phone(cast) -> None:
    alice = cast["alice"]
    member = await alice.patch(alice.org(f"/members/{cast['eve'].member_id}"), json={"hide_phone": True})
    assert member["hide_phone"] is True and member["phone"] == "13900000005"


class TestHiddenPhone:
    async def test_colleagues_see_no_number(self, cast, eve_hides_phone):
        bob, eve = cast["bob"], cast["eve"]
        assert (await bob.get(bob.org(f"/members/{eve.member_id}")))["phone"] is None
        listed = {m["id"]: m for m in (await bob.get(bob.org("/members")))["items"]}
        assert listed[eve.member_id]["phone"] is None
        assert listed[eve.member_id]["hide_phone"] is True
        assert listed[bob.member_id]["phone"] == "13900000002"

    async def test_search_by_the_hidden_number_finds_nothing(self, cast, eve_hides_phone):
        bob, eve = cast["bob"], cast["eve"]
        assert eve.member_id not in await member_ids(bob, q="13900000005")
        assert eve.member_id not in await member_ids(bob, q="0000005")
        # The name still finds her, without the number.
        found = (await bob.get(bob.org("/members"), params={"q": "eve"}))["items"]
        assert [(m["id"], m["phone"]) for m in found] == [(eve.member_id, None)]

    async def test_the_member_sees_their_own(self, cast, eve_hides_phone):
        eve = cast["eve"]
        assert (await eve.get(eve.org(f"/members/{eve.member_id}")))["phone"] == "13900000005"
        assert eve.member_id in await member_ids(eve, q="13900000005")

    @pytest.mark.parametrize("who", ["alice", "carol"])
    async def test_admins_see_and_find_it(self, roles, eve_hides_phone, who):
        api, eve = roles[who], roles["eve"]
        assert (await api.get(api.org(f"/members/{eve.member_id}")))["phone"] == "13900000005"
        assert eve.member_id in await member_ids(api, q="13900000005")

    async def test_subadmin_in_scope_sees_it(self, roles, eve_hides_phone):
        bob, eve = roles["bob"], roles["eve"]
        assert (await bob.get(bob.org(f"/members/{eve.member_id}")))["phone"] == "13900000005"

    async def test_subadmin_out_of_scope_does_not(self, roles, eve_hides_phone):
        alice, eve, carol = roles["alice"], roles["eve"], roles["carol"]
        await alice.put(alice.org(f"/members/{carol.member_id}/role"), json={"role": "subadmin", "scope_department_ids": [alice.refs["mk"]]})
        assert (await carol.get(carol.org(f"/members/{eve.member_id}")))["phone"] is None

    async def test_showing_again(self, cast, eve_hides_phone):
        alice, bob, eve = cast["alice"], cast["bob"], cast["eve"]
        await alice.patch(alice.org(f"/members/{eve.member_id}"), json={"hide_phone": False})
        assert (await bob.get(bob.org(f"/members/{eve.member_id}")))["phone"] == "13900000005"
        assert eve.member_id in await member_ids(bob, q="13900000005")
