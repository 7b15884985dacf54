"""Builds RobotRead from a row (shared by actions and queries)."""

from tack.openapi_compat.robots.models import Robot
from tack.openapi_compat.robots.schemas import RobotRead


def webhook_url(base_url: str, access_token: str) -> str:
    return f"{base_url.rstrip('/')}/robot/send?access_token={access_token}"


def open_conversation_id(conversation_id: int) -> str:
    """A group's openConversationId (DingTalk's start with "cid"; the outgoing callbacks' too)."""
    return f"cid{conversation_id}"


def conversation_id_of(open_id: str) -> int | None:
    text = open_id.strip()
    if not text.startswith("cid") or not text[3:].isdigit() or len(text) > 22 or int(text[3:]) <= 0:
        return None
    return int(text[3:])


def robot_read(robot: Robot, base_url: str, app_key: str | None = None) -> RobotRead:
    return RobotRead(
        id=robot.id,
        conversation_id=robot.conversation_id,
        name=robot.name,
        webhook_url=webhook_url(base_url, robot.access_token),
        access_token=robot.access_token,
        secret=robot.secret,
        keywords=list(robot.keywords or []),
        ip_allowlist=list(robot.ip_allowlist or []),
        outgoing_url=robot.outgoing_url,
        outgoing_token=robot.outgoing_token,
        app_id=robot.app_id,
        robot_code=app_key if robot.app_id else None,
        open_conversation_id=open_conversation_id(robot.conversation_id),
        created_by_member_id=robot.created_by_member_id,
        created_at=robot.created_at,
    )
