"""Statements on the robot table; each starts from OrgRepository.base(), except the webhook's
lookup by access token, which is how a request finds its organization in the first place."""

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from tack.openapi_compat.robots.models import Robot
from tack.storage.repository import OrgRepository


class RobotRepository(OrgRepository[Robot]):
    model = Robot

    async def of_conversation(self, conversation_id: int) -> list[Robot]:
        return await self.scalars(self.base().where(Robot.conversation_id == conversation_id).order_by(Robot.id))

    async def outgoing_of_conversation(self, conversation_id: int) -> list[Robot]:
        stmt = self.base().where(Robot.conversation_id == conversation_id,
                                 or_(Robot.outgoing_url.is_not(None), Robot.app_id.is_not(None)))
        return await self.scalars(stmt.order_by(Robot.id))

    async def of_app(self, app_id: int, conversation_id: int | None = None) -> list[Robot]:
        """An app's robots (in one group, or in all)."""
        stmt = self.base().where(Robot.app_id == app_id)
        if conversation_id is not None:
            stmt = stmt.where(Robot.conversation_id == conversation_id)
        return await self.scalars(stmt.order_by(Robot.id))

    async def get_locked(self, robot_id: int) -> Robot | None:
        stmt = self.base().where(Robot.id == robot_id).with_for_update()
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def count_of_conversation(self, conversation_id: int) -> int:
        stmt = select(func.count()).select_from(Robot).where(Robot.org_id == self.org_id, Robot.conversation_id == conversation_id)
        return int((await self.session.execute(stmt)).scalar_one())

    async def remove(self, robot: Robot) -> None:
        await self.session.delete(robot)


# Built once (every webhook call runs one): a statement object keeps its cache key.
_BY_TOKEN = select(Robot).where(Robot.access_token == bindparam("access_token"))
_BY_TOKEN_LOCKED = _BY_TOKEN.with_for_update()


async def robot_by_token(session: AsyncSession, access_token: str, *, lock: bool = False) -> Robot | None:
    """The robot a webhook token names, in whichever organization: the token is the
    credential, and everything after this lookup is scoped to the robot's org."""
    stmt = _BY_TOKEN_LOCKED if lock else _BY_TOKEN
    return (await session.execute(stmt, {"access_token": access_token})).scalar_one_or_none()
