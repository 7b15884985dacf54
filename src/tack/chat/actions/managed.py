"""Groups kept in step with the directory: department groups (部门群) and the all-staff group (全员群).

Choices (documented in docs/ARCHITECTURE.md):
- The all-staff group is created with the organization (for organizations that predate it,
  on the first directory change in them) and holds every active member.
- A department group exists once an admin of the department enables it
  (PUT /api/v1/orgs/{org}/departments/{id}/group). It holds every active member of the
  department *and of its sub-departments*, as DingTalk's 部门群 does.
- Membership follows the directory alone: joining, moving, deactivating and reactivating
  members change it; adding, removing or leaving by hand is refused (400 managed_group).
  Renaming a department renames its group; deleting the department dissolves it.
- The group size limit (TACK_CHAT_GROUP_MAX_MEMBERS) does not apply: these groups are as
  large as the organization or the department.
- These groups have no owner; every member is an ordinary member.

Sync is a diff in SQL between the directory's membership statement and the group's rows:
one SELECT for who is missing, one for who is extra, a multi-row INSERT and one DELETE,
whatever the number of members (an import of 10,000 is a handful of statements).
"""

from sqlalchemy import Select, select

from tack.chat.access import member_account_ids
from tack.chat.actions.conversations import notify_conversation_update
from tack.chat.actions.messages import do_post_system_message
from tack.chat.events import EventConversationAdd, EventConversationRemove, EventConversationUpdate, EventMembersAdd, EventMembersRemove
from tack.chat.models import Conversation, ConversationMember
from tack.chat.reads import conversation_read
from tack.chat.repository import ConversationMemberRepository, ConversationRepository
from tack.chat.schemas import ConversationRead, ConversationRemoved, DepartmentGroupSet, MembersChanged
from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.directory import hooks
from tack.directory.access import access_department_by_id, load_tree, org_id_of, require_department_admin
from tack.directory.queries import active_member_ids_stmt, department_name, member_cards
from tack.directory.tree import DepartmentTree
from tack.storage.uow import UnitOfWork

ALL_STAFF = "all_staff"
# Member events naming more members than this resync the whole group (one diff) instead of
# filtering the diff by an IN list of ids.
SUBSET_MAX = 1000
# System lines name at most this many members; "count" carries the total.
SYSTEM_NAMES_MAX = 100


def _department_key(department_id: int) -> str:
    return f"department:{department_id}"


def _desired(conversation: Conversation, tree: DepartmentTree | None) -> Select[tuple[int]]:
    if conversation.managed_kind == "department":
        assert tree is not None and conversation.department_id is not None
        departments = tree.subtree(conversation.department_id) if conversation.department_id in tree else set()
        return active_member_ids_stmt(conversation.org_id, departments)
    return active_member_ids_stmt(conversation.org_id)


async def _accounts(uow: UnitOfWork, org_id: int, member_ids: list[int], *, deactivated_too: bool = False) -> set[int]:
    """Accounts of the members, in chunks (an import names thousands). A deactivated member's
    devices are still told that a group left their list."""
    out: set[int] = set()
    for i in range(0, len(member_ids), 5000):
        cards = await member_cards(uow.session, org_id, member_ids[i : i + 5000])
        out.update(c.account_id for c in cards.values() if c.account_id is not None and (c.active or deactivated_too))
    return out


async def do_sync_group(
    uow: UnitOfWork, conversation: Conversation, tree: DepartmentTree | None, only: tuple[int, ...] | None = None
) -> tuple[list[int], list[int]]:
    """Brings a locked managed group in step with the directory, for every member or only
    for `only`. Returns (joined, left).

    Emits: conversation/add to those who joined; conversation/remove to those who left;
        conversation_member/add|remove and conversation/update to the rest; one system
        line "members_joined" / "members_left" per direction.
    """
    org_id = conversation.org_id
    repo = ConversationMemberRepository(uow.session, org_id)
    desired = _desired(conversation, tree)
    present = repo.member_ids_stmt(conversation.id)
    wanted = desired.subquery()
    missing = select(wanted.c.id).where(wanted.c.id.not_in(present))
    extra = present.where(ConversationMember.member_id.not_in(desired))
    if only is not None:
        missing = missing.where(wanted.c.id.in_(only))
        extra = extra.where(ConversationMember.member_id.in_(only))
    joined = sorted(await repo.scalars(missing))
    left = sorted(await repo.scalars(extra))
    if left:
        leaving = await _accounts(uow, org_id, left, deactivated_too=True)
        cond = ConversationMember.member_id.not_in(desired)
        if only is not None:
            cond = cond & ConversationMember.member_id.in_(only)
        await repo.remove_where(conversation.id, cond)
        conversation.member_count -= len(left)
        await uow.session.flush()
        removed = ConversationRemoved(conversation_id=conversation.id, reason="removed")
        uow.publish(EventConversationRemove(removed=removed).to_event(org_id, leaving))
        to = await member_account_ids(uow.session, org_id, conversation.id)
        change = MembersChanged(conversation_id=conversation.id, member_ids=left, by_member_id=None)
        uow.publish(EventMembersRemove(change=change).to_event(org_id, to))
        await notify_conversation_update(uow, conversation)
        await do_post_system_message(
            uow, conversation, actor_member_id=None, action="members_left",
            member_ids=left[:SYSTEM_NAMES_MAX], count=len(left),
        )
    if joined:
        await repo.add_many(conversation.id, joined, seq=conversation.last_seq, joined_at=utc_now())
        conversation.member_count += len(joined)
        await uow.session.flush()
        everyone = set(await member_account_ids(uow.session, org_id, conversation.id))
        newcomers = await _accounts(uow, org_id, joined)
        shared = await conversation_read(uow.session, conversation)
        uow.publish(EventConversationAdd(conversation=shared).to_event(org_id, newcomers))
        uow.publish(EventConversationUpdate(conversation=shared).to_event(org_id, everyone - newcomers))
        change = MembersChanged(conversation_id=conversation.id, member_ids=joined, by_member_id=None)
        uow.publish(EventMembersAdd(change=change).to_event(org_id, everyone))
        await do_post_system_message(
            uow, conversation, actor_member_id=None, action="members_joined",
            member_ids=joined[:SYSTEM_NAMES_MAX], count=len(joined),
        )
    return joined, left


