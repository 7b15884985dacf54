"""Accounts: sign-up, sign-in (throttled, with TOTP), sessions, cookies + CSRF, passwords."""

import time
from datetime import UTC, datetime, timedelta

import httpx
import pyotp
import time_machine

from tests.helpers import Api

SIGNUP = "/api/v1/auth/signup"
LOGIN = "/api/v1/auth/login"


async def login_status(client: httpx.AsyncClient, login: str, password: str, **extra: str) -> httpx.Response:
    client.cookies.clear()
    return await client.post(LOGIN, json={"login": login, "password": password, **extra})


class TestSignup:
    async def test_with_phone(self, client):
        r = await client.post(SIGNUP, json={"name": "张三", "phone": "13800000001", "password": "secret-pass"})
        assert r.status_code == 201, r.text
        body = r.json()
        assert body["token"] and body["csrf_token"]
        assert body["account"]["phone"] == "13800000001"
        assert body["account"]["memberships"] == []
        me = await Api(client, body["token"]).get("/api/v1/me")
        assert me["name"] == "张三"

    async def test_with_email_only(self, client):
        r = await client.post(SIGNUP, json={"name": "Li", "email": "Li@Example.COM", "password": "secret-pass"})
        assert r.status_code == 201, r.text
        assert r.json()["account"]["email"] == "li@example.com"
        assert r.json()["account"]["phone"] is None

    async def test_contact_required(self, client):
        r = await client.post(SIGNUP, json={"name": "Nobody", "password": "secret-pass"})
        assert r.status_code == 400
        assert r.json()["code"] == "contact_required"

    async def test_duplicate_phone(self, client):
        await Api.signup(client, "First", phone="13800000002")
        r = await client.post(SIGNUP, json={"name": "Second", "phone": "13800000002", "password": "secret-pass"})
        assert r.status_code == 409
        assert r.json()["code"] == "account_exists"

    async def test_duplicate_email_any_case(self, client):
        r = await client.post(SIGNUP, json={"name": "A", "email": "a@example.com", "password": "secret-pass"})
        assert r.status_code == 201
        r = await client.post(SIGNUP, json={"name": "B", "email": "A@EXAMPLE.com", "password": "secret-pass"})
        assert r.status_code == 409
        assert r.json()["code"] == "account_exists"

    async def test_weak_password(self, client):
        r = await client.post(SIGNUP, json={"name": "Weak", "phone": "13800000003", "password": "short"})
        assert r.status_code == 422
        assert r.json()["code"] == "weak_password"
        assert r.json()["message"]
        # Nothing was created: the same phone can still sign up.
        await Api.signup(client, "Weak", phone="13800000003")

    async def test_invalid_phone(self, client):
        r = await client.post(SIGNUP, json={"name": "X", "phone": "call me", "password": "secret-pass"})
        assert r.status_code == 422
        assert r.json()["code"] == "validation_error"


class TestLogin:
    async def test_by_phone(self, cast, client):
        r = await login_status(client, "13900000002", "password-bob")
        assert r.status_code == 200, r.text
        assert r.json()["account"]["name"] == "bob"
        assert [m["org_id"] for m in r.json()["account"]["memberships"]] == [cast["alice"].org_id]

    async def test_by_email_any_case(self, client):
        await client.post(SIGNUP, json={"name": "Mail", "email": "mail@example.com", "password": "secret-pass"})
        r = await login_status(client, "MAIL@example.com", "secret-pass")
        assert r.status_code == 200, r.text
        assert r.json()["account"]["email"] == "mail@example.com"

    async def test_wrong_password(self, cast, client):
        r = await login_status(client, "13900000002", "password-wrong")
        assert r.status_code == 401
        assert r.json()["code"] == "invalid_credentials"

    async def test_unknown_account_looks_the_same(self, cast, client):
        r = await login_status(client, "13999999999", "password-bob")
        assert r.status_code == 401
        assert r.json()["code"] == "invalid_credentials"

    async def test_account_without_password_cannot_sign_in(self, cast, client):
        # Imported members have no password until an admin issues one.
        alice = cast["alice"]
        csv = "姓名,手机号\n无密码,13700000009\n".encode()
        await alice.post(alice.org("/members/import"), files={"file": ("m.csv", csv, "text/csv")})
        r = await login_status(client, "13700000009", "")
        assert r.status_code == 422
        r = await login_status(client, "13700000009", "anything-at-all")
        assert r.status_code == 401
        assert r.json()["code"] == "invalid_credentials"

    async def test_message_in_chinese_by_default_and_english_on_request(self, cast, client):
        client.cookies.clear()
        r = await client.post(LOGIN, json={"login": "13900000002", "password": "nope-nope"})
        assert r.json()["message"] == "账号或密码错误"
        r = await client.post(
            LOGIN, json={"login": "13900000002", "password": "nope-nope"}, headers={"accept-language": "en-US"}
        )
        assert r.json()["message"] == "Wrong account or password"


