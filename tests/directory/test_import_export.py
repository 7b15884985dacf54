"""Importing members from CSV / XLSX, exporting them, and the round trip between the two."""

import csv
import io
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from tests.helpers import Api

HEADER = ["姓名", "手机号", "邮箱", "职位", "工号", "部门", "直属主管", "入职日期"]


def csv_bytes(rows: list[list[str]], *, encoding: str = "utf-8-sig", header: list[str] = HEADER) -> bytes:
    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    return text.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], *, header: list[str] = HEADER) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


async def upload(api: Api, filename: str, data: bytes, expect: int = 200):
    return await api.post(api.org("/members/import"), files={"file": (filename, data, "application/octet-stream")}, expect=expect)


async def members_by_name(api: Api) -> dict[str, dict]:
    page = await api.get(api.org("/members"), params={"limit": 100})
    return {m["name"]: m for m in page["items"]}


async def departments_by_path(api: Api) -> dict[str, int]:
    items = (await api.get(api.org("/departments")))["items"]
    by_id = {d["id"]: d for d in items}

    def path(d: dict) -> str:
        names = []
        while d["parent_id"] is not None:
            names.append(d["name"])
            d = by_id[d["parent_id"]]
        return "/".join(reversed(names))

    return {path(d): d["id"] for d in items}


GOOD_ROWS = [
    ["张三", "13600000301", "zs@example.com", "工程师", "E301", "研发部/后端组", "", "2023-05-06"],
    ["李四", "13600000302", "", "组长", "E302", "研发部/后端组;市场部", "13600000301", "2023/7/8"],
    ["王五", "", "ww@example.com", "", "", "", "E302", ""],
]


