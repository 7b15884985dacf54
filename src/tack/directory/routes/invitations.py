"""Invitation links and QR codes, joining through a link, join requests awaiting approval."""

import io
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from sqlalchemy.ext.asyncio import AsyncSession

from tack.directory import queries
from tack.directory.actions import invitations
from tack.directory.auth import CurrentActor, CurrentCaller
from tack.directory.routes import IdPath
from tack.directory.schemas import (
    InvitationCreate,
    InvitationPublicRead,
    InvitationRead,
    JoinRequestRead,
    JoinResult,
)
from tack.storage.deps import get_read_session, get_uow
from tack.storage.uow import UnitOfWork

router = APIRouter(prefix="/api/v1", tags=["invitations"])
UoW = Annotated[UnitOfWork, Depends(get_uow, scope="function")]
ReadSession = Annotated[AsyncSession, Depends(get_read_session)]


def _base_url(request: Request) -> str:
    return str(request.base_url)


@router.post("/orgs/{org_id}/invitations", status_code=201)
async def create_invitation(request: Request, actor: CurrentActor, body: InvitationCreate, uow: UoW) -> InvitationRead:
    invitation = await invitations.check_create_invitation(uow, actor, body)
    return queries.invitation_read(invitation, _base_url(request))


@router.get("/orgs/{org_id}/invitations")
async def list_invitations(request: Request, actor: CurrentActor, session: ReadSession) -> list[InvitationRead]:
    return await queries.list_invitations(session, actor, base_url=_base_url(request))


@router.delete("/orgs/{org_id}/invitations/{invitation_id}", status_code=204, response_class=Response)
async def revoke_invitation(actor: CurrentActor, invitation_id: IdPath, uow: UoW) -> None:
    await invitations.check_revoke_invitation(uow, actor, invitation_id)


@router.get("/orgs/{org_id}/invitations/{invitation_id}/qr.{kind}", response_class=Response)
async def invitation_qr(
    request: Request, actor: CurrentActor, invitation_id: IdPath, kind: str, session: ReadSession
) -> Response:
    """The link as a QR code, PNG for printing or SVG for screens and posters."""
    if kind not in ("png", "svg"):
        raise invitations.InvitationInvalid()
    invitation = await queries.get_invitation(session, actor, invitation_id, base_url=_base_url(request))
    import segno  # loaded by the first QR code (~1 MB), not by every server

    qr = segno.make(invitation.url, error="m")
    buffer = io.BytesIO()
    if kind == "png":
        qr.save(buffer, kind="png", scale=8, border=2)
        return Response(buffer.getvalue(), media_type="image/png")
    qr.save(buffer, kind="svg", scale=8, border=2, xmldecl=False)
    return Response(buffer.getvalue(), media_type="image/svg+xml")


@router.get("/invitations/{token}")
async def get_invitation(token: str, session: ReadSession) -> InvitationPublicRead:
    return await queries.get_public_invitation(session, token)


@router.post("/invitations/{token}/accept")
async def accept_invitation(caller: CurrentCaller, token: str, uow: UoW) -> JoinResult:
    status, org_id, member = await invitations.check_accept_invitation(uow, caller.account_id, token)
    return JoinResult(status=status, org_id=org_id, member_id=member.id if member else None)  # type: ignore[arg-type]


@router.get("/orgs/{org_id}/join-requests")
async def list_join_requests(actor: CurrentActor, session: ReadSession) -> list[JoinRequestRead]:
    return await queries.list_join_requests(session, actor)


@router.post("/orgs/{org_id}/join-requests/{request_id}/approve")
async def approve_join_request(actor: CurrentActor, request_id: IdPath, uow: UoW) -> JoinRequestRead:
    request, invitation, _ = await invitations.check_decide_join_request(uow, actor, request_id, approve=True)
    return queries.join_request_read(request, invitation.department_id)


@router.post("/orgs/{org_id}/join-requests/{request_id}/reject")
async def reject_join_request(actor: CurrentActor, request_id: IdPath, uow: UoW) -> JoinRequestRead:
    request, invitation, _ = await invitations.check_decide_join_request(uow, actor, request_id, approve=False)
    return queries.join_request_read(request, invitation.department_id)
