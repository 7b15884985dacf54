"""Images and files: upload limits, real image types, member-only downloads, recall, forward."""

from tests.chat.conftest import direct, group, send

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def upload(api, cid, data, *, name="a.png", kind="image", content_type="image/png", expect=201):
    return await api.post(
        api.org(f"/conversations/{cid}/files"), files={"file": (name, data, content_type)}, data={"kind": kind}, expect=expect
    )


class TestFiles:
    async def test_image_message_and_member_only_download(self, cast):
        alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
        d = await direct(alice, bob)
        up = await upload(alice, d["id"], PNG, name="../../截图.png")
        assert (up["kind"], up["name"], up["content_type"], up["size"]) == ("image", "截图.png", "image/png", len(PNG))
        m = await send(alice, d["id"], "", kind="image", file_id=up["id"])
        assert m["content"] == {"file_id": up["id"], "name": "截图.png", "size": len(PNG), "content_type": "image/png"}
        path = f"/conversations/{d['id']}/files/{up['id']}"
        r = await bob.get(bob.org(path))
        assert r.content == PNG and r.headers["content-type"] == "image/png"
        assert r.headers["x-content-type-options"] == "nosniff" and r.headers["content-disposition"].startswith("inline")
        assert (await carol.get(carol.org(path), expect=404))["code"] == "conversation_not_found"
        await dave.get(dave.org(path), expect=404)
        # findable by name
        hits = (await bob.get(bob.org("/messages/search"), params={"q": "截图"}))["items"]
        assert [h["message"]["id"] for h in hits] == [m["id"]]

    async def test_other_files_are_downloads_whatever_they_claim(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        up = await upload(alice, d["id"], b"<script>alert(1)</script>", name="x.html", kind="file", content_type="text/html")
        m = await send(alice, d["id"], "", kind="file", file_id=up["id"])
        r = await bob.get(bob.org(f"/conversations/{d['id']}/files/{up['id']}"))
        assert r.headers["content-type"] == "application/octet-stream"
        assert r.headers["content-disposition"].startswith("attachment")
        assert m["content"]["content_type"] == "text/html"

    async def test_bad_uploads(self, app, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        d = await direct(alice, bob)
        assert (await upload(alice, d["id"], b"GIF? no", expect=400))["code"] == "not_an_image"
        assert (await upload(alice, d["id"], b"", kind="file", expect=400))["code"] == "file_empty"
        limits = app.state.chat_limits
        saved, limits.max_image_bytes = limits.max_image_bytes, 16
        try:
            assert (await upload(alice, d["id"], PNG, expect=413))["code"] == "payload_too_large"
        finally:
            limits.max_image_bytes = saved
        await upload(carol, d["id"], PNG, expect=404)
        r = await send(alice, d["id"], "", kind="image", expect=400)
        assert r["code"] == "file_required"
        doc = await upload(alice, d["id"], b"data", kind="file", name="a.txt", content_type="text/plain")
        assert (await send(alice, d["id"], "", kind="image", file_id=doc["id"], expect=400))["code"] == "file_kind_mismatch"
        other = await direct(alice, carol)
        r = await send(alice, other["id"], "", kind="file", file_id=doc["id"], expect=404)
        assert r["code"] == "file_not_found"

    async def test_blocked_file_types(self, app, cast):
        alice, bob = cast["alice"], cast["bob"]
        d = await direct(alice, bob)
        for name in ("setup.EXE", "run.bat", "dir/../启动.vbs"):
            r = await upload(alice, d["id"], b"MZ", name=name, kind="file", content_type="application/octet-stream", expect=400)
            assert (r["code"], r["detail"]["extension"]) == ("file_type_blocked", name.rsplit(".", 1)[1].lower())
        await upload(alice, d["id"], b"ok", name="exe.txt", kind="file", content_type="text/plain")
        limits = app.state.chat_limits
        saved, limits.blocked_file_extensions = limits.blocked_file_extensions, ""
        try:
            await upload(alice, d["id"], b"MZ", name="setup.exe", kind="file", content_type="application/octet-stream")
        finally:
            limits.blocked_file_extensions = saved

    async def test_recall_removes_the_download_forward_keeps_its_copy(self, cast):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        d = await direct(alice, bob)
        g = await group(bob, carol)
        up = await upload(alice, d["id"], PNG)
        m = await send(alice, d["id"], "", kind="image", file_id=up["id"])
        [copy] = await bob.post(bob.org(f"/conversations/{d['id']}/messages/{m['id']}/forward"), json={"conversation_ids": [g["id"]]}, expect=201)
        copy_path = f"/conversations/{g['id']}/files/{copy['content']['file_id']}"
        assert (await carol.get(carol.org(copy_path))).content == PNG
        await alice.post(alice.org(f"/conversations/{d['id']}/messages/{m['id']}/recall"))
        r = await bob.get(bob.org(f"/conversations/{d['id']}/files/{up['id']}"), expect=404)
        assert r["code"] == "file_not_found"
        assert (await carol.get(carol.org(copy_path))).content == PNG
