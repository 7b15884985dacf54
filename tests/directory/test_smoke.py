async def test_cast_builds(cast):
    alice = cast["alice"]
    page = await alice.get(alice.org("/members"))
    assert {m["name"] for m in page["items"]} == {"Alice 艾丽斯", "bob", "carol", "eve"}
    dave = cast["dave"]
    r = await dave.get(alice.org("/members"), expect=404)
    assert r["code"] == "org_not_found"
