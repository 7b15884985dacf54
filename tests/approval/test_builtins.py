"""Built-in templates: leave balances and the attendance hook, overtime and 补卡 hooks,
reimbursement invoices (never twice across the org) and the payment webhook."""

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import select

from tack.approval import hooks, payments
from tack.approval.models import ApprovalInvoice
from tests.approval.conftest import act, jobs, run_all, submit, templates


@pytest.fixture
def outcomes() -> Iterator[list[Any]]:
    seen: list[Any] = []

    async def handler(uow, event):  # type: ignore[no-untyped-def]
        seen.append(event)

    hooks.on_approval_outcome(handler)
    yield seen
    hooks.unregister(handler)


async def balance(api, member_id=None):
    r = await api.get(api.org("/approval/leave-balances"), params={"member_id": member_id} if member_id else None)
    return {b["leave_type"]: b["days"] for b in r["items"]}


LEAVE = {"leave_type": "年假", "reason": "旅行"}


class TestLeave:
    async def test_balance_deducted_on_approval_restored_on_revocation(self, cast, outcomes):
        alice, bob = cast["alice"], cast["bob"]
        leave = (await templates(bob))["leave"]
        r = await submit(bob, leave["id"], {**LEAVE, "period": {"start": "2026-12-01", "end": "2026-12-01"}}, expect=409)
        assert r["code"] == "approval_insufficient_balance"
        await alice.put(alice.org(f"/approval/leave-balances/{bob.member_id}"), json={"leave_type": "annual", "days": 5})
        inst = await submit(bob, leave["id"], {**LEAVE, "period": {"start": "2026-12-01", "start_half": "pm", "end": "2026-12-03", "end_half": "pm"}})
        assert inst["values"]["period"]["days"] == 2.5
        assert (await balance(bob))["annual"] == 5  # deducted on approval, not before
        assert [s["source"] for s in inst["steps"]] == ["fallback_admins"]  # 研发部 has no manager
        r = await act(alice, inst["id"], "approve")
        assert r["status"] == "approved" and r["effects"]["leave_half_days"] == 5
        assert (await balance(bob))["annual"] == 2.5
        [event] = outcomes
        assert isinstance(event, hooks.LeaveApproved)
        assert (event.member_id, event.leave_type, event.start, event.start_half, event.end, event.days) == (
            bob.member_id, "annual", "2026-12-01", "pm", "2026-12-03", 2.5)
        await act(alice, inst["id"], "revoke")
        assert (await balance(bob))["annual"] == 5
        assert isinstance(outcomes[-1], hooks.LeaveRevoked) and outcomes[-1].instance_id == inst["id"]

    async def test_balance_rechecked_at_approval(self, cast):
        alice, bob = cast["alice"], cast["bob"]
        leave = (await templates(bob))["leave"]
        await alice.put(alice.org(f"/approval/leave-balances/{bob.member_id}"), json={"leave_type": "annual", "days": 1})
        one = {**LEAVE, "period": {"start": "2026-12-01", "end": "2026-12-01"}}
        a = await submit(bob, leave["id"], one)
        b = await submit(bob, leave["id"], one)
        await act(alice, a["id"], "approve")
        r = await act(alice, b["id"], "approve", expect=409)
        assert r["code"] == "approval_insufficient_balance"
        again = await bob.get(bob.org(f"/approval/instances/{b['id']}"))
        assert again["status"] == "running" and [e["action"] for e in again["timeline"]] == ["submit"]  # nothing half-written
        assert (await balance(bob))["annual"] == 0

    async def test_untracked_types_and_balances_are_private(self, cast, outcomes):
        alice, bob, carol = cast["alice"], cast["bob"], cast["carol"]
        leave = (await templates(bob))["leave"]
        inst = await submit(bob, leave["id"], {**LEAVE, "leave_type": "病假", "period": {"start": "2026-12-01", "end": "2026-12-02"}})
        await act(alice, inst["id"], "approve")
        assert outcomes[0].leave_type == "sick" and outcomes[0].days == 2
        await carol.get(carol.org("/approval/leave-balances"), params={"member_id": bob.member_id}, expect=404)
        await bob.put(bob.org(f"/approval/leave-balances/{bob.member_id}"), json={"leave_type": "annual", "days": 99}, expect=403)
        await alice.put(alice.org(f"/approval/leave-balances/{bob.member_id}"), json={"leave_type": "annual", "days": 0.3}, expect=422)

    async def test_bad_periods(self, cast):
        bob = cast["bob"]
        leave = (await templates(bob))["leave"]
        for period, error in (
            ({"start": "2026-12-03", "end": "2026-12-01"}, "end_before_start"),
            ({"start": "2026-12-01", "start_half": "pm", "end": "2026-12-01", "end_half": "am"}, "end_before_start"),
            ({"start": "2026-13-01", "end": "2026-12-01"}, "not_a_date"),
            ({"start": "2026-12-01", "end": "2026-12-01", "start_half": "noon"}, "not_a_half"),
        ):
            r = await submit(bob, leave["id"], {**LEAVE, "leave_type": "事假", "period": period}, expect=422)
            assert r["detail"]["errors"] == [{"field": "period", "error": error}]
        r = await submit(bob, leave["id"], {"leave_type": "旅行假", "period": {"start": "2026-12-01", "end": "2026-12-01"}}, expect=422)
        assert r["detail"]["errors"] == [{"field": "leave_type", "error": "not_an_option"}, {"field": "reason", "error": "required"}]