class TestImportCsv:
    async def test_utf8_with_bom(self, cast):
        alice = cast["alice"]
        report = await upload(alice, "members.csv", csv_bytes(GOOD_ROWS))
        assert (report["total"], report["created"], report["failed"], report["departments_created"]) == (3, 3, 0, 1)
        assert [(r["row"], r["status"]) for r in report["rows"]] == [(2, "created"), (3, "created"), (4, "created")]
        paths = await departments_by_path(alice)
        members = await members_by_name(alice)
        zhang, li, wang = members["张三"], members["李四"], members["王五"]
        assert (zhang["phone"], zhang["email"], zhang["job_title"], zhang["employee_no"], zhang["hire_date"]) == (
            "13600000301", "zs@example.com", "工程师", "E301", "2023-05-06")
        assert zhang["department_ids"] == [paths["研发部/后端组"]]
        assert paths["研发部/后端组"] != paths["研发部"]
        assert sorted(li["department_ids"]) == sorted([paths["研发部/后端组"], paths["市场部"]])
        assert (li["manager_id"], li["hire_date"]) == (zhang["id"], "2023-07-08")
        assert (wang["manager_id"], wang["department_ids"], wang["has_account"]) == (li["id"], [alice.refs["root"]], False)
        assert {r["member_id"] for r in report["rows"]} == {zhang["id"], li["id"], wang["id"]}

    async def test_gbk(self, cast):
        alice = cast["alice"]
        report = await upload(alice, "members.csv", csv_bytes(GOOD_ROWS[:1], encoding="gbk"))
        assert report["created"] == 1
        assert (await members_by_name(alice))["张三"]["department_ids"] == [(await departments_by_path(alice))["研发部/后端组"]]

    async def test_english_headers_and_utf8_without_bom(self, cast):
        alice = cast["alice"]
        data = csv_bytes([["Zed", "13600000399", "Sales"]], encoding="utf-8", header=["Name", "Mobile", "Department"])
        report = await upload(alice, "members.csv", data)
        assert report["created"] == 1
        assert (await members_by_name(alice))["Zed"]["department_ids"] == [(await departments_by_path(alice))["Sales"]]

    async def test_existing_account_is_linked(self, cast):
        alice = cast["alice"]
        report = await upload(alice, "m.csv", csv_bytes([["Dave", "13900000004", "", "", "", "", "", ""]]))
        assert report["created"] == 1
        assert (await members_by_name(alice))["Dave"]["has_account"] is True
        assert alice.org_id in {m["org_id"] for m in (await cast["dave"].get("/api/v1/me"))["memberships"]}

    async def test_bad_rows_are_reported_and_good_rows_land(self, cast):
        alice = cast["alice"]
        rows = [
            ["好人", "13600000311", "", "", "E311", "", "", ""],            # 2 ok
            ["坏手机", "not-a-phone", "", "", "", "", "", ""],              # 3 invalid_phone
            ["无联系", "", "", "", "", "", "", ""],                         # 4 contact_required
            ["重复", "13600000311", "", "", "", "", "", ""],                # 5 duplicate_in_file
            ["已在", "13900000002", "", "", "", "", "", ""],                # 6 phone_taken (bob)
            ["无主管", "13600000312", "", "", "", "", "99999", ""],         # 7 manager_not_found
            ["坏日期", "13600000313", "", "", "", "", "", "2023-02-30"],    # 8 invalid_date
            ["坏邮箱", "", "nope@", "", "", "", "", ""],                    # 9 invalid_email
            ["", "13600000314", "", "", "", "", "", ""],                    # 10 invalid_name
            ["", "", "", "", "", "", "", ""],                               # 11 blank: skipped
            ["下属", "13600000315", "", "", "", "", "13600000312", ""],    # 12 manager rejected in turn
            ["同工号", "13600000316", "", "", "E311", "", "", ""],          # 13 duplicate_in_file
        ]
        report = await upload(alice, "m.csv", csv_bytes(rows))
        outcome = {r["row"]: (r["status"], r["code"]) for r in report["rows"]}
        assert outcome == {
            2: ("created", None),
            3: ("error", "invalid_phone"),
            4: ("error", "contact_required"),
            5: ("error", "duplicate_in_file"),
            6: ("error", "phone_taken"),
            7: ("error", "manager_not_found"),
            8: ("error", "invalid_date"),
            9: ("error", "invalid_email"),
            10: ("error", "invalid_name"),
            12: ("error", "manager_not_found"),
            13: ("error", "duplicate_in_file"),
        }
        assert all(r["message"] for r in report["rows"] if r["status"] == "error")
        assert "第 2 行" in next(r["message"] for r in report["rows"] if r["row"] == 5)
        assert (report["total"], report["created"], report["failed"]) == (11, 1, 10)
        names = set(await members_by_name(alice))
        assert names == {"Alice 艾丽斯", "bob", "carol", "eve", "好人"}

    async def test_manager_cycle_in_the_file(self, cast):
        alice = cast["alice"]
        rows = [
            ["甲", "13600000321", "", "", "", "", "13600000322", ""],
            ["乙", "13600000322", "", "", "", "", "13600000321", ""],
            ["丙", "13600000323", "", "", "", "", "13600000321", ""],
        ]
        report = await upload(alice, "m.csv", csv_bytes(rows))
        assert [(r["row"], r["status"], r["code"]) for r in report["rows"]] == [
            (2, "created", "manager_cycle"), (3, "created", "manager_cycle"), (4, "created", None)]
        members = await members_by_name(alice)
        assert (members["甲"]["manager_id"], members["乙"]["manager_id"], members["丙"]["manager_id"]) == (
            None, None, members["甲"]["id"])

    async def test_manager_by_existing_member(self, cast):
        alice = cast["alice"]
        report = await upload(alice, "m.csv", csv_bytes([["新", "13600000331", "", "", "", "研发部", "13900000002", ""]]))
        assert report["created"] == 1
        member = (await members_by_name(alice))["新"]
        assert (member["manager_id"], member["department_ids"]) == (cast["bob"].member_id, [alice.refs["rd"]])

    async def test_control_characters_are_dropped(self, cast):
        alice = cast["alice"]
        # A NUL early in the file means a binary file (415); later, it is only a bad character.
        padding = [[f"填充{i}", f"135{i:08d}", "", "", "", "", "", ""] for i in range(150)]
        data = csv_bytes([*padding, ["空\x00字符", "13600000341", "", "", "", "部\x01门", "", ""]])
        assert data.index(b"\x00") > 4096
        report = await upload(alice, "m.csv", data)
        assert (report["created"], report["failed"]) == (151, 0)
        assert "空字符" in await members_by_name(alice)
        assert "部门" in await departments_by_path(alice)

    async def test_audited(self, cast):
        alice = cast["alice"]
        await upload(alice, "m.csv", csv_bytes(GOOD_ROWS))
        entry = (await alice.get(alice.org("/audit")))["items"][0]
        assert (entry["action"], entry["detail"]["created"], entry["detail"]["failed"]) == ("member.import", 3, 0)


