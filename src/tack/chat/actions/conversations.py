"""Conversation writes: open a 1:1, create a group, membership, roles, settings, dissolve."""

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from tack.chat.access import (
    Membership,
    access_conversation_by_id,
    account_ids_of,
    member_account_ids,
    my_member_id,
    refuse_managed,
    require_group_admin,
)
from tack.chat.actions.messages import NotAGroup, do_post_system_message, do_send_message, require_open
from tack.chat.events import (
    EventConversationAdd,
    EventConversationRemove,
    EventConversationUpdate,
    EventMembersAdd,
    EventMembersRemove,
    EventSettingsUpdate,
)
from tack.chat.limits import ChatLimits
from tack.chat.models import Conversation, ConversationMember
from tack.chat.reads import conversation_read, conversation_view, peer_names
from tack.chat.repository import ConversationMemberRepository, ConversationRepository
from tack.chat.schemas import (
    ConversationRemoved,
    ConversationUpdate,
    ConversationView,
    DirectCreate,
    GroupCreate,
    MembersAdd,
    MessageRead,
    MembersChanged,
    SettingsRead,
    SettingsUpdate,
)
from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import BadRequest, Conflict, Forbidden, NotFound
from tack.directory.access import MemberNotFound, access_members_by_ids, org_id_of
from tack.storage.uow import UnitOfWork


class GroupTooLarge(BadRequest):
    code = "group_too_large"
    message = "The group would have more members than allowed"


class NotInConversation(NotFound):
    code = "not_in_conversation"
    message = "That member is not in this conversation"


class OwnerRequired(Forbidden):
    code = "group_owner_required"
    message = "Only the group owner may do that"


async def _check_people(session: AsyncSession, actor: Actor, member_ids: list[int]) -> None:
    """Every id must be an active member of the actor's organization whom the actor may see
    (directory visibility rules apply), with an account to chat from."""
    members = await access_members_by_ids(session, actor, member_ids)
    for member_id in member_ids:
        member = members[member_id]
        if not member.active or member.account_id is None:
            raise MemberNotFound(f"Member {member_id} cannot chat")


def _group(membership: Membership) -> Conversation:
    if membership.conversation.kind != "group":
        raise NotAGroup()
    require_open(membership.conversation)
    return membership.conversation


async def _view(session: AsyncSession, conversation: Conversation, me: ConversationMember) -> ConversationView:
    shared = await conversation_read(session, conversation)
    names = await peer_names(session, conversation.org_id, me.member_id, [shared])
    return conversation_view(shared, me, names=names)


async def do_create_conversation(
    uow: UnitOfWork, org_id: int, *, kind: str, name: str, direct_key: str | None, roles: dict[int, str]
) -> tuple[Conversation, dict[int, ConversationMember]]:
    now = utc_now()
    owner = next((m for m, r in roles.items() if r == "owner"), None)
    conversation = Conversation(
        org_id=org_id, kind=kind, name=name, direct_key=direct_key, owner_member_id=owner,
        member_count=len(roles), last_seq=0, last_message_at=now, created_at=now, notice="", mute_all=False,
    )
    uow.session.add(conversation)
    await uow.session.flush()
    rows = {
        m: ConversationMember(org_id=org_id, conversation_id=conversation.id, member_id=m, role=r, joined_at=now)
        for m, r in roles.items()
    }
    uow.session.add_all(rows.values())
    await uow.session.flush()
    return conversation, rows


async def check_open_direct(uow: UnitOfWork, actor: Actor, body: DirectCreate) -> tuple[ConversationView, bool]:
    """The 1:1 conversation with another member, created on first use (one per pair).

    Raises: MemberNotFound, BadRequest (cannot_chat_with_self).
    Emits: conversation/add to both people when it is created.
    """
    org_id, me = org_id_of(actor), my_member_id(actor)
    if body.member_id == me:
        raise BadRequest("Pick someone else to chat with", code="cannot_chat_with_self")
    await _check_people(uow.session, actor, [body.member_id])
    low, high = sorted((me, body.member_id))
    key = f"{low}:{high}"
    existing = await ConversationRepository(uow.session, org_id).by_direct_key(key)
    if existing is None:
        try:
            async with uow.session.begin_nested():
                conversation, rows = await do_create_conversation(
                    uow, org_id, kind="direct", name="", direct_key=key, roles={low: "member", high: "member"}
                )
        except IntegrityError:
            # Both people opened it at the same moment (PostgreSQL lets both look first): the
            # other request's conversation is committed now; answer with it.
            existing = await ConversationRepository(uow.session, org_id).by_direct_key(key)
            if existing is None:
                raise
    if existing is not None:
        mine = await ConversationMemberRepository(uow.session, org_id).one(existing.id, me)
        assert mine is not None
        return await _view(uow.session, existing, mine), False
    shared = await conversation_read(uow.session, conversation)
    to = await member_account_ids(uow.session, org_id, conversation.id)
    uow.publish(EventConversationAdd(conversation=shared).to_event(org_id, to))
    return conversation_view(shared, rows[me], names=await peer_names(uow.session, org_id, me, [shared])), True