class TestAttendanceHooks:
    async def test_card_correction_and_overtime(self, cast, outcomes):
        alice, bob = cast["alice"], cast["bob"]
        kinds = await templates(bob)
        c = await submit(bob, kinds["card_correction"]["id"], {"date": "2026-11-20", "time": "09:01", "check": "上班", "reason": "忘打卡"})
        r = await submit(bob, kinds["card_correction"]["id"], {"date": "2026-11-20", "time": "25:00", "check": "上班", "reason": "x"}, expect=422)
        assert r["detail"]["errors"] == [{"field": "time", "error": "not_a_time"}]
        o = await submit(bob, kinds["overtime"]["id"], {"date": "2026-11-21", "hours": 3.5, "reason": "上线"})
        r = await submit(bob, kinds["overtime"]["id"], {"date": "2026-11-21", "hours": 30, "reason": "x"}, expect=422)
        assert r["detail"]["errors"] == [{"field": "hours", "error": "out_of_range"}]
        await act(alice, c["id"], "approve")
        await act(alice, o["id"], "reject")
        [event] = outcomes
        assert event == hooks.CardCorrectionApproved(org_id=alice.org_id, instance_id=c["id"], member_id=bob.member_id,
                                                     date="2026-11-20", time="09:01", check="in")


def reimbursement(invoices, amounts=("120.50", "79.5")):
    return {
        "items": [{"item": "打车", "amount": a, "date": "2026-11-20"} for a in amounts],
        "invoices": invoices,
    }


INV = {"code": "044001900111", "number": "12345678", "date": "2026-11-20", "amount": "200.00"}


async def invoice_rows(app):
    async with app.state.uow_factory() as uow:
        return [(r.code, r.number, r.instance_id) for r in (await uow.session.execute(select(ApprovalInvoice))).scalars()]


class TestReimbursement:
    async def test_the_same_invoice_never_twice(self, app, cast):
        alice, bob, carol, dave = cast["alice"], cast["bob"], cast["carol"], cast["dave"]
        t = (await templates(bob))["reimbursement"]
        first = await submit(bob, t["id"], reimbursement([INV]))
        r = await submit(carol, t["id"], reimbursement([{**INV, "code": INV["code"].lower()}]), expect=409)
        assert r["code"] == "approval_duplicate_invoice" and r["detail"]["invoices"] == [{"code": INV["code"], "number": INV["number"]}]
        r = await submit(bob, t["id"], reimbursement([INV, INV]), expect=422)
        assert r["detail"]["errors"] == [{"field": "invoices", "error": "duplicate_invoice"}]
        # another organization has invoices of its own
        await submit(dave, (await templates(dave))["reimbursement"]["id"], reimbursement([INV]))
        # rejected: the invoice is free again; approved: never again
        await act(alice, first["id"], "reject")
        second = await submit(carol, t["id"], reimbursement([INV]))
        await act(alice, second["id"], "approve")
        r = await submit(bob, t["id"], reimbursement([INV]), expect=409)
        assert r["code"] == "approval_duplicate_invoice"
        assert sorted(x[2] for x in await invoice_rows(app)) != []

    async def test_unique_constraint_holds_without_the_precheck(self, app, cast):
        """The database itself refuses a second claim (a race past the pre-check)."""
        bob = cast["bob"]
        t = (await templates(bob))["reimbursement"]
        first = await submit(bob, t["id"], reimbursement([INV]))
        from sqlalchemy.exc import IntegrityError

        with pytest.raises(IntegrityError):
            async with app.state.uow_factory() as uow:
                uow.session.add(ApprovalInvoice(org_id=bob.org_id, code=INV["code"], number=INV["number"], instance_id=first["id"]))
                await uow.session.flush()

    async def test_bad_items(self, cast):
        bob = cast["bob"]
        t = (await templates(bob))["reimbursement"]
        r = await submit(bob, t["id"], reimbursement([], amounts=("12.345",)), expect=422)
        assert r["detail"]["errors"] == [{"field": "items", "error": "not_money"}]
        r = await submit(bob, t["id"], reimbursement([{**INV, "number": "12 34"}]), expect=422)
        assert r["detail"]["errors"] == [{"field": "invoices", "error": "bad_invoice"}]
        r = await submit(bob, t["id"], {"items": [{"amount": "1"}]}, expect=422)
        assert r["detail"]["errors"] == [{"field": "items", "error": "cell_required"}]
        r = await submit(bob, t["id"], {"items": "lots"}, expect=422)
        assert r["detail"]["errors"] == [{"field": "items", "error": "not_rows"}]


