"""Every robot write: add, change, remove a robot; webhook and session-webhook sends; the
outgoing callbacks queued when a member @-mentions a robot."""

import hashlib
import hmac
import json
import time
from datetime import timedelta
from typing import Any

from tack.chat import hooks as chat_hooks
from tack.chat.actions.messages import RobotPost, check_post_robot_message
from tack.chat.actions.messages import ConversationDissolved
from tack.chat.schemas import MessageRead
from tack.chat.access import ConversationNotFound, access_group_as_operator
from tack.core.actor import Actor
from tack.core.clock import as_utc, utc_now
from tack.core.errors import BadRequest, Conflict
from tack.core.tokens import new_token
from tack.directory.access import org_id_of
from tack.directory.queries import member_cards
from tack.openapi_compat.apps.repository import AppRepository
from tack.openapi_compat.robots import errors, messages, security
from tack.openapi_compat.robots import settings as robot_settings
from tack.openapi_compat.robots.access import access_group_for_robots, access_robot_by_id
from tack.openapi_compat.robots.models import Robot
from tack.openapi_compat.robots.reads import robot_read
from tack.openapi_compat.robots.repository import RobotRepository, robot_by_token
from tack.openapi_compat.robots.schemas import RobotCreate, RobotRead, RobotUpdate
from tack.storage.uow import UnitOfWork

OUTGOING_ATTEMPTS = 5


class SecurityRequired(BadRequest):
    code = "robot_security_required"
    message = "Choose at least one security setting: signature, keywords or IP allowlist"


class BadAllowlist(BadRequest):
    code = "robot_bad_ip"
    message = "An IP allowlist entry is not an address or a CIDR range"


class BadCallbackUrl(BadRequest):
    code = "robot_bad_callback_url"
    message = "The outgoing callback URL must be an http(s) URL"


class RobotAppNotFound(BadRequest):
    code = "robot_app_not_found"
    message = "No such app in this organization"


class TooManyRobots(Conflict):
    code = "too_many_robots"
    message = "This group has as many robots as it may have"


# --- management ---------------------------------------------------------------------------


def _allowlist(entries: list[str]) -> list[str]:
    try:
        return security.normalize_allowlist(entries)
    except ValueError:
        raise BadAllowlist() from None


def _callback_url(url: str | None) -> str | None:
    if not url:
        return None
    if not url.lower().startswith(("http://", "https://")):
        raise BadCallbackUrl()
    return url


def _require_security(robot: Robot) -> None:
    if not robot.secret and not robot.keywords and not robot.ip_allowlist:
        raise SecurityRequired()


async def check_create_robot(uow: UnitOfWork, actor: Actor, conversation_id: int, body: RobotCreate, *, base_url: str) -> RobotRead:
    """Adds a custom robot to a group (its owner or an admin).

    Raises: ConversationNotFound, RobotsNeedGroup, NotGroupAdmin, ConversationDissolved,
        SecurityRequired, BadAllowlist, BadCallbackUrl, TooManyRobots.
    """
    membership = await access_group_for_robots(uow.session, actor, conversation_id)
    if membership.conversation.dissolved_at is not None:
        raise ConversationDissolved()
    robot = await do_create_robot(uow, org_id_of(actor), conversation_id, body, created_by_member_id=membership.me.member_id)
    return robot_read(robot, base_url, await _app_key(uow, robot))


async def check_create_robot_as_operator(uow: UnitOfWork, org_id: int, conversation_id: int, body: RobotCreate) -> Robot:
    """`tack robot create`: the operator at the console adds a robot to any open group."""
    await access_group_as_operator(uow.session, org_id, conversation_id)
    return await do_create_robot(uow, org_id, conversation_id, body, created_by_member_id=None)


