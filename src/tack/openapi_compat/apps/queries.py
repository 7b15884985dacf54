"""Reads of apps for their admins."""

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.directory.access import org_id_of, require_admin
from tack.openapi_compat.apps.access import access_app_by_id
from tack.openapi_compat.apps.repository import AppRepository
from tack.openapi_compat.apps.reads import app_read
from tack.openapi_compat.apps.schemas import AppList, AppRead, ScopeList, ScopeRead
from tack.openapi_compat.apps.scopes import SCOPES


async def list_apps(session: AsyncSession, actor: Actor) -> AppList:
    require_admin(actor)
    return AppList(items=[app_read(a) for a in await AppRepository(session, org_id_of(actor)).page()])


async def get_app(session: AsyncSession, actor: Actor, app_id: int) -> AppRead:
    return app_read(await access_app_by_id(session, actor, app_id))


def list_scopes() -> ScopeList:
    return ScopeList(items=[ScopeRead(name=k, description=v) for k, v in sorted(SCOPES.items())])
