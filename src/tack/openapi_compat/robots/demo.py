"""The demo organization's robot: a group of the R&D people with a signed robot, so that
`tack demo --json` prints a webhook URL and secret an integration can try at once."""

from typing import Any

from tack.chat.actions.conversations import check_create_group
from tack.chat.limits import ChatLimits
from tack.chat.schemas import GroupCreate
from tack.core.actor import Actor
from tack.openapi_compat.robots.actions import do_create_robot
from tack.openapi_compat.robots.reads import robot_read
from tack.openapi_compat.robots.repository import RobotRepository
from tack.openapi_compat.robots.schemas import RobotCreate
from tack.storage.uow import UnitOfWork

DEMO_GROUP = "研发告警群"
DEMO_ROBOT = "构建机器人"


async def ensure_demo_robot(uow: UnitOfWork, owner: Actor, member_ids: list[int], *, base_url: str) -> dict[str, Any]:
    """Idempotent: a second run finds the robot (by name) and prints the same credentials."""
    assert owner.org_id is not None
    robots = RobotRepository(uow.session, owner.org_id)
    robot = next((r for r in await robots.scalars(robots.base()) if r.name == DEMO_ROBOT), None)
    if robot is None:
        group = await check_create_group(uow, owner, GroupCreate(name=DEMO_GROUP, member_ids=member_ids), limits=ChatLimits())
        body = RobotCreate(name=DEMO_ROBOT, sign=True)
        robot = await do_create_robot(uow, owner.org_id, group.id, body, created_by_member_id=owner.member_id)
    read = robot_read(robot, base_url)
    return {
        "group_id": robot.conversation_id,
        "group_name": DEMO_GROUP,
        "name": read.name,
        "webhook_url": read.webhook_url,
        "secret": read.secret,
    }