async def do_create_robot(
    uow: UnitOfWork, org_id: int, conversation_id: int, body: RobotCreate, *, created_by_member_id: int | None
) -> Robot:
    repo = RobotRepository(uow.session, org_id)
    if await repo.count_of_conversation(conversation_id) >= robot_settings.current().max_per_group:
        raise TooManyRobots()
    outgoing_url = _callback_url(body.outgoing_url)
    app_id = await _check_app(uow, org_id, body.app_id)
    robot = Robot(
        org_id=org_id,
        conversation_id=conversation_id,
        name=body.name,
        access_token=new_token(32),
        secret=security.new_secret() if body.sign else None,
        keywords=list(dict.fromkeys(body.keywords)),
        ip_allowlist=_allowlist(body.ip_allowlist),
        outgoing_url=outgoing_url,
        outgoing_token=new_token(24) if outgoing_url or app_id else None,
        app_id=app_id,
        created_by_member_id=created_by_member_id,
        created_at=utc_now(),
        rate_count=0,
    )
    _require_security(robot)
    repo.add(robot)
    await uow.session.flush()
    return robot


async def check_update_robot(
    uow: UnitOfWork, actor: Actor, conversation_id: int, robot_id: int, body: RobotUpdate, *, base_url: str
) -> RobotRead:
    """Changes a robot's name, security settings or callback; rotates its secret or token.

    Raises: RobotNotFound, NotGroupAdmin, SecurityRequired, BadAllowlist, BadCallbackUrl.
    """
    _, robot = await access_robot_by_id(uow.session, actor, conversation_id, robot_id, lock=True)
    if body.name is not None:
        robot.name = body.name
    if body.sign is False:
        robot.secret = None
    elif (body.sign and robot.secret is None) or (body.rotate_secret and robot.secret is not None):
        robot.secret = security.new_secret()
    if body.rotate_token:
        robot.access_token = new_token(32)
    if body.keywords is not None:
        robot.keywords = list(dict.fromkeys(body.keywords))
    if body.ip_allowlist is not None:
        robot.ip_allowlist = _allowlist(body.ip_allowlist)
    if body.outgoing_url is not None:
        robot.outgoing_url = _callback_url(body.outgoing_url)
    if body.app_id is not None:
        robot.app_id = await _check_app(uow, robot.org_id, body.app_id or None)
    if body.outgoing_url is not None or body.app_id is not None:
        # Session webhooks are signed with the outgoing token: it lives while anything calls out.
        robot.outgoing_token = (robot.outgoing_token or new_token(24)) if robot.outgoing_url or robot.app_id else None
    _require_security(robot)
    await uow.session.flush()
    return robot_read(robot, base_url, await _app_key(uow, robot))


async def _check_app(uow: UnitOfWork, org_id: int, app_id: int | None) -> int | None:
    if app_id is None:
        return None
    if await AppRepository(uow.session, org_id).get(app_id) is None:
        raise RobotAppNotFound()
    return app_id


async def _app_key(uow: UnitOfWork, robot: Robot) -> str | None:
    if robot.app_id is None:
        return None
    app = await AppRepository(uow.session, robot.org_id).get(robot.app_id)
    return app.app_key if app else None


async def check_delete_robot(uow: UnitOfWork, actor: Actor, conversation_id: int, robot_id: int) -> None:
    """Removes a robot: its webhook answers "token is not exist" from now on.

    Raises: RobotNotFound, NotGroupAdmin.
    """
    _, robot = await access_robot_by_id(uow.session, actor, conversation_id, robot_id, lock=True)
    await RobotRepository(uow.session, robot.org_id).remove(robot)
    await uow.session.flush()


# --- sending ------------------------------------------------------------------------------


def _decode(raw_body: bytes) -> Any:
    settings = robot_settings.current()
    if not raw_body.strip():
        raise errors.missing_json()
    if len(raw_body) > settings.max_body_bytes:
        raise errors.too_long(settings.max_body_bytes)
    try:
        return json.loads(raw_body)
    except ValueError:  # also UnicodeDecodeError
        raise errors.missing_json() from None


def _take_rate(robot: Robot) -> None:
    """DingTalk's limit: `rate_per_minute` messages in a minute's window, then the robot is
    refused for `pause_seconds`. Refused calls do not count. The window is on the robot's
    row (locked by the caller), so every server process shares it."""
    settings = robot_settings.current()
    limit = settings.rate_per_minute
    if limit <= 0:
        return
    now = utc_now()
    if robot.paused_until is not None and now < as_utc(robot.paused_until):
        raise errors.too_fast(limit)
    if robot.rate_window_start is None or now - as_utc(robot.rate_window_start) >= timedelta(seconds=60):
        robot.rate_window_start = now
        robot.rate_count = 0
    if robot.rate_count >= limit:
        robot.paused_until = now + timedelta(seconds=settings.pause_seconds)
        raise errors.too_fast(limit)
    robot.rate_count += 1