class PaymentGateway:
    """A stand-in payment system: answers queued statuses in order (then 200), records requests."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[tuple[dict[str, str], bytes]] = []
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                gateway.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = gateway.statuses.pop(0) if gateway.statuses else 200
                answer = json.dumps({"payment_id": f"P{len(gateway.requests)}"}).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/pay"


@pytest.fixture
def gateway() -> Iterator[PaymentGateway]:
    g = PaymentGateway()
    thread = threading.Thread(target=g.server.serve_forever, daemon=True)
    thread.start()
    previous = payments.use(payments.PaymentClient(payments.PaymentSettings(webhook_url=g.url, webhook_secret="pay-secret")))
    yield g
    payments.use(previous)
    g.server.shutdown()
    g.server.server_close()


async def test_payment_signed_retried_recorded(app, cast, runner, clock, gateway):
    alice, bob = cast["alice"], cast["bob"]
    t = (await templates(bob))["reimbursement"]
    inst = await submit(bob, t["id"], reimbursement([INV]))
    await act(alice, inst["id"], "approve")
    gateway.statuses = [502]
    await run_all(runner)
    [job] = await jobs(app, "approval.pay")
    assert (job.status, job.attempts) == ("queued", 1)
    page = await bob.get(bob.org(f"/approval/instances/{inst['id']}"))
    assert (page["payment"]["status"], page["payment"]["attempts"], page["payment"]["amount"]) == ("failed", 1, "200.00")
    assert "HTTP 502" in page["payment"]["last_error"]
    clock.advance(10)
    await run_all(runner)
    page = await bob.get(bob.org(f"/approval/instances/{inst['id']}"))
    assert (page["payment"]["status"], page["payment"]["attempts"]) == ("paid", 2)
    assert page["timeline"][-1]["action"] == "payment" and page["timeline"][-1]["detail"]["status"] == "paid"
    assert len(gateway.requests) == 2
    keys = {h["idempotency-key"] for h, _ in gateway.requests}
    assert keys == {f"tack-approval-{bob.org_id}-{inst['id']}"}
    headers, body = gateway.requests[-1]
    expected = hmac.new(b"pay-secret", f"{headers['x-tack-timestamp']}.".encode() + body, hashlib.sha256).hexdigest()
    assert headers["x-tack-signature"] == "sha256=" + expected
    payload = json.loads(body)
    assert (payload["amount"], payload["member_id"], payload["currency"]) == ("200.00", bob.member_id, "CNY")
    # a re-run of the job sends nothing more
    from tack.approval import tasks

    async with app.state.uow_factory() as uow:
        await tasks.pay(uow, dict(job.args))
    assert len(gateway.requests) == 2


async def test_payment_not_configured_is_recorded(app, cast, runner):
    alice, bob = cast["alice"], cast["bob"]
    t = (await templates(bob))["reimbursement"]
    inst = await submit(bob, t["id"], reimbursement([]))
    await act(alice, inst["id"], "approve")
    await run_all(runner)
    page = await bob.get(bob.org(f"/approval/instances/{inst['id']}"))
    assert page["payment"]["status"] == "not_configured" and page["payment"]["amount"] == "200.00"
