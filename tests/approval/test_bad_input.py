"""Bad input on every field kind and on the instance: a 4xx with a stable code, and nothing
written (no request, no claimed invoice, no file bound, nobody's list changed)."""

import pytest
from sqlalchemy import func, select

from tack.approval.models import ApprovalEvent, ApprovalFile, ApprovalInstance, ApprovalInvoice, ApprovalTask
from tests.approval.conftest import act, box, submit

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HUGE = 2**70  # past every integer column: must be refused, never reach SQL

FORM = [
    {"key": "t", "label": "文本", "kind": "text", "max_length": 5},
    {"key": "lt", "label": "长文本", "kind": "long_text"},
    {"key": "n", "label": "数字", "kind": "number", "min": 0, "max": 10},
    {"key": "m", "label": "金额", "kind": "money", "min": 0, "max": 1000},
    {"key": "d", "label": "日期", "kind": "date"},
    {"key": "tm", "label": "时间", "kind": "time"},
    {"key": "dr", "label": "日期区间", "kind": "daterange", "half_day": True},
    {"key": "s", "label": "单选", "kind": "select", "options": ["甲", "乙"]},
    {"key": "ms", "label": "多选", "kind": "multiselect", "options": ["甲", "乙"]},
    {"key": "mem", "label": "成员", "kind": "member", "max_count": 2},
    {"key": "dep", "label": "部门", "kind": "department"},
    {"key": "att", "label": "附件", "kind": "attachment"},
    {"key": "img", "label": "图片", "kind": "image"},
    {"key": "tab", "label": "明细", "kind": "table",
     "columns": [{"key": "item", "label": "项目", "kind": "text", "required": True}, {"key": "fee", "label": "金额", "kind": "money"}]},
    {"key": "inv", "label": "发票", "kind": "invoice"},
    {"key": "must", "label": "必填", "kind": "text", "required": True},
]

# (field, bad value, error code) — wrong types, out of range, ids that do not fit a column
BAD = [
    ("t", 5, "not_text"), ("t", "六个字太长了", "too_long"), ("lt", ["x"], "not_text"),
    ("n", "3", "not_a_number"), ("n", True, "not_a_number"), ("n", 11, "out_of_range"), ("n", -1, "out_of_range"),
    ("n", 10**400, "not_a_number"),
    ("m", "abc", "not_money"), ("m", "1000.01", "out_of_range"), ("m", {"v": 1}, "not_money"), ("m", "1e400", "not_money"),
    ("d", "2026-13-01", "not_a_date"), ("d", 20260101, "not_a_date"),
    ("tm", "25:00", "not_a_time"), ("tm", 900, "not_a_time"),
    ("dr", {"start": "2026-12-03", "end": "2026-12-01"}, "end_before_start"), ("dr", "2026-12-01", "not_a_range"),
    ("dr", {"start": "2026-01-01", "end": "2027-06-01"}, "out_of_range"),
    ("dr", {"start": "2026-12-01", "end": "2026-12-01", "start_half": "noon"}, "not_a_half"),
    ("s", "丙", "not_an_option"), ("s", ["甲"], "not_an_option"),
    ("ms", ["甲", "甲"], "not_an_option"), ("ms", [{"x": 1}], "not_an_option"), ("ms", "甲", "not_an_option"),
    ("mem", [1, 2, 3], "too_many"), ("mem", ["1"], "not_ids"), ("mem", [HUGE], "not_ids"), ("mem", [0], "not_ids"),
    ("dep", [HUGE], "not_ids"), ("att", [HUGE], "not_ids"), ("img", [True], "not_ids"),
    ("tab", [{"fee": "1"}], "cell_required"), ("tab", [{"item": "x", "other": 1}], "bad_row"), ("tab", {"item": "x"}, "not_rows"),
    ("tab", [{"item": "x", "fee": "abc"}], "not_money"),
    ("inv", [{"code": "0440", "number": "1", "date": "2026-12-01", "amount": "1"}] * 2, "duplicate_invoice"),
    ("inv", [{"code": "04-40", "number": "1", "date": "2026-12-01", "amount": "1"}], "bad_invoice"),
    ("inv", [{"code": "0440", "number": "1", "date": "2026-12-01", "amount": "x"}], "not_money"),
    ("nope", "x", "unknown_field"),
]


@pytest.fixture
async def every_kind(cast):
    alice, carol = cast["alice"], cast["carol"]
    return await alice.post(alice.org("/approval/templates"), json={
        "name": "全部字段", "form": FORM, "flow": {"steps": [{"kind": "members", "member_ids": [carol.member_id]}]}}, expect=201)