async def _post(uow: UnitOfWork, robot: Robot, parsed: messages.Parsed) -> MessageRead:
    post = RobotPost(
        robot_id=robot.id,
        robot_name=robot.name,
        kind=parsed.kind,
        content=parsed.content,
        searchable=parsed.searchable,
        mention_member_ids=parsed.at_user_ids,
        mention_phones=parsed.at_mobiles,
        mention_all=parsed.is_at_all,
    )
    try:
        return await check_post_robot_message(uow, robot.org_id, robot.conversation_id, post)
    except (ConversationDissolved, ConversationNotFound):
        raise errors.robot_stopped() from None


async def check_webhook_send(
    uow: UnitOfWork,
    *,
    access_token: str | None,
    timestamp: str | None,
    sign: str | None,
    client_ip: str | None,
    raw_body: bytes,
    max_text: int,
) -> None:
    """`POST /robot/send`: checks the robot's security settings in DingTalk's order (token,
    IP, signature, body, keywords, rate) and posts the message into its group.

    Raises: RobotError (rendered as DingTalk's {errcode, errmsg}); nothing is written then,
    except the rate window of a robot that went over its limit.
    Emits: message/add to the group's members (through chat).
    """
    settings = robot_settings.current()
    robot = await robot_by_token(uow.session, access_token, lock=settings.rate_per_minute > 0) if access_token else None
    if robot is None:
        raise errors.token_not_exist()
    security.check_ip(list(robot.ip_allowlist or []), client_ip)
    if robot.secret:
        security.check_sign(robot.secret, timestamp, sign, max_age_seconds=settings.sign_max_age_seconds)
    parsed = messages.parse(_decode(raw_body), max_text=max_text)
    security.check_keywords(list(robot.keywords or []), parsed.words)
    _take_rate(robot)
    await _post(uow, robot, parsed)


async def check_app_group_send(uow: UnitOfWork, org_id: int, app_id: int, conversation_id: int, body: dict[str, Any], *,
                               max_text: int) -> MessageRead | None:
    """/v1.0/robot/groupMessages/send: the app's robot in that group posts `body` (a webhook
    body). None when the app has no robot in the group (or the group is another org's). The
    robot's rate limit applies as on its webhook; no signature or keywords (the app's token
    stands for them, as in DingTalk).

    Raises: RobotError (bad body, too fast, group dissolved)."""
    robots = await RobotRepository(uow.session, org_id).of_app(app_id, conversation_id)
    if not robots:
        return None
    repo = RobotRepository(uow.session, org_id)
    robot = await (repo.get_locked(robots[0].id) if robot_settings.current().rate_per_minute > 0 else repo.get(robots[0].id))
    assert robot is not None
    parsed = messages.parse(body, max_text=max_text)
    _take_rate(robot)
    return await _post(uow, robot, parsed)


# --- session webhooks (outgoing robots' replies) -----------------------------------------


def _session_signature(robot: Robot, payload: str) -> str:
    key = (robot.outgoing_token or "").encode()
    return hmac.new(key, f"robot-session:{payload}".encode(), hashlib.sha256).hexdigest()[:40]


def session_token(robot: Robot, expires_ms: int) -> str:
    """A sessionWebhook credential: which robot, which group, until when; signed with the
    robot's outgoing token (turning outgoing off or removing the robot ends every session)."""
    payload = f"{robot.org_id}.{robot.id}.{robot.conversation_id}.{expires_ms}"
    return f"{payload}.{_session_signature(robot, payload)}"


