"""A search that matches most of the organization is cut short, and says so."""

from tack.directory.queries import SEARCH_CAP


class TestSearchCap:
    async def test_broad_search_is_truncated_and_sorted(self, cast):
        alice = cast["alice"]
        rows = ["姓名,手机号"] + [f"测试{i:04d},1370000{i:04d}" for i in range(SEARCH_CAP + 20)]
        files = {"file": ("m.csv", ("\n".join(rows)).encode(), "text/csv")}
        report = await alice.post(alice.org("/members/import"), files=files)
        assert report["created"] == SEARCH_CAP + 20

        page = await alice.get(alice.org("/members"), params={"q": "1370000", "limit": 100})
        assert page["truncated"] is True
        assert page["total"] == SEARCH_CAP
        names = [m["name"] for m in page["items"]]
        assert names == sorted(names)

        narrow = await alice.get(alice.org("/members"), params={"q": "13700000001"})
        assert narrow["truncated"] is False
        assert [m["name"] for m in narrow["items"]] == ["测试0001"]
