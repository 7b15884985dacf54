"""The department tree: create, rename, reorder, move, delete, managers."""


async def tree(api) -> dict[int, dict]:
    return {d["id"]: d for d in (await api.get(api.org("/departments")))["items"]}


class TestCreateDepartment:
    async def test_under_a_department(self, cast):
        alice = cast["alice"]
        backend = await alice.post(alice.org("/departments"), json={"name": "后端组", "parent_id": alice.refs["rd"]}, expect=201)
        assert (backend["name"], backend["parent_id"], backend["hidden"], backend["manager_ids"]) == (
            "后端组", alice.refs["rd"], False, [])
        assert (await tree(cast["eve"]))[backend["id"]]["parent_id"] == alice.refs["rd"]

    async def test_unknown_parent(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/departments"), json={"name": "X", "parent_id": 10**9}, expect=404)
        assert r["code"] == "department_not_found"

    async def test_member_forbidden(self, cast):
        eve = cast["eve"]
        r = await eve.post(eve.org("/departments"), json={"name": "X", "parent_id": eve.refs["rd"]}, expect=403)
        assert r["code"] == "forbidden"
        assert "X" not in {d["name"] for d in (await tree(eve)).values()}

    async def test_empty_name(self, cast):
        alice = cast["alice"]
        r = await alice.post(alice.org("/departments"), json={"name": "   ", "parent_id": alice.refs["rd"]}, expect=422)
        assert r["code"] == "validation_error"


class TestGetDepartment:
    async def test_found(self, cast):
        eve = cast["eve"]
        rd = await eve.get(eve.org(f"/departments/{eve.refs['rd']}"))
        assert (rd["name"], rd["parent_id"]) == ("研发部", eve.refs["root"])

    async def test_unknown(self, cast):
        eve = cast["eve"]
        r = await eve.get(eve.org("/departments/123456789"), expect=404)
        assert r["code"] == "department_not_found"


class TestUpdateDepartment:
    async def test_rename(self, cast):
        alice = cast["alice"]
        rd = await alice.patch(alice.org(f"/departments/{alice.refs['rd']}"), json={"name": "研发中心"})
        assert rd["name"] == "研发中心"
        assert (await tree(cast["bob"]))[alice.refs["rd"]]["name"] == "研发中心"

    async def test_reorder(self, cast):
        alice = cast["alice"]
        order = [d for d in (await tree(alice)) if d != alice.refs["root"]]
        assert order == [alice.refs["rd"], alice.refs["mk"]]
        await alice.patch(alice.org(f"/departments/{alice.refs['rd']}"), json={"sort_order": 10})
        order = [d for d in (await tree(alice)) if d != alice.refs["root"]]
        assert order == [alice.refs["mk"], alice.refs["rd"]]

    async def test_move(self, cast):
        alice = cast["alice"]
        moved = await alice.patch(alice.org(f"/departments/{alice.refs['mk']}"), json={"parent_id": alice.refs["rd"]})
        assert moved["parent_id"] == alice.refs["rd"]
        assert (await tree(alice))[alice.refs["mk"]]["parent_id"] == alice.refs["rd"]

    async def test_move_under_itself(self, cast):
        alice = cast["alice"]
        r = await alice.patch(alice.org(f"/departments/{alice.refs['rd']}"), json={"parent_id": alice.refs["rd"]}, expect=400)
        assert r["code"] == "department_cycle"

    async def test_move_under_a_descendant(self, cast):
        alice = cast["alice"]
        child = await alice.post(alice.org("/departments"), json={"name": "后端组", "parent_id": alice.refs["rd"]}, expect=201)
        grandchild = await alice.post(alice.org("/departments"), json={"name": "存储", "parent_id": child["id"]}, expect=201)
        r = await alice.patch(alice.org(f"/departments/{alice.refs['rd']}"), json={"parent_id": grandchild["id"]}, expect=400)
        assert r["code"] == "department_cycle"
        departments = await tree(alice)
        assert departments[alice.refs["rd"]]["parent_id"] == alice.refs["root"]

    async def test_move_the_root(self, cast):
        alice = cast["alice"]
        r = await alice.patch(alice.org(f"/departments/{alice.refs['root']}"), json={"parent_id": alice.refs["rd"]}, expect=400)
        assert r["code"] == "root_department"

    async def test_hide_the_root(self, cast):
        alice = cast["alice"]
        r = await alice.patch(alice.org(f"/departments/{alice.refs['root']}"), json={"hidden": True}, expect=400)
        assert r["code"] == "root_department"

    async def test_unknown_department(self, cast):
        alice = cast["alice"]
        r = await alice.patch(alice.org("/departments/987654321"), json={"name": "X"}, expect=404)
        assert r["code"] == "department_not_found"

    async def test_unknown_new_parent(self, cast):
        alice = cast["alice"]
        r = await alice.patch(alice.org(f"/departments/{alice.refs['rd']}"), json={"parent_id": 987654321}, expect=404)
        assert r["code"] == "department_not_found"

    async def test_member_forbidden(self, cast):
        eve = cast["eve"]
        r = await eve.patch(eve.org(f"/departments/{eve.refs['rd']}"), json={"name": "Mine"}, expect=403)
        assert r["code"] == "forbidden"
        assert (await tree(eve))[eve.refs["rd"]]["name"] == "研发部"


class TestDeleteDepartment:
    async def test_empty(self, cast):
        alice = cast["alice"]
        empty = await alice.post(alice.org("/departments"), json={"name": "临时", "parent_id": alice.refs["rd"]}, expect=201)
        await alice.delete(alice.org(f"/departments/{empty['id']}"), expect=204)
        assert empty["id"] not in await tree(alice)
        r = await alice.get(alice.org(f"/departments/{empty['id']}"), expect=404)
        assert r["code"] == "department_not_found"

    async def test_with_members(self, cast):
        alice = cast["alice"]
        r = await alice.delete(alice.org(f"/departments/{alice.refs['mk']}"), expect=409)
        assert r["code"] == "department_not_empty"
        assert alice.refs["mk"] in await tree(alice)

    async def test_with_children(self, cast):
        alice = cast["alice"]
        parent = await alice.post(alice.org("/departments"), json={"name": "空壳", "parent_id": alice.refs["root"]}, expect=201)
        await alice.post(alice.org("/departments"), json={"name": "子部门", "parent_id": parent["id"]}, expect=201)
        r = await alice.delete(alice.org(f"/departments/{parent['id']}"), expect=409)
        assert r["code"] == "department_not_empty"

    async def test_root(self, cast):
        alice = cast["alice"]
        r = await alice.delete(alice.org(f"/departments/{alice.refs['root']}"), expect=400)
        assert r["code"] == "root_department"

    async def test_unknown(self, cast):
        alice = cast["alice"]
        r = await alice.delete(alice.org("/departments/987654321"), expect=404)
        assert r["code"] == "department_not_found"

    async def test_member_forbidden(self, cast):
        alice, eve = cast["alice"], cast["eve"]
        empty = await alice.post(alice.org("/departments"), json={"name": "临时", "parent_id": alice.refs["rd"]}, expect=201)
        r = await eve.delete(eve.org(f"/departments/{empty['id']}"), expect=403)
        assert r["code"] == "forbidden"
        assert empty["id"] in await tree(alice)


class TestSetManagers:
    async def test_set_and_replace(self, cast):
        alice = cast["alice"]
        url = alice.org(f"/departments/{alice.refs['rd']}/managers")
        rd = await alice.put(url, json={"member_ids": [cast["bob"].member_id, cast["eve"].member_id]})
        assert sorted(rd["manager_ids"]) == sorted([cast["bob"].member_id, cast["eve"].member_id])
        rd = await alice.put(url, json={"member_ids": [cast["eve"].member_id]})
        assert rd["manager_ids"] == [cast["eve"].member_id]
        assert (await tree(cast["carol"]))[alice.refs["rd"]]["manager_ids"] == [cast["eve"].member_id]
        rd = await alice.put(url, json={"member_ids": []})
        assert rd["manager_ids"] == []

    async def test_manager_from_another_department(self, cast):
        alice = cast["alice"]
        rd = await alice.put(alice.org(f"/departments/{alice.refs['rd']}/managers"), json={"member_ids": [cast["carol"].member_id]})
        assert rd["manager_ids"] == [cast["carol"].member_id]

    async def test_foreign_member(self, cast):
        alice = cast["alice"]
        url = alice.org(f"/departments/{alice.refs['rd']}/managers")
        await alice.put(url, json={"member_ids": [cast["bob"].member_id]})
        r = await alice.put(url, json={"member_ids": [cast["eve"].member_id, cast["dave"].member_id]}, expect=400)
        assert r["code"] == "member_not_found"
        assert (await tree(alice))[alice.refs["rd"]]["manager_ids"] == [cast["bob"].member_id]

    async def test_deactivated_member(self, cast):
        alice = cast["alice"]
        await alice.post(alice.org(f"/members/{cast['eve'].member_id}/deactivate"))
        r = await alice.put(alice.org(f"/departments/{alice.refs['rd']}/managers"), json={"member_ids": [cast["eve"].member_id]}, expect=400)
        assert r["code"] == "member_not_found"

    async def test_unknown_department(self, cast):
        alice = cast["alice"]
        r = await alice.put(alice.org("/departments/987654321/managers"), json={"member_ids": []}, expect=404)
        assert r["code"] == "department_not_found"

    async def test_member_forbidden(self, cast):
        eve = cast["eve"]
        r = await eve.put(eve.org(f"/departments/{eve.refs['rd']}/managers"), json={"member_ids": [eve.member_id]}, expect=403)
        assert r["code"] == "forbidden"
        assert (await tree(eve))[eve.refs["rd"]]["manager_ids"] == []