async def check_session_send(uow: UnitOfWork, *, session: str | None, raw_body: bytes, max_text: int) -> None:
    """`POST /robot/sendBySession?session=…`: an outgoing robot's reply while its session
    webhook is valid. Same message types, mentions and rate limit as the webhook; no
    signature or keywords (the session credential stands for them, as in DingTalk).

    Raises: RobotError. Emits: message/add (through chat).
    """
    parts = (session or "").split(".")
    if len(parts) != 5 or not all(p.isdigit() for p in parts[:4]):
        raise errors.session_expired()
    org_id, robot_id, conversation_id, expires_ms = (int(p) for p in parts[:4])
    repo = RobotRepository(uow.session, org_id)
    robot = await (repo.get_locked(robot_id) if robot_settings.current().rate_per_minute > 0 else repo.get(robot_id))
    if robot is None or not robot.outgoing_token or robot.conversation_id != conversation_id:
        raise errors.session_expired()
    if not hmac.compare_digest(parts[4], _session_signature(robot, ".".join(parts[:4]))):
        raise errors.session_expired()
    if expires_ms < time.time() * 1000:
        raise errors.session_expired()
    parsed = messages.parse(_decode(raw_body), max_text=max_text)
    _take_rate(robot)
    await _post(uow, robot, parsed)


# --- outgoing ------------------------------------------------------------------------------


def _strip_mention(text: str, name: str) -> str:
    return text.replace(f"@{name}", "").strip()


async def on_message_sent(uow: UnitOfWork, event: chat_hooks.MessageSent) -> None:
    """Chat hook: a member's message that @-mentions an outgoing robot of its group (by
    "@<robot name>" in the text, as typed) is queued for the robot's callback URL as a
    durable job, in the sender's transaction: the callback is owed once the message is."""
    if event.conversation_kind != "group" or "@" not in event.text:
        return
    robots = await RobotRepository(uow.session, event.org_id).outgoing_of_conversation(event.conversation_id)
    called = [r for r in robots if f"@{r.name}" in event.text]
    if not called:
        return
    sender = (await member_cards(uow.session, event.org_id, [event.sender_member_id])).get(event.sender_member_id)
    settings = robot_settings.current()
    now_ms = int(time.time() * 1000)
    expires_ms = now_ms + settings.session_webhook_minutes * 60_000
    keys = {a.id: a.app_key for a in await AppRepository(uow.session, event.org_id).get_many({r.app_id for r in called if r.app_id})}
    for robot in called:
        robot_code = keys.get(robot.app_id or 0) or f"robot{robot.id}"
        payload = {
            "msgtype": "text",
            "text": {"content": _strip_mention(event.text, robot.name)},
            "msgId": f"msg{event.message_id}",
            "createAt": now_ms,
            "conversationType": "2",
            "conversationId": f"cid{event.conversation_id}",
            "conversationTitle": event.conversation_name,
            "senderId": str(event.sender_member_id),
            "senderNick": sender.name if sender else "",
            "senderStaffId": str(event.sender_member_id),
            "senderCorpId": f"corp{event.org_id}",
            "isAdmin": event.sender_is_group_admin,
            "chatbotUserId": f"robot{robot.id}",
            "chatbotCorpId": f"corp{event.org_id}",
            "robotCode": robot_code,
            "isInAtList": True,
            "atUsers": [{"dingtalkId": f"robot{robot.id}"}]
            + [{"dingtalkId": str(m), "staffId": str(m)} for m in event.mention_member_ids],
            "sessionWebhook": f"{settings.public_base_url()}/robot/sendBySession?session={session_token(robot, expires_ms)}",
            "sessionWebhookExpiredTime": expires_ms,
        }
        uow.enqueue(
            "robots.outgoing",
            {"org_id": event.org_id, "robot_id": robot.id, "payload": payload, "msg_id": event.message_id},
            org_id=event.org_id,
            dedupe_key=f"robot:{robot.id}:message:{event.message_id}",
            max_attempts=OUTGOING_ATTEMPTS,
        )


async def do_post_callback_reply(uow: UnitOfWork, org_id: int, robot_id: int, body: Any) -> None:
    """A callback that answers with a message body (DingTalk's outgoing robots may reply in
    the HTTP response): posted like a session reply; an unusable body is ignored."""
    robot = await RobotRepository(uow.session, org_id).get(robot_id)
    if robot is None or not isinstance(body, dict) or "msgtype" not in body:
        return
    try:
        parsed = messages.parse(body, max_text=5000)
        await _post(uow, robot, parsed)
    except errors.RobotError:
        return
