"""Builds RobotRead from a row (shared by actions and queries)."""

from tack.openapi_compat.robots.models import Robot
from tack.openapi_compat.robots.schemas import RobotRead


def webhook_url(base_url: str, access_token: str) -> str:
    return f"{base_url.rstrip('/')}/robot/send?access_token={access_token}"


def robot_read(robot: Robot, base_url: str) -> RobotRead:
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
        created_by_member_id=robot.created_by_member_id,
        created_at=robot.created_at,
    )
