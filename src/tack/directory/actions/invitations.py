"""Invitation links (and their QR codes), joining through them, and approving joiners."""

from datetime import timedelta

from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import Conflict, NotFound
from tack.core.tokens import new_token
from tack.directory.access import (
    DepartmentNotFound,
    load_tree,
    org_id_of,
    require_admin,
    require_department_admin,
)
from tack.directory import hooks
from tack.directory.actions.audit import do_audit
from tack.directory.models import Account, Invitation, JoinRequest, Member
from tack.directory.pinyin import search_keys, sort_key
from tack.directory.repository import (
    AccountRepository,
    DepartmentRepository,
    InvitationRepository,
    JoinRequestRepository,
    MemberRepository,
)
from tack.directory.schemas import InvitationCreate
from tack.storage.uow import UnitOfWork


class InvitationInvalid(NotFound):
    code = "invitation_invalid"
    message = "This invitation link is not valid or has expired"


class JoinRequestNotFound(NotFound):
    code = "join_request_not_found"
    message = "No such join request"


async def check_create_invitation(uow: UnitOfWork, actor: Actor, body: InvitationCreate) -> Invitation:
    """Org-wide links are for owners and admins; a sub-admin may invite into their departments."""
    org_id = org_id_of(actor)
    tree = await load_tree(uow.session, org_id)
    if body.department_id is None:
        require_admin(actor)
    else:
        if body.department_id not in tree:
            raise DepartmentNotFound()
        require_department_admin(actor, tree, body.department_id)
    invitation = InvitationRepository(uow.session, org_id).add(
        Invitation(
            token=new_token(18),
            department_id=body.department_id,
            expires_at=utc_now() + timedelta(hours=body.expires_in_hours),
            requires_approval=body.requires_approval,
            created_by=actor.member_id,
        )
    )
    await uow.session.flush()
    await do_audit(
        uow, actor, "invitation.create", target_type="invitation", target_id=invitation.id,
        detail={"department_id": body.department_id, "requires_approval": body.requires_approval},
    )
    return invitation


async def check_revoke_invitation(uow: UnitOfWork, actor: Actor, invitation_id: int) -> Invitation:
    org_id = org_id_of(actor)
    invitation = await InvitationRepository(uow.session, org_id).get(invitation_id)
    if invitation is None:
        raise InvitationInvalid()
    tree = await load_tree(uow.session, org_id)
    if invitation.department_id is None:
        require_admin(actor)
    else:
        require_department_admin(actor, tree, invitation.department_id)
    invitation.revoked = True
    await do_audit(uow, actor, "invitation.revoke", target_type="invitation", target_id=invitation.id)
    return invitation


async def valid_invitation(uow: UnitOfWork, token: str) -> Invitation:
    invitation = await AccountRepository(uow.session).invitation_by_token(token)
    if invitation is None or invitation.revoked or invitation.expires_at <= utc_now():
        raise InvitationInvalid()
    return invitation


async def check_accept_invitation(uow: UnitOfWork, account_id: int, token: str) -> tuple[str, int, Member | None]:
    """Joins at once, or files a join request when the link asks for an admin's approval."""
    invitation = await valid_invitation(uow, token)
    accounts = AccountRepository(uow.session)
    account = await accounts.get(account_id)
    assert account is not None
    existing = await accounts.member_for(account_id, invitation.org_id)
    if existing is not None and existing.active:
        raise Conflict("You are already a member of this organization", code="already_member")
    if existing is not None:
        raise Conflict("Your membership here was deactivated; ask an admin", code="member_inactive")
    if invitation.requires_approval:
        requests = JoinRequestRepository(uow.session, invitation.org_id)
        if await requests.pending_for(account_id) is None:
            requests.add(JoinRequest(invitation_id=invitation.id, account_id=account_id, name=account.name))
        return "pending", invitation.org_id, None
    member = await do_join(uow, account, invitation)
    return "joined", invitation.org_id, member


async def do_join(uow: UnitOfWork, account: Account, invitation: Invitation) -> Member:
    org_id = invitation.org_id
    members = MemberRepository(uow.session, org_id)
    # A phone or e-mail that an imported (account-less) member already holds is that person.
    placeholder = None
    for field, value in (("phone", account.phone), ("email", account.email)):
        if value and placeholder is None:
            found = await members.by_field(field, value)
            if found is not None and found.account_id is None:
                placeholder = found
            elif found is not None:
                raise Conflict(f"Another member here already uses that {field}", code=f"{field}_taken")
    department_id = invitation.department_id or (await DepartmentRepository(uow.session, org_id).root()).id
    if placeholder is not None:
        # Already a member (imported without an account): their groups do not change.
        placeholder.account_id = account.id
        return placeholder
    member = members.add(
        Member(
            account_id=account.id,
            name=account.name,
            phone=account.phone,
            email=account.email,
            pinyin=search_keys(account.name),
            sort_key=sort_key(account.name),
        )
    )
    await members.flush()
    await members.set_departments(member.id, [department_id])
    await hooks.emit(uow, hooks.MembersJoined(org_id, (member.id,)))
    return member


async def check_decide_join_request(
    uow: UnitOfWork, actor: Actor, request_id: int, *, approve: bool
) -> tuple[JoinRequest, Invitation, Member | None]:
    org_id = org_id_of(actor)
    request = await JoinRequestRepository(uow.session, org_id).get(request_id)
    if request is None or request.status != "pending":
        raise JoinRequestNotFound()
    invitation = await InvitationRepository(uow.session, org_id).get(request.invitation_id)
    assert invitation is not None
    if invitation.department_id is None:
        require_admin(actor)
    else:
        require_department_admin(actor, await load_tree(uow.session, org_id), invitation.department_id)
    request.status = "approved" if approve else "rejected"
    request.decided_by = actor.member_id
    request.decided_at = utc_now()
    member = None
    if approve:
        account = await AccountRepository(uow.session).get(request.account_id)
        assert account is not None
        if await AccountRepository(uow.session).member_for(account.id, org_id) is not None:
            raise Conflict("That person is already a member", code="already_member")
        member = await do_join(uow, account, invitation)
    await do_audit(
        uow, actor, "join_request.approve" if approve else "join_request.reject", target_type="account",
        target_id=request.account_id, target_name=request.name,
    )
    return request, invitation, member