async def check_create_group(uow: UnitOfWork, actor: Actor, body: GroupCreate, *, limits: ChatLimits) -> ConversationView:
    """A group owned by the actor, with the chosen members.

    Raises: MemberNotFound, GroupTooLarge.
    Emits: conversation/add and the "created" system message to every member.
    """
    org_id, me = org_id_of(actor), my_member_id(actor)
    others = [m for m in dict.fromkeys(body.member_ids) if m != me]
    if len(others) + 1 > limits.group_max_members:
        raise GroupTooLarge(limit=limits.group_max_members)
    await _check_people(uow.session, actor, others)
    roles = {me: "owner", **{m: "member" for m in others}}
    conversation, rows = await do_create_conversation(
        uow, org_id, kind="group", name=body.name, direct_key=None, roles=roles
    )
    to = await member_account_ids(uow.session, org_id, conversation.id)
    # conversation/add goes first so clients know the conversation before its first message.
    uow.publish(EventConversationAdd(conversation=await conversation_read(uow.session, conversation)).to_event(org_id, to))
    await do_post_system_message(uow, conversation, actor_member_id=me, action="created", member_ids=others)
    rows[me].last_read_seq = conversation.last_seq
    return await _view(uow.session, conversation, rows[me])


async def notify_conversation_update(uow: UnitOfWork, conversation: Conversation) -> None:
    to = await member_account_ids(uow.session, conversation.org_id, conversation.id)
    shared = await conversation_read(uow.session, conversation)
    uow.publish(EventConversationUpdate(conversation=shared).to_event(conversation.org_id, to))


async def check_update_conversation(
    uow: UnitOfWork, actor: Actor, conversation_id: int, body: ConversationUpdate
) -> ConversationView:
    """Rename, group notice (群公告) and mute-all (全员禁言): group owner and admins.

    Raises: ConversationNotFound, NotAGroup, ConversationDissolved, NotGroupAdmin.
    Emits: conversation/update and one system message per change, to every member.
    """
    membership = await access_conversation_by_id(uow.session, actor, conversation_id, lock=True)
    conversation = _group(membership)
    require_group_admin(membership)
    me = membership.me.member_id
    changes = []
    if body.name is not None and body.name != conversation.name:
        refuse_managed(conversation)
        conversation.name = body.name
        changes.append(("renamed", {"name": body.name}))
    if body.notice is not None and body.notice != conversation.notice:
        conversation.notice = body.notice
        changes.append(("notice_updated", {"notice": body.notice}))
    if body.mute_all is not None and body.mute_all != conversation.mute_all:
        conversation.mute_all = body.mute_all
        changes.append(("mute_all_changed", {"mute_all": body.mute_all}))
    if changes:
        await notify_conversation_update(uow, conversation)
        for action, detail in changes:
            await do_post_system_message(uow, conversation, actor_member_id=me, action=action, **detail)
        await uow.session.refresh(membership.me)
    return await _view(uow.session, conversation, membership.me)


async def check_add_members(
    uow: UnitOfWork, actor: Actor, conversation_id: int, body: MembersAdd, *, limits: ChatLimits
) -> ConversationView:
    """Any member of a group may invite (DingTalk's default); people already in it are skipped.
    Newcomers see the history, but their pointer starts at the current message and they do
    not count as receivers of older messages in read receipts.

    Raises: ConversationNotFound, NotAGroup, ConversationDissolved, MemberNotFound, GroupTooLarge.
    Emits: conversation/add to the newcomers; conversation_member/add and conversation/update
        to everyone; the "members_added" system message.
    """
    membership = await access_conversation_by_id(uow.session, actor, conversation_id, lock=True)
    conversation = _group(membership)
    refuse_managed(conversation)
    org_id = conversation.org_id
    repo = ConversationMemberRepository(uow.session, org_id)
    present = set(await repo.member_ids(conversation_id))
    new = [m for m in dict.fromkeys(body.member_ids) if m not in present]
    if not new:
        return await _view(uow.session, conversation, membership.me)
    if conversation.member_count + len(new) > limits.group_max_members:
        raise GroupTooLarge(limit=limits.group_max_members)
    await _check_people(uow.session, actor, new)
    now = utc_now()
    for member_id in new:
        uow.session.add(
            ConversationMember(
                org_id=org_id, conversation_id=conversation_id, member_id=member_id, role="member",
                last_read_seq=conversation.last_seq, joined_seq=conversation.last_seq, joined_at=now,
            )
        )
    conversation.member_count += len(new)
    await uow.session.flush()
    me = membership.me.member_id
    everyone = await member_account_ids(uow.session, org_id, conversation_id)
    newcomers = set(await account_ids_of(uow.session, org_id, new))
    shared = await conversation_read(uow.session, conversation)
    uow.publish(EventConversationAdd(conversation=shared).to_event(org_id, newcomers))
    uow.publish(EventConversationUpdate(conversation=shared).to_event(org_id, set(everyone) - newcomers))
    change = MembersChanged(conversation_id=conversation_id, member_ids=new, by_member_id=me)
    uow.publish(EventMembersAdd(change=change).to_event(org_id, everyone))
    await do_post_system_message(uow, conversation, actor_member_id=me, action="members_added", member_ids=new)
    await uow.session.refresh(membership.me)
    return await _view(uow.session, conversation, membership.me)


