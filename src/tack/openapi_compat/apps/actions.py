"""Every write on apps: create, update (scopes, IP allowlist, enable/disable), rotate the secret,
delete. Each is audited in the directory's log, in the same transaction."""

import ipaddress
import secrets

from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import BadRequest, Conflict, Forbidden
from tack.directory.access import org_id_of, require_admin
from tack.directory.actions.audit import do_audit
from tack.openapi_compat.apps.access import access_app_by_id
from tack.openapi_compat.apps.models import App
from tack.openapi_compat.apps.reads import app_read
from tack.openapi_compat.apps.repository import AppRepository
from tack.openapi_compat.apps.schemas import AppCreate, AppCredentials, AppRead, AppUpdate
from tack.openapi_compat.apps.scopes import DEFAULT_SCOPES, SCOPES
from tack.openapi_compat.tokens import APPS
from tack.storage.uow import UnitOfWork


class UnknownScope(BadRequest):
    code = "app_unknown_scope"
    message = "Unknown permission scope"


class BadIpRule(BadRequest):
    code = "app_bad_ip_rule"
    message = "An IP allowlist entry is not an address or a CIDR range"


class AppNameTaken(Conflict):
    code = "app_name_taken"
    message = "Another app of this organization has that name"


def new_app_key() -> str:
    # DingTalk's shape ("ding" + 16 characters), so integrations that validate it accept ours.
    return "ding" + secrets.token_hex(8)


def new_app_secret() -> str:
    return secrets.token_urlsafe(48)


def check_scopes(scopes: list[str]) -> list[str]:
    unknown = sorted(s for s in set(scopes) if s not in SCOPES)
    if unknown:
        raise UnknownScope(f"Unknown permission scope: {', '.join(unknown)}", scopes=unknown)
    return sorted(set(scopes))


def check_ip_allowlist(rules: list[str]) -> list[str]:
    """Normalised networks ("10.0.0.0/8", "192.168.1.7/32"); duplicates dropped."""
    out: list[str] = []
    for rule in rules:
        try:
            network = ipaddress.ip_network(rule, strict=False)
        except ValueError:
            raise BadIpRule(f"Not an address or CIDR range: {rule}", rule=rule) from None
        if str(network) not in out:
            out.append(str(network))
    return out


def _require_admin(actor: Actor) -> None:
    try:
        require_admin(actor)
    except Forbidden:
        raise Forbidden("Only owners and admins manage apps", code="app_admin_only") from None


async def check_create_app(uow: UnitOfWork, actor: Actor, body: AppCreate) -> AppCredentials:
    _require_admin(actor)
    repo = AppRepository(uow.session, org_id_of(actor))
    if await repo.by_name(body.name) is not None:
        raise AppNameTaken()
    now = utc_now()
    app = repo.add(
        App(
            name=body.name,
            description=body.description,
            app_key=new_app_key(),
            app_secret=new_app_secret(),
            secret_version=1,
            scopes=check_scopes(DEFAULT_SCOPES if body.scopes is None else body.scopes),
            ip_allowlist=check_ip_allowlist(body.ip_allowlist),
            enabled=True,
            created_by_member_id=actor.member_id,
            created_at=now,
            updated_at=now,
        )
    )
    await repo.flush()
    await do_audit(uow, actor, "app.create", target_type="app", target_id=app.id, target_name=app.name,
                   detail={"scopes": app.scopes})
    return AppCredentials(**app_read(app).model_dump(), app_secret=app.app_secret)


def _forget(uow: UnitOfWork, app_id: int) -> None:
    """Drops the app from the token cache now and again after COMMIT: a token check running
    while the change is in flight reloads the old state, which must not outlive the commit."""
    APPS.drop(app_id)
    uow.after_commit.append(lambda: APPS.drop(app_id))


async def check_update_app(uow: UnitOfWork, actor: Actor, app_id: int, body: AppUpdate) -> AppRead:
    """Disabling takes effect on the next call: tokens are checked against the app each time."""
    app = await access_app_by_id(uow.session, actor, app_id)
    changes: dict[str, object] = {}
    if body.name is not None and body.name != app.name:
        if await AppRepository(uow.session, app.org_id).by_name(body.name) is not None:
            raise AppNameTaken()
        app.name = changes["name"] = body.name  # type: ignore[assignment]
    if body.description is not None:
        app.description = body.description
    if body.scopes is not None:
        app.scopes = changes["scopes"] = check_scopes(body.scopes)  # type: ignore[assignment]
    if body.ip_allowlist is not None:
        app.ip_allowlist = changes["ip_allowlist"] = check_ip_allowlist(body.ip_allowlist)  # type: ignore[assignment]
    if body.enabled is not None and body.enabled != app.enabled:
        app.enabled = changes["enabled"] = body.enabled  # type: ignore[assignment]
    app.updated_at = utc_now()
    await uow.session.flush()
    _forget(uow, app.id)  # this process answers with the new state at once (others within seconds)
    if changes:
        await do_audit(uow, actor, "app.update", target_type="app", target_id=app.id, target_name=app.name,
                       detail=changes)
    return app_read(app)


async def check_rotate_secret(uow: UnitOfWork, actor: Actor, app_id: int) -> AppCredentials:
    """A new secret; every token issued under the old one stops working at once (a rotation
    usually means the secret leaked). Clients then fail on /gettoken with the old secret (40096),
    which does not make them loop."""
    app = await access_app_by_id(uow.session, actor, app_id)
    app.app_secret = new_app_secret()
    app.secret_version += 1
    app.updated_at = utc_now()
    await uow.session.flush()
    _forget(uow, app.id)
    await do_audit(uow, actor, "app.rotate_secret", target_type="app", target_id=app.id, target_name=app.name)
    return AppCredentials(**app_read(app).model_dump(), app_secret=app.app_secret)


async def check_delete_app(uow: UnitOfWork, actor: Actor, app_id: int) -> None:
    app = await access_app_by_id(uow.session, actor, app_id)
    await do_audit(uow, actor, "app.delete", target_type="app", target_id=app.id, target_name=app.name)
    await uow.session.delete(app)
    await uow.session.flush()
    _forget(uow, app.id)