class TestImportXlsx:
    async def test_rows_land(self, cast):
        alice = cast["alice"]
        from datetime import datetime

        rows = [
            ["张三", 13600000401, None, "工程师", "X1", "研发部/后端组", None, datetime(2022, 1, 2)],
            ["李四", "13600000402", "li4@example.com", None, None, "市场部", "X1", "2022-03-04"],
        ]
        report = await upload(alice, "members.xlsx", xlsx_bytes(rows))
        assert (report["created"], report["failed"], report["departments_created"]) == (2, 0, 1)
        members = await members_by_name(alice)
        assert (members["张三"]["phone"], members["张三"]["hire_date"]) == ("13600000401", "2022-01-02")
        assert members["李四"]["manager_id"] == members["张三"]["id"]
        assert members["李四"]["department_ids"] == [alice.refs["mk"]]

    async def test_bad_rows(self, cast):
        alice = cast["alice"]
        report = await upload(alice, "m.xlsx", xlsx_bytes([["坏", "abc", None, None, None, None, None, None], ["好", "13600000411"]]))
        assert [(r["row"], r["status"], r["code"]) for r in report["rows"]] == [(2, "error", "invalid_phone"), (3, "created", None)]


class TestImportWholeFileErrors:
    async def _nothing_written(self, alice: Api) -> None:
        assert set(await members_by_name(alice)) == {"Alice 艾丽斯", "bob", "carol", "eve"}
        assert set(await departments_by_path(alice)) == {"", "研发部", "市场部"}

    async def test_png(self, cast):
        alice = cast["alice"]
        png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
        for name in ("photo.png", "members.csv"):
            r = await upload(alice, name, png, expect=415)
            assert r["code"] == "unsupported_media_type"
        await self._nothing_written(alice)

    async def test_other_extension(self, cast):
        r = await upload(cast["alice"], "members.pdf", b"%PDF-1.4", expect=415)
        assert r["code"] == "unsupported_media_type"

    async def test_corrupt_xlsx(self, cast):
        alice = cast["alice"]
        r = await upload(alice, "members.xlsx", b"PK\x03\x04" + b"garbage" * 100, expect=400)
        assert r["code"] == "import_bad_file"
        r = await upload(alice, "members.xlsx", b"not a zip at all", expect=400)
        assert r["code"] == "import_bad_file"
        await self._nothing_written(alice)

    async def test_zip_with_broken_sheet(self, cast):
        alice = cast["alice"]
        good = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["张三", "13600000501"]])))
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as broken:
            for item in good.infolist():
                data = good.read(item.filename)
                if item.filename.startswith("xl/worksheets/"):
                    data = data[: len(data) // 2]
                broken.writestr(item, data)
        r = await upload(alice, "members.xlsx", buffer.getvalue(), expect=400)
        assert r["code"] == "import_bad_file"
        await self._nothing_written(alice)

    async def test_no_name_header(self, cast):
        alice = cast["alice"]
        r = await upload(alice, "m.csv", "手机号,部门\n13600000601,研发部\n".encode(), expect=400)
        assert r["code"] == "import_bad_file"
        r = await upload(alice, "m.xlsx", xlsx_bytes([["13600000601"]], header=["手机号"]), expect=400)
        assert r["code"] == "import_bad_file"
        await self._nothing_written(alice)

    async def test_empty_file(self, cast):
        r = await upload(cast["alice"], "m.csv", b"", expect=400)
        assert r["code"] == "import_bad_file"

    async def test_huge_csv_field(self, cast):
        alice = cast["alice"]
        data = b'\xe5\xa7\x93\xe5\x90\x8d\n"' + b"x" * 200_000 + b"\n"
        r = await upload(alice, "m.csv", data, expect=400)
        assert r["code"] == "import_bad_file"

    async def test_too_large(self, app, cast):
        alice = cast["alice"]
        settings = app.state.settings
        saved = settings.import_max_bytes
        data = csv_bytes(GOOD_ROWS)
        settings.import_max_bytes = len(data) - 1
        try:
            r = await upload(alice, "m.csv", data, expect=413)
            assert r["code"] == "import_too_large"
            r = await upload(alice, "m.xlsx", xlsx_bytes(GOOD_ROWS) + b"\x00" * len(data), expect=413)
            assert r["code"] == "import_too_large"
            settings.import_max_bytes = len(data)
            await upload(alice, "m.csv", data)
        finally:
            settings.import_max_bytes = saved

    @pytest.mark.parametrize("kind", ["csv", "xlsx"])
    async def test_too_many_rows(self, app, cast, kind):
        alice = cast["alice"]
        settings = app.state.settings
        saved = settings.import_max_rows
        settings.import_max_rows = 3
        rows = [[f"人{i}", f"1360000070{i}"] for i in range(4)]
        blank_between = [rows[0], ["", ""], rows[1], ["", ""], *rows[2:]]
        build = csv_bytes if kind == "csv" else xlsx_bytes
        try:
            r = await upload(alice, f"m.{kind}", build(blank_between, header=["姓名", "手机号"]), expect=413)
            assert r["code"] == "import_too_large"
            await self._nothing_written(alice)
            report = await upload(alice, f"m.{kind}", build(blank_between[:-1], header=["姓名", "手机号"]))
            assert report["created"] == 3
        finally:
            settings.import_max_rows = saved

    async def test_missing_file(self, cast):
        r = await cast["alice"].post(cast["alice"].org("/members/import"), expect=422)
        assert r["code"] == "validation_error"


class TestExport:
    async def _enrich(self, cast) -> None:
        alice = cast["alice"]
        team = await alice.post(alice.org("/departments"), json={"name": "后端组", "parent_id": alice.refs["rd"]}, expect=201)
        await alice.patch(alice.org(f"/members/{cast['eve'].member_id}"), json={"department_ids": [team["id"], alice.refs["mk"]], "employee_no": "E5"})
        await alice.patch(
            alice.org(f"/members/{cast['bob'].member_id}"),
            json={"job_title": "架构师", "email": "bob@example.com", "hire_date": "2021-09-01", "manager_id": cast["eve"].member_id},
        )

    async def test_csv(self, cast):
        alice = cast["alice"]
        await self._enrich(cast)
        r = await alice.get(alice.org("/members/export"), params={"format": "csv"})
        assert r.headers["content-type"].startswith("text/csv")
        assert r.content.startswith("\ufeff".encode())
        rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
        assert rows[0] == HEADER
        by_name = {row[0]: row for row in rows[1:]}
        assert set(by_name) == {"Alice 艾丽斯", "bob", "carol", "eve"}
        assert by_name["bob"] == ["bob", "13900000002", "bob@example.com", "架构师", "", "研发部", "13900000005", "2021-09-01"]
        assert by_name["eve"][5] == "市场部;研发部/后端组"
        assert by_name["Alice 艾丽斯"][5] == ""

    async def test_xlsx(self, cast):
        alice = cast["alice"]
        await self._enrich(cast)
        r = await alice.get(alice.org("/members/export"), params={"format": "xlsx"})
        assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert rows[0] == HEADER
        assert {row[0] for row in rows[1:]} == {"Alice 艾丽斯", "bob", "carol", "eve"}

    async def test_leaves_out_deactivated_members(self, cast):
        alice = cast["alice"]
        await alice.post(alice.org(f"/members/{cast['eve'].member_id}/deactivate"))
        r = await alice.get(alice.org("/members/export"))
        assert "eve" not in r.text

    async def test_unknown_format(self, cast):
        r = await cast["alice"].get(cast["alice"].org("/members/export"), params={"format": "pdf"}, expect=422)
        assert r["code"] == "validation_error"

    @pytest.mark.parametrize("kind", ["csv", "xlsx"])
    async def test_round_trip_into_a_new_org(self, cast, client, kind):
        alice = cast["alice"]
        await self._enrich(cast)
        exported = (await alice.get(alice.org("/members/export"), params={"format": kind})).content
        zed = await Api.signup(client, "Zed", phone="13600000999")
        zed.org_id = (await zed.post("/api/v1/orgs", json={"name": "Acme 2"}, expect=201))["id"]
        report = await upload(zed, f"directory.{kind}", exported)
        assert (report["created"], report["failed"]) == (4, 0)

        def shape(members: dict[str, dict], paths: dict[str, int]) -> dict[str, tuple]:
            path_of = {v: k for k, v in paths.items()}
            name_of = {m["id"]: n for n, m in members.items()}
            return {
                n: (m["phone"], m["email"], m["job_title"], m["employee_no"], m["hire_date"],
                    sorted(path_of[d] for d in m["department_ids"]), name_of.get(m["manager_id"]))
                for n, m in members.items()
            }

        original = shape(await members_by_name(alice), await departments_by_path(alice))
        copied = shape(await members_by_name(zed), await departments_by_path(zed))
        del copied["Zed"]
        assert copied == original
        # Exporting the copy gives the same rows again (Zed aside).
        again = (await zed.get(zed.org("/members/export"), params={"format": "csv"})).text.splitlines()[1:]
        first = (await alice.get(alice.org("/members/export"), params={"format": "csv"})).text.splitlines()[1:]
        assert sorted(line for line in again if not line.startswith("Zed,")) == sorted(first)
