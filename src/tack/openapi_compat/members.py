"""The app acting for one member of its org (DingTalk's APIs that name an originator or a
creator: processinstance create, ding create, robot sends on someone's behalf)."""

from dataclasses import replace

from sqlalchemy.ext.asyncio import AsyncSession

from tack.core.actor import Actor
from tack.core.errors import NotFound
from tack.directory.access import actor_for_org
from tack.directory.queries import member_contacts
from tack.openapi_compat.contact import ids
from tack.openapi_compat.tokens import AppCaller


class OriginatorNotFound(NotFound):
    code = "member_not_found"
    message = "No such member"


async def member_actor(session: AsyncSession, caller: AppCaller, userid: str) -> Actor:
    """The app acting for one active member of its org (the originator of a request): the
    member's own actor, so template visibility applies to them as in the web client."""
    member_id = ids.member_id_of(userid)
    found = (await member_contacts(session, caller.org_id, [member_id])).get(member_id) if member_id else None
    if found is None or not found.active:
        raise OriginatorNotFound()
    if found.account_id is None:
        return Actor(account_id=0, org_id=caller.org_id, member_id=found.id, role="member", kind="app")
    return replace(await actor_for_org(session, found.account_id, caller.org_id), kind="app")


