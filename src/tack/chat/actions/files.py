"""Uploads of images and files into a conversation (the message that shows one is sent apart)."""

from pathlib import Path

from tack.chat.access import access_conversation_by_id
from tack.chat.actions.messages import require_open
from tack.chat.files import sniff_image, store_blob
from tack.chat.limits import ChatLimits
from tack.chat.models import ChatFile
from tack.chat.repository import ChatFileRepository
from tack.chat.schemas import FileRead
from tack.core.actor import Actor
from tack.core.clock import utc_now
from tack.core.errors import BadRequest, PayloadTooLarge
from tack.storage.uow import UnitOfWork

GENERIC_TYPE = "application/octet-stream"


def file_read(row: ChatFile) -> FileRead:
    return FileRead(
        id=row.id,
        conversation_id=row.conversation_id,
        kind=row.kind,  # type: ignore[arg-type]
        name=row.name,
        content_type=row.content_type,
        size=row.size,
        created_at=row.created_at,
    )


def _clean_name(name: str | None) -> str:
    base = (name or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    base = "".join(ch for ch in base if ch.isprintable())
    return base[:255] or "file"


async def check_upload_file(
    uow: UnitOfWork,
    actor: Actor,
    conversation_id: int,
    *,
    name: str | None,
    declared_type: str | None,
    data: bytes,
    as_image: bool,
    data_dir: Path,
    limits: ChatLimits,
) -> FileRead:
    """Stores an upload for a conversation the actor is in. An image must really be PNG, JPEG,
    GIF or WebP; other files keep their declared type for display but are always served as
    downloads.

    Raises: ConversationNotFound, ConversationDissolved, PayloadTooLarge, BadRequest
        (file_empty, not_an_image, file_type_blocked).
    Emits: nothing; the message that shows the file does.
    """
    membership = await access_conversation_by_id(uow.session, actor, conversation_id)
    require_open(membership.conversation)
    limit = limits.max_image_bytes if as_image else limits.max_file_bytes
    if len(data) > limit:
        raise PayloadTooLarge(f"At most {limit} bytes", limit=limit)
    if not data:
        raise BadRequest("The file is empty", code="file_empty")
    file_name = _clean_name(name)
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else ""
    if not as_image and extension in limits.blocked_extensions:
        raise BadRequest(f"Files of type .{extension} cannot be sent", code="file_type_blocked", extension=extension)
    image_type = sniff_image(data[:16])
    if as_image and image_type is None:
        raise BadRequest("Images must be PNG, JPEG, GIF or WebP", code="not_an_image")
    content_type = image_type if as_image else (declared_type or GENERIC_TYPE)[:100]
    path, digest = store_blob(data_dir, membership.conversation.org_id, data)
    row = ChatFile(
        org_id=membership.conversation.org_id,
        conversation_id=conversation_id,
        uploader_member_id=membership.me.member_id,
        kind="image" if as_image else "file",
        name=file_name,
        content_type=content_type,
        size=len(data),
        sha256=digest,
        path=path,
        created_at=utc_now(),
    )
    ChatFileRepository(uow.session, row.org_id).add(row)
    await uow.session.flush()
    return file_read(row)
