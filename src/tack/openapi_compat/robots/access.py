"""Permission-checked loads of robots. A robot belongs to a group; managing it takes the
group's owner or an admin (chat's own check). A robot that does not exist, is in another
group or another organization, or is in a group the actor is not in fails the same way."""

from sqlalchemy.ext.asyncio import AsyncSession

from tack.chat.access import Membership, access_conversation_by_id, require_group_admin
from tack.core.actor import Actor
from tack.core.errors import BadRequest, NotFound
from tack.directory.access import org_id_of
from tack.openapi_compat.robots.models import Robot
from tack.openapi_compat.robots.repository import RobotRepository


class RobotNotFound(NotFound):
    code = "robot_not_found"
    message = "No such robot in this group"


class RobotsNeedGroup(BadRequest):
    code = "robots_need_group"
    message = "Robots can be added to groups only"


async def access_group_for_robots(session: AsyncSession, actor: Actor, conversation_id: int) -> Membership:
    """The group, if the actor is its owner or an admin (NotGroupAdmin otherwise)."""
    membership = await access_conversation_by_id(session, actor, conversation_id)
    if membership.conversation.kind != "group":
        raise RobotsNeedGroup()
    require_group_admin(membership)
    return membership


async def access_robot_by_id(
    session: AsyncSession, actor: Actor, conversation_id: int, robot_id: int, *, lock: bool = False
) -> tuple[Membership, Robot]:
    membership = await access_group_for_robots(session, actor, conversation_id)
    repo = RobotRepository(session, org_id_of(actor))
    robot = await (repo.get_locked(robot_id) if lock else repo.get(robot_id))
    if robot is None or robot.conversation_id != conversation_id:
        raise RobotNotFound()
    return membership, robot