async def do_remove_member(
    uow: UnitOfWork, conversation: Conversation, member_id: int, *, by_member_id: int, reason: str
) -> None:
    """Removes one member; they get conversation/remove, the rest an update and a system line."""
    org_id = conversation.org_id
    leaving = await account_ids_of(uow.session, org_id, [member_id])
    await ConversationMemberRepository(uow.session, org_id).remove(conversation.id, [member_id])
    conversation.member_count -= 1
    await uow.session.flush()
    removed = ConversationRemoved(conversation_id=conversation.id, reason=reason)  # type: ignore[arg-type]
    uow.publish(EventConversationRemove(removed=removed).to_event(org_id, leaving))
    to = await member_account_ids(uow.session, org_id, conversation.id)
    change = MembersChanged(conversation_id=conversation.id, member_ids=[member_id], by_member_id=by_member_id)
    uow.publish(EventMembersRemove(change=change).to_event(org_id, to))
    await notify_conversation_update(uow, conversation)
    action = "member_left" if reason == "left" else "member_removed"
    await do_post_system_message(uow, conversation, actor_member_id=None, action=action, member_ids=[member_id], by_member_id=by_member_id)


async def _target(repo: ConversationMemberRepository, conversation_id: int, member_id: int) -> ConversationMember:
    target = await repo.one(conversation_id, member_id)
    if target is None:
        raise NotInConversation()
    return target


async def check_remove_member(uow: UnitOfWork, actor: Actor, conversation_id: int, member_id: int) -> None:
    """Owner removes anyone but themself; admins remove ordinary members.

    Raises: ConversationNotFound, NotAGroup, ConversationDissolved, NotGroupAdmin,
        NotInConversation, OwnerRequired, BadRequest (use_leave).
    Emits: see do_remove_member.
    """
    membership = await access_conversation_by_id(uow.session, actor, conversation_id, lock=True)
    conversation = _group(membership)
    refuse_managed(conversation)
    require_group_admin(membership)
    if member_id == membership.me.member_id:
        raise BadRequest("Leave the group instead", code="use_leave")
    target = await _target(ConversationMemberRepository(uow.session, conversation.org_id), conversation_id, member_id)
    if target.role != "member" and not membership.is_owner:
        raise OwnerRequired("Only the owner may remove the owner or an admin")
    await do_remove_member(uow, conversation, member_id, by_member_id=membership.me.member_id, reason="removed")


async def check_leave(uow: UnitOfWork, actor: Actor, conversation_id: int) -> None:
    """Leaving a group; the owner must first hand the group over (or dissolve it).
    A dissolved group may be left, which takes it off one's list.

    Raises: ConversationNotFound, NotAGroup, Conflict (owner_must_transfer).
    Emits: see do_remove_member.
    """
    membership = await access_conversation_by_id(uow.session, actor, conversation_id, lock=True)
    conversation = membership.conversation
    if conversation.kind != "group":
        raise NotAGroup()
    refuse_managed(conversation)
    if membership.is_owner and conversation.dissolved_at is None:
        raise Conflict("Hand the group to someone else first, or dissolve it", code="owner_must_transfer")
    me = membership.me.member_id
    await do_remove_member(uow, conversation, me, by_member_id=me, reason="left")


