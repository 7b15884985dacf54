"""Statements on the apps table: admins go through OrgRepository; token checks by key or id."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tack.openapi_compat.apps.models import App
from tack.storage.repository import OrgRepository


class AppRepository(OrgRepository[App]):
    model = App

    async def page(self) -> list[App]:
        return await self.scalars(self.base().order_by(App.id))

    async def by_name(self, name: str) -> App | None:
        return (await self.session.execute(self.base().where(App.name == name))).scalar_one_or_none()


class AppKeyRepository:
    """Before a caller has a token, its org is unknown: lookups by the globally unique app key
    (for /gettoken) or by the app id a token names (for each call). Each yields one app, whose
    org then scopes everything the caller does."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def by_key(self, app_key: str) -> App | None:
        return (await self.session.execute(select(App).where(App.app_key == app_key))).scalar_one_or_none()

    async def by_id(self, app_id: int) -> App | None:
        return await self.session.get(App, app_id)