async def _create(uow: UnitOfWork, org_id: int, *, kind: str, key: str, name: str, department_id: int | None) -> Conversation:
    now = utc_now()
    conversation = Conversation(
        org_id=org_id, kind="group", name=name[:64], direct_key=None, owner_member_id=None, member_count=0,
        last_seq=0, last_message_at=now, created_at=now, notice="", mute_all=False,
        managed_kind=kind, managed_key=key, department_id=department_id,
    )
    uow.session.add(conversation)
    await uow.session.flush()
    return conversation


async def do_ensure_all_staff(uow: UnitOfWork, org_id: int, org_name: str | None = None) -> Conversation:
    """The organization's all-staff group, created (with every active member) if missing."""
    repo = ConversationRepository(uow.session, org_id)
    found = await repo.managed_locked([ALL_STAFF])
    if found:
        return found[0]
    tree = await load_tree(uow.session, org_id)
    root = next(d for d, p in tree.parent.items() if p is None)
    name = org_name or await department_name(uow.session, org_id, root) or ""
    conversation = await _create(uow, org_id, kind=ALL_STAFF, key=ALL_STAFF, name=f"{name}全员群", department_id=None)
    await do_sync_group(uow, conversation, None)
    return conversation


async def do_dissolve_managed(uow: UnitOfWork, conversation: Conversation) -> None:
    """Ends the link with the directory: a system line, then the group is dissolved (members
    keep the history and may leave it to take it off their list)."""
    await do_post_system_message(uow, conversation, actor_member_id=None, action="dissolved")
    conversation.dissolved_at = utc_now()
    conversation.managed_key = None
    await uow.session.flush()
    await notify_conversation_update(uow, conversation)


async def check_set_department_group(
    uow: UnitOfWork, actor: Actor, department_id: int, body: DepartmentGroupSet
) -> ConversationRead | None:
    """Turns a department's group on (created with the department and its sub-departments'
    active members) or off (dissolved). Admins, and sub-admins over the department.

    Raises: DepartmentNotFound (also for another organization's department), OutOfScope.
    Emits: see do_sync_group and do_dissolve_managed.
    """
    org_id = org_id_of(actor)
    tree = await load_tree(uow.session, org_id)
    department = await access_department_by_id(uow.session, actor, department_id, tree=tree)
    require_department_admin(actor, tree, department_id)
    await do_ensure_all_staff(uow, org_id)
    repo = ConversationRepository(uow.session, org_id)
    found = await repo.managed_locked([_department_key(department_id)])
    if not body.enabled:
        if found:
            await do_dissolve_managed(uow, found[0])
        return None
    if found:
        conversation = found[0]
    else:
        conversation = await _create(
            uow, org_id, kind="department", key=_department_key(department_id), name=department.name,
            department_id=department_id,
        )
        await do_sync_group(uow, conversation, tree)
    return await conversation_read(uow.session, conversation)


async def _rename(uow: UnitOfWork, conversation: Conversation, name: str) -> None:
    name = name[:64]
    if conversation.name == name:
        return
    conversation.name = name
    await uow.session.flush()
    await notify_conversation_update(uow, conversation)
    await do_post_system_message(uow, conversation, actor_member_id=None, action="renamed", name=name)


async def on_directory_change(uow: UnitOfWork, event: hooks.DirectoryEvent) -> None:
    """The directory hook chat registers in main.py: keeps managed groups in step."""
    org_id = event.org_id
    repo = ConversationRepository(uow.session, org_id)
    match event:
        case hooks.OrgCreated():
            await do_ensure_all_staff(uow, org_id)
        case hooks.DepartmentCreated():
            # An empty department changes no group; its own group is enabled by an admin.
            return
        case hooks.DepartmentRenamed(department_id=department_id, name=name):
            for conversation in await repo.managed_locked([_department_key(department_id)]):
                await _rename(uow, conversation, name)
        case hooks.DepartmentDeleted(department_id=department_id):
            for conversation in await repo.managed_locked([_department_key(department_id)]):
                await do_dissolve_managed(uow, conversation)
        case hooks.DepartmentMoved():
            # Sub-department members count in every ancestor's group: resync department groups.
            groups = [c for c in await repo.managed_locked() if c.managed_kind == "department"]
            if groups:
                tree = await load_tree(uow.session, org_id)
                for conversation in groups:
                    await do_sync_group(uow, conversation, tree)
        case hooks.MembersJoined() | hooks.MembersMoved() | hooks.MembersDeactivated() | hooks.MembersReactivated():
            await do_ensure_all_staff(uow, org_id)
            only = event.member_ids if len(event.member_ids) <= SUBSET_MAX else None
            groups = await repo.managed_locked()
            tree = await load_tree(uow.session, org_id) if any(c.managed_kind == "department" for c in groups) else None
            for conversation in groups:
                await do_sync_group(uow, conversation, tree, only)