class TestLockout:
    async def test_locks_after_max_failures(self, app, cast, client):
        limit = app.state.settings.login_max_failures
        for _ in range(limit):
            r = await login_status(client, "13900000002", "password-wrong")
            assert r.json()["code"] == "invalid_credentials"
        # Even the right password is refused while locked.
        client.cookies.clear()
        r = await client.post(
            LOGIN, json={"login": "13900000002", "password": "password-bob"}, headers={"accept-language": "en"}
        )
        assert r.status_code == 429
        body = r.json()
        assert body["code"] == "account_locked"
        minutes = -(-app.state.settings.login_lockout_seconds // 60)
        assert f"locked for {minutes} more minutes" in body["message"]
        assert 0 < body["detail"]["retry_after_seconds"] <= app.state.settings.login_lockout_seconds

    async def test_one_short_of_the_limit_still_signs_in(self, app, cast, client):
        for _ in range(app.state.settings.login_max_failures - 1):
            await login_status(client, "13900000002", "password-wrong")
        r = await login_status(client, "13900000002", "password-bob")
        assert r.status_code == 200, r.text

    async def test_success_resets_the_count(self, app, cast, client):
        limit = app.state.settings.login_max_failures
        for _ in range(limit - 1):
            await login_status(client, "13900000002", "password-wrong")
        assert (await login_status(client, "13900000002", "password-bob")).status_code == 200
        for _ in range(limit - 1):
            await login_status(client, "13900000002", "password-wrong")
        assert (await login_status(client, "13900000002", "password-bob")).status_code == 200

    async def test_lock_lifts_after_the_lockout(self, app, cast, client):
        settings = app.state.settings
        start = datetime.now(UTC)
        with time_machine.travel(start, tick=False) as traveller:
            for _ in range(settings.login_max_failures):
                await login_status(client, "13900000002", "password-wrong")
            assert (await login_status(client, "13900000002", "password-bob")).status_code == 429
            traveller.shift(timedelta(seconds=settings.login_lockout_seconds - 5))
            assert (await login_status(client, "13900000002", "password-bob")).status_code == 429
            traveller.shift(timedelta(seconds=10))
            r = await login_status(client, "13900000002", "password-bob")
            assert r.status_code == 200, r.text

    async def test_lock_is_per_account(self, app, cast, client):
        for _ in range(app.state.settings.login_max_failures):
            await login_status(client, "13900000002", "password-wrong")
        assert (await login_status(client, "13900000003", "password-carol")).status_code == 200

    async def test_failures_outside_the_window_do_not_add_up(self, app, cast, client):
        settings = app.state.settings
        start = datetime.now(UTC)
        with time_machine.travel(start, tick=False) as traveller:
            for _ in range(settings.login_max_failures - 1):
                await login_status(client, "13900000002", "password-wrong")
            traveller.shift(timedelta(seconds=settings.login_window_seconds + 1))
            await login_status(client, "13900000002", "password-wrong")
            assert (await login_status(client, "13900000002", "password-bob")).status_code == 200

    async def test_shorter_lockout_from_settings(self, app, cast, client):
        settings = app.state.settings
        saved = settings.login_max_failures, settings.login_lockout_seconds
        settings.login_max_failures, settings.login_lockout_seconds = 2, 60
        try:
            start = datetime.now(UTC)
            with time_machine.travel(start, tick=False) as traveller:
                for _ in range(2):
                    await login_status(client, "13900000002", "password-wrong")
                assert (await login_status(client, "13900000002", "password-bob")).status_code == 429
                traveller.shift(timedelta(seconds=61))
                assert (await login_status(client, "13900000002", "password-bob")).status_code == 200
        finally:
            settings.login_max_failures, settings.login_lockout_seconds = saved


class TestLogout:
    async def test_token_stops_working(self, cast):
        bob = cast["bob"]
        await bob.post("/api/v1/auth/logout", expect=204)
        r = await bob.get("/api/v1/me", expect=401)
        assert r["code"] == "session_expired"

    async def test_other_sessions_survive(self, cast, client):
        bob = cast["bob"]
        other = await Api.login(client, "13900000002", "password-bob")
        await bob.post("/api/v1/auth/logout", expect=204)
        await other.get("/api/v1/me")

    async def test_without_token(self, client):
        r = await client.post("/api/v1/auth/logout")
        assert r.status_code == 401
        assert r.json()["code"] == "not_authenticated"


class TestLogoutEverywhere:
    async def test_every_session_ends(self, cast, client):
        bob = cast["bob"]
        other = await Api.login(client, "13900000002", "password-bob")
        await bob.post("/api/v1/auth/logout-everywhere", expect=204)
        await bob.get("/api/v1/me", expect=401)
        await other.get("/api/v1/me", expect=401)

    async def test_other_accounts_keep_theirs(self, cast):
        await cast["bob"].post("/api/v1/auth/logout-everywhere", expect=204)
        await cast["eve"].get("/api/v1/me")


class TestChangePassword:
    async def test_others_revoked_current_kept(self, cast, client):
        bob = cast["bob"]
        other = await Api.login(client, "13900000002", "password-bob")
        await bob.post("/api/v1/me/password", json={"old_password": "password-bob", "new_password": "new-secret-1"}, expect=204)
        await bob.get("/api/v1/me")
        await other.get("/api/v1/me", expect=401)
        assert (await login_status(client, "13900000002", "password-bob")).status_code == 401
        assert (await login_status(client, "13900000002", "new-secret-1")).status_code == 200

    async def test_wrong_old_password(self, cast, client):
        bob = cast["bob"]
        r = await bob.post("/api/v1/me/password", json={"old_password": "nope-nope", "new_password": "new-secret-1"}, expect=400)
        assert r["code"] == "wrong_password"
        await bob.get("/api/v1/me")
        assert (await login_status(client, "13900000002", "password-bob")).status_code == 200

    async def test_weak_new_password(self, cast):
        r = await cast["bob"].post(
            "/api/v1/me/password", json={"old_password": "password-bob", "new_password": "1234"}, expect=422
        )
        assert r["code"] == "weak_password"


def next_code(totp: pyotp.TOTP) -> str:
    """The next 30-second step's code: still inside the accepted drift, and not yet used."""
    return totp.at(time.time() + totp.interval)


class TestTotp:
    async def _enable(self, api: Api) -> pyotp.TOTP:
        setup = await api.post("/api/v1/me/totp/setup")
        assert setup["otpauth_uri"].startswith("otpauth://totp/")
        totp = pyotp.TOTP(setup["secret"])
        await api.post("/api/v1/me/totp/enable", json={"code": totp.now()}, expect=204)
        return totp

    async def test_enable_then_login_needs_code(self, cast, client):
        totp = await self._enable(cast["bob"])
        assert (await cast["bob"].get("/api/v1/me"))["totp_enabled"] is True
        r = await login_status(client, "13900000002", "password-bob")
        assert r.status_code == 401
        assert r.json()["code"] == "totp_required"
        r = await login_status(client, "13900000002", "password-bob", totp_code=next_code(totp))
        assert r.status_code == 200, r.text

    async def test_a_code_is_accepted_once(self, cast, client):
        """The code that just enabled 2FA cannot sign in within its window (no replay)."""
        bob = cast["bob"]
        setup = await bob.post("/api/v1/me/totp/setup")
        totp = pyotp.TOTP(setup["secret"])
        code = totp.now()
        await bob.post("/api/v1/me/totp/enable", json={"code": code}, expect=204)
        r = await login_status(client, "13900000002", "password-bob", totp_code=code)
        assert r.status_code == 401 and r.json()["code"] == "totp_invalid"
        r = await login_status(client, "13900000002", "password-bob", totp_code=next_code(totp))
        assert r.status_code == 200, r.text

    async def test_wrong_code(self, cast, client):
        totp = await self._enable(cast["bob"])
        wrong = f"{(int(totp.now()) + 500000) % 1000000:06d}"
        r = await login_status(client, "13900000002", "password-bob", totp_code=wrong)
        assert r.status_code == 401
        assert r.json()["code"] == "totp_invalid"

    async def test_wrong_password_with_right_code(self, cast, client):
        totp = await self._enable(cast["bob"])
        r = await login_status(client, "13900000002", "password-nope", totp_code=totp.now())
        assert r.json()["code"] == "invalid_credentials"

    async def test_enable_with_wrong_code(self, cast, client):
        bob = cast["bob"]
        setup = await bob.post("/api/v1/me/totp/setup")
        right = pyotp.TOTP(setup["secret"]).now()
        wrong = f"{(int(right) + 500000) % 1000000:06d}"
        r = await bob.post("/api/v1/me/totp/enable", json={"code": wrong}, expect=401)
        assert r["code"] == "totp_invalid"
        assert (await bob.get("/api/v1/me"))["totp_enabled"] is False
        assert (await login_status(client, "13900000002", "password-bob")).status_code == 200

    async def test_enable_before_setup(self, cast):
        r = await cast["bob"].post("/api/v1/me/totp/enable", json={"code": "123456"}, expect=400)
        assert r["code"] == "totp_not_set_up"

    async def test_setup_twice_when_enabled(self, cast):
        await self._enable(cast["bob"])
        r = await cast["bob"].post("/api/v1/me/totp/setup", expect=409)
        assert r["code"] == "totp_enabled"

    async def test_disable(self, cast, client):
        bob = cast["bob"]
        totp = await self._enable(bob)
        wrong = f"{(int(totp.now()) + 500000) % 1000000:06d}"
        r = await bob.post("/api/v1/me/totp/disable", json={"code": wrong}, expect=401)
        assert r["code"] == "totp_invalid"
        await bob.post("/api/v1/me/totp/disable", json={"code": next_code(totp)}, expect=204)
        assert (await bob.get("/api/v1/me"))["totp_enabled"] is False
        assert (await login_status(client, "13900000002", "password-bob")).status_code == 200


class TestCookieAuth:
    async def _cookie_session(self, client: httpx.AsyncClient) -> str:
        client.cookies.clear()
        r = await client.post(SIGNUP, json={"name": "Browser", "phone": "13800000010", "password": "secret-pass"})
        assert r.status_code == 201
        assert client.cookies.get("tack_session") and client.cookies.get("tack_csrf")
        return r.json()["csrf_token"]

    async def test_get_needs_no_csrf(self, client):
        await self._cookie_session(client)
        r = await client.get("/api/v1/me")
        assert r.status_code == 200
        assert r.json()["name"] == "Browser"

    async def test_post_without_csrf_header(self, client):
        await self._cookie_session(client)
        r = await client.post("/api/v1/orgs", json={"name": "Cookie Org"})
        assert r.status_code == 403
        assert r.json()["code"] == "csrf_failed"
        assert (await client.get("/api/v1/me")).json()["memberships"] == []

    async def test_post_with_csrf_header(self, client):
        csrf = await self._cookie_session(client)
        assert client.cookies.get("tack_csrf") == csrf
        r = await client.post("/api/v1/orgs", json={"name": "Cookie Org"}, headers={"x-csrf-token": csrf})
        assert r.status_code == 201, r.text

    async def test_csrf_of_another_session_fails(self, client):
        other = await client.post(SIGNUP, json={"name": "Other", "phone": "13800000011", "password": "secret-pass"})
        await self._cookie_session(client)
        r = await client.post("/api/v1/orgs", json={"name": "X"}, headers={"x-csrf-token": other.json()["csrf_token"]})
        assert r.status_code == 403
        assert r.json()["code"] == "csrf_failed"

    async def test_bearer_needs_no_csrf(self, client):
        api = await Api.signup(client, "Bearer", phone="13800000012")
        await api.post("/api/v1/orgs", json={"name": "Bearer Org"}, expect=201)

    async def test_logout_clears_cookie_session(self, client):
        csrf = await self._cookie_session(client)
        r = await client.post("/api/v1/auth/logout", headers={"x-csrf-token": csrf})
        assert r.status_code == 204
        assert (await client.get("/api/v1/me")).status_code == 401


class TestSessionExpiry:
    async def test_expired_session(self, app, client):
        api = await Api.signup(client, "Old", phone="13800000020")
        later = datetime.now(UTC) + timedelta(days=app.state.settings.session_days, minutes=1)
        with time_machine.travel(later, tick=False):
            r = await api.get("/api/v1/me", expect=401)
            assert r["code"] == "session_expired"

    async def test_valid_until_then(self, app, client):
        api = await Api.signup(client, "Old", phone="13800000020")
        later = datetime.now(UTC) + timedelta(days=app.state.settings.session_days, minutes=-5)
        with time_machine.travel(later, tick=False):
            await api.get("/api/v1/me")

    async def test_garbage_token(self, client):
        r = await client.get("/api/v1/me", headers={"authorization": "Bearer not-a-token"})
        assert r.status_code == 401
        assert r.json()["code"] == "session_expired"


class TestUpdateMe:
    async def test_language(self, cast):
        me = await cast["bob"].patch("/api/v1/me", json={"language": "en"})
        assert me["language"] == "en"

    async def test_unknown_language(self, cast):
        r = await cast["bob"].patch("/api/v1/me", json={"language": "fr"}, expect=422)
        assert r["code"] == "validation_error"
