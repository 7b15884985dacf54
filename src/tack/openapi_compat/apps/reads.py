"""An app row as its admins read it (shared by actions and queries)."""

from tack.openapi_compat.apps.models import App
from tack.openapi_compat.apps.schemas import AppRead


def app_read(app: App) -> AppRead:
    return AppRead(
        id=app.id,
        agent_id=app.id,
        name=app.name,
        description=app.description,
        app_key=app.app_key,
        scopes=list(app.scopes),
        ip_allowlist=list(app.ip_allowlist),
        enabled=app.enabled,
        created_at=app.created_at,
        updated_at=app.updated_at,
    )
