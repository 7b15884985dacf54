"""Who may administer apps, and permission-checked loads of one app."""

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.core.errors import NotFound
from tack.directory.access import org_id_of, require_admin
from tack.openapi_compat.apps.models import App
from tack.openapi_compat.apps.repository import AppRepository


class AppNotFound(NotFound):
    code = "app_not_found"
    message = "No such app"


async def access_app_by_id(session: AsyncSession, actor: Actor, app_id: int) -> App:
    """Owners and admins of the app's organization only (an app reads the whole directory and
    writes to everyone's work notifications). Others, and other orgs, get the same 404."""
    try:
        require_admin(actor)
    except Exception:
        raise AppNotFound() from None
    app = await AppRepository(session, org_id_of(actor)).get(app_id)
    if app is None:
        raise AppNotFound()
    return app
