"""Reads of robots for the management API."""

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.directory.access import org_id_of
from tack.openapi_compat.apps.repository import AppRepository
from tack.openapi_compat.robots.access import access_group_for_robots, access_robot_by_id
from tack.openapi_compat.robots.reads import robot_read
from tack.openapi_compat.robots.repository import RobotRepository
from tack.openapi_compat.robots.schemas import RobotList, RobotRead


async def list_robots(session: AsyncSession, actor: Actor, conversation_id: int, *, base_url: str) -> RobotList:
    """The robots of a group, for its owner and admins (the list carries webhook credentials)."""
    await access_group_for_robots(session, actor, conversation_id)
    robots = await RobotRepository(session, org_id_of(actor)).of_conversation(conversation_id)
    keys = await app_keys(session, org_id_of(actor), {r.app_id for r in robots if r.app_id})
    return RobotList(items=[robot_read(r, base_url, keys.get(r.app_id or 0)) for r in robots])


async def get_robot(session: AsyncSession, actor: Actor, conversation_id: int, robot_id: int, *, base_url: str) -> RobotRead:
    _, robot = await access_robot_by_id(session, actor, conversation_id, robot_id)
    keys = await app_keys(session, robot.org_id, {robot.app_id} if robot.app_id else set())
    return robot_read(robot, base_url, keys.get(robot.app_id or 0))


async def app_keys(session: AsyncSession, org_id: int, app_ids: set[int]) -> dict[int, str]:
    """robotCode of app robots: their app's key."""
    if not app_ids:
        return {}
    return {a.id: a.app_key for a in await AppRepository(session, org_id).get_many(app_ids)}