async def check_dissolve(uow: UnitOfWork, actor: Actor, conversation_id: int) -> ConversationView:
    """解散群: owner only. Members keep the history; nothing more can be sent.

    Emits: the "dissolved" system message and conversation/update to every member.
    """
    membership = await access_conversation_by_id(uow.session, actor, conversation_id, lock=True)
    conversation = _group(membership)
    if not membership.is_owner:
        raise OwnerRequired()
    await do_post_system_message(uow, conversation, actor_member_id=membership.me.member_id, action="dissolved")
    conversation.dissolved_at = utc_now()
    await uow.session.flush()
    await notify_conversation_update(uow, conversation)
    await uow.session.refresh(membership.me)
    return await _view(uow.session, conversation, membership.me)


async def check_set_role(uow: UnitOfWork, actor: Actor, conversation_id: int, member_id: int, *, role: str) -> ConversationView:
    """The owner names or drops group admins. Emits conversation/update to every member."""
    membership = await access_conversation_by_id(uow.session, actor, conversation_id, lock=True)
    conversation = _group(membership)
    if not membership.is_owner:
        raise OwnerRequired()
    target = await _target(ConversationMemberRepository(uow.session, conversation.org_id), conversation_id, member_id)
    if target.role == "owner":
        raise BadRequest("Transfer the group to change the owner", code="use_transfer")
    if target.role != role:
        target.role = role
        await uow.session.flush()
        await notify_conversation_update(uow, conversation)
    return await _view(uow.session, conversation, membership.me)


async def check_transfer_owner(uow: UnitOfWork, actor: Actor, conversation_id: int, member_id: int) -> ConversationView:
    """The owner hands the group over and becomes an ordinary member.

    Emits: conversation/update and the "owner_transferred" system message to every member.
    """
    membership = await access_conversation_by_id(uow.session, actor, conversation_id, lock=True)
    conversation = _group(membership)
    if not membership.is_owner:
        raise OwnerRequired()
    if member_id == membership.me.member_id:
        return await _view(uow.session, conversation, membership.me)
    target = await _target(ConversationMemberRepository(uow.session, conversation.org_id), conversation_id, member_id)
    target.role = "owner"
    membership.me.role = "member"
    conversation.owner_member_id = member_id
    await uow.session.flush()
    await notify_conversation_update(uow, conversation)
    await do_post_system_message(
        uow, conversation, actor_member_id=membership.me.member_id, action="owner_transferred", member_ids=[member_id]
    )
    await uow.session.refresh(membership.me)
    return await _view(uow.session, conversation, membership.me)


async def check_update_settings(uow: UnitOfWork, actor: Actor, conversation_id: int, body: SettingsUpdate) -> SettingsRead:
    """Personal settings: mute (消息免打扰) and pin to top (置顶). Emits conversation_settings/update
    to the member's own accounts only."""
    membership = await access_conversation_by_id(uow.session, actor, conversation_id)
    me = membership.me
    if body.muted is not None:
        me.muted = body.muted
    if body.pinned is not None and body.pinned != (me.pinned_at is not None):
        me.pinned_at = utc_now() if body.pinned else None
    await uow.session.flush()
    read = SettingsRead(conversation_id=conversation_id, muted=me.muted, pinned=me.pinned_at is not None)
    to = await account_ids_of(uow.session, me.org_id, [me.member_id])
    uow.publish(EventSettingsUpdate(settings=read).to_event(me.org_id, to))
    return read



async def do_post_direct_card(
    uow: UnitOfWork, org_id: int, *, sender_member_id: int, other_member_id: int, content: dict[str, Any]
) -> MessageRead:
    """A card from one member in their 1:1 conversation with another (opened on first use),
    for other domains' notices (a DING). Trusts its input: both are active members of the org.

    Emits: conversation/add to both when the conversation is created; message/add.
    """
    low, high = sorted((sender_member_id, other_member_id))
    repo = ConversationRepository(uow.session, org_id)
    existing = await repo.by_direct_key(f"{low}:{high}")
    if existing is None:
        conversation, rows = await do_create_conversation(
            uow, org_id, kind="direct", name="", direct_key=f"{low}:{high}", roles={low: "member", high: "member"}
        )
        shared = await conversation_read(uow.session, conversation)
        uow.publish(EventConversationAdd(conversation=shared).to_event(org_id, await member_account_ids(uow.session, org_id, conversation.id)))
        me = rows[sender_member_id]
    else:
        locked = await repo.get_locked(existing.id)
        assert locked is not None
        conversation = locked
        found = await ConversationMemberRepository(uow.session, org_id).one(conversation.id, sender_member_id)
        assert found is not None
        me = found
    searchable = f"{content.get('title', '')}\n{content.get('text', '')}"
    return await do_send_message(
        uow,
        Membership(conversation, me),
        kind="card",
        content=content,
        searchable=searchable,
        client_msg_id=None,
        body_hash=None,
        reply_to=None,
        mention_member_ids=[],
        mention_all=False,
    )