async def counts(app) -> tuple[int, ...]:  # type: ignore[no-untyped-def]
    async with app.state.uow_factory() as uow:
        out = []
        for model in (ApprovalInstance, ApprovalTask, ApprovalEvent, ApprovalInvoice):
            out.append((await uow.session.execute(select(func.count()).select_from(model))).scalar_one())
        out.append((await uow.session.execute(select(func.count()).select_from(ApprovalFile).where(ApprovalFile.instance_id.is_not(None)))).scalar_one())
        return tuple(out)


async def test_every_kind_refuses_bad_values_and_writes_nothing(app, cast, every_kind):
    bob, carol = cast["bob"], cast["carol"]
    before = await counts(app)
    for field, value, error in BAD:
        r = await submit(bob, every_kind["id"], {"must": "x", field: value}, expect=422)
        assert r["code"] == "approval_invalid_form", (field, value, r)
        assert {"field": field, "error": error} in r["detail"]["errors"], (field, value, r["detail"])
    r = await submit(bob, every_kind["id"], {"t": 5, "n": "x"}, expect=422)  # every error at once
    assert sorted(e["field"] for e in r["detail"]["errors"]) == ["must", "n", "t"]
    assert await counts(app) == before
    assert await box(bob, "submitted") == [] and await box(carol, "pending") == []


async def test_references_that_do_not_exist_write_nothing(app, cast, every_kind):
    """Ids of the right shape that are not there (or not the submitter's, or in another org)."""
    bob, carol, dave = cast["bob"], cast["carol"], cast["dave"]
    mine = await bob.post(bob.org("/approval/files"), files={"file": ("a.txt", b"hello", "text/plain")}, data={"kind": "file"}, expect=201)
    theirs = await carol.post(carol.org("/approval/files"), files={"file": ("b.png", PNG, "image/png")}, data={"kind": "image"}, expect=201)
    inv = [{"code": "0440", "number": "9", "date": "2026-12-01", "amount": "1"}]
    before = await counts(app)
    for values, error in (
        ({"mem": [dave.member_id]}, "unknown_members"),
        ({"mem": [2**53]}, "unknown_members"),
        ({"dep": [2**53]}, "unknown_departments"),
        ({"att": [theirs["id"]]}, "unknown_files"),
        ({"img": [mine["id"]]}, "not_an_image"),
    ):
        r = await submit(bob, every_kind["id"], {"must": "x", "inv": inv, "att": [mine["id"]], **values}, expect=422)
        assert r["code"] == "approval_invalid_form" and {"error": error} in r["detail"]["errors"], (values, r)
    assert await counts(app) == before  # the invoice was not claimed, the file not bound
    ok = await submit(bob, every_kind["id"], {"must": "x", "inv": inv, "att": [mine["id"]]})
    assert [f["id"] for f in ok["files"]] == [mine["id"]]
    r = await submit(bob, every_kind["id"], {"must": "y", "att": [mine["id"]]}, expect=422)  # already used
    assert {"error": "unknown_files"} in r["detail"]["errors"]


async def test_a_running_request_cannot_be_edited(cast, every_kind):
    """Values are frozen at submit: there is no edit; the submitter withdraws and submits anew."""
    bob = cast["bob"]
    inst = await submit(bob, every_kind["id"], {"must": "x"})
    for method in ("put", "patch"):
        r = await getattr(bob, method)(bob.org(f"/approval/instances/{inst['id']}"), json={"values": {"must": "y"}}, expect=405)
        assert r["code"] == "method_not_allowed"
    got = await bob.get(bob.org(f"/approval/instances/{inst['id']}"))
    assert got["values"] == {"must": "x"} and got["status"] == "running"


async def test_bad_ids_in_paths_and_bodies(cast, every_kind):
    bob, carol = cast["bob"], cast["carol"]
    inst = await submit(bob, every_kind["id"], {"must": "x"})
    for path in (f"/approval/instances/{HUGE}", "/approval/instances/0", "/approval/instances/abc", f"/approval/templates/{HUGE}",
                 f"/approval/files/{HUGE}"):
        await bob.get(bob.org(path), expect=422)
    for verb, body in (("transfer", {"member_id": HUGE}), ("add-approver", {"member_ids": [HUGE], "position": "before"}),
                       ("return", {"step": 10**30}), ("approve", {"comment": "x" * 100_000})):
        r = await act(carol, inst["id"], verb, expect=422, **body)
        assert r["code"] == "validation_error", (verb, r)
    r = await submit(bob, every_kind["id"], {"must": "x"}, chosen={"0": [HUGE]}, expect=422)
    assert r["code"] == "validation_error"
    await bob.get(bob.org("/approval/boxes/pending"), params={"before_id": HUGE}, expect=422)
    await bob.get(bob.org("/approval/boxes/pending"), params={"limit": 10_000}, expect=422)
    assert (await bob.get(bob.org(f"/approval/instances/{inst['id']}")))["timeline"][-1]["action"] == "submit"
