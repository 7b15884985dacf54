"""Searching the directory: names, pinyin, initials, phone, employee no.; LIKE is literal."""

import pytest


@pytest.fixture
async def people(cast) -> dict[str, int]:
    alice = cast["alice"]
    ids = {}
    for name, phone, employee_no in (
        ("张三", "13600000201", "HR-007"),
        ("李四", "13600000202", "E_100"),
        ("张珊珊", "13600000203", None),
        ("100%满意", "13600000204", "E5100"),
        ("Zhang_Wei", "13600000205", None),
    ):
        body = {"name": name, "phone": phone, "department_ids": [alice.refs["mk"]]}
        if employee_no:
            body["employee_no"] = employee_no
        ids[name] = (await alice.post(alice.org("/members"), json=body, expect=201))["member"]["id"]
    return ids


async def found(api, q: str) -> set[int]:
    page = await api.get(api.org("/members"), params={"q": q})
    assert page["total"] == len(page["items"])
    return {m["id"] for m in page["items"]}


class TestSearch:
    async def test_name_substring(self, cast, people):
        assert await found(cast["bob"], "张") == {people["张三"], people["张珊珊"]}
        assert await found(cast["bob"], "三") == {people["张三"]}

    async def test_full_pinyin(self, cast, people):
        assert await found(cast["bob"], "zhangsan") == {people["张三"]}
        assert await found(cast["bob"], "zhang") == {people["张三"], people["张珊珊"], people["Zhang_Wei"]}
        assert await found(cast["bob"], "zhangshanshan") == {people["张珊珊"]}
        assert await found(cast["bob"], "ZhangSan") == await found(cast["bob"], "zhangsan")

    async def test_initials(self, cast, people):
        assert await found(cast["bob"], "zs") == {people["张三"], people["张珊珊"]}
        assert await found(cast["bob"], "zss") == {people["张珊珊"]}
        assert await found(cast["bob"], "my") == {people["100%满意"]}

    async def test_latin_name_any_case(self, cast, people):
        assert cast["alice"].member_id in await found(cast["bob"], "ALICE")
        assert cast["alice"].member_id in await found(cast["bob"], "Alice 艾")

    async def test_phone(self, cast, people):
        assert await found(cast["bob"], "13600000202") == {people["李四"]}
        assert await found(cast["bob"], "0000020") == {people[n] for n in ("张三", "李四", "张珊珊", "100%满意", "Zhang_Wei")}

    async def test_employee_no_any_case(self, cast, people):
        assert await found(cast["bob"], "HR-007") == {people["张三"]}
        assert await found(cast["bob"], "hr-007") == {people["张三"]}

    async def test_percent_is_literal(self, cast, people):
        assert await found(cast["bob"], "%") == {people["100%满意"]}
        assert await found(cast["bob"], "0%满") == {people["100%满意"]}
        assert await found(cast["bob"], "1%意") == set()

    async def test_underscore_is_literal(self, cast, people):
        assert await found(cast["bob"], "_") == {people["李四"], people["Zhang_Wei"]}
        assert await found(cast["bob"], "E_1") == {people["李四"]}
        assert await found(cast["bob"], "g_w") == {people["Zhang_Wei"]}

    async def test_backslash_is_literal(self, cast, people):
        assert await found(cast["bob"], "\\") == set()

    async def test_nothing(self, cast, people):
        assert await found(cast["bob"], "不存在的人") == set()

    async def test_within_a_department(self, cast, people):
        bob = cast["bob"]
        page = await bob.get(bob.org("/members"), params={"q": "张", "department_id": bob.refs["rd"]})
        assert page["items"] == []

    async def test_blank_query_lists_everyone(self, cast, people):
        page = await cast["bob"].get(cast["bob"].org("/members"), params={"q": "  "})
        assert page["total"] == 4 + len(people)


class TestListMembers:
    async def test_paging(self, cast, people):
        bob = cast["bob"]
        first = await bob.get(bob.org("/members"), params={"limit": 4})
        assert (len(first["items"]), first["total"], first["next_offset"]) == (4, 9, 4)
        second = await bob.get(bob.org("/members"), params={"limit": 4, "offset": 4})
        third = await bob.get(bob.org("/members"), params={"limit": 4, "offset": 8})
        assert third["next_offset"] is None
        ids = [m["id"] for page in (first, second, third) for m in page["items"]]
        assert len(ids) == len(set(ids)) == 9

    async def test_pinyin_order(self, cast, people):
        page = await cast["bob"].get(cast["bob"].org("/members"), params={"department_id": cast["bob"].refs["mk"]})
        names = [m["name"] for m in page["items"]]
        # 李四 (li) before 张三 (zhang); Latin and Chinese sorted together.
        assert names.index("李四") < names.index("张三") < names.index("张珊珊")
        assert names.index("carol") < names.index("李四")
