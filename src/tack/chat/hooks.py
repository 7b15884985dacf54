"""Chat hooks: how higher domains react to messages members send (DESIGN.md).

Chat knows no domain above it. After a member's message is stored it announces it with a
small typed event; a higher domain registers a handler in main.py (the open platform's
outgoing robots, which forward @-mentions to a callback URL, listen here).

- Handlers run inside the sender's unit of work, before COMMIT: what they write or enqueue
  lands or rolls back with the message. They must be cheap: every send calls them.
- Only messages members send (text, markdown, card) are announced; system lines, forwards
  and messages robots post are not (a robot must never trigger itself).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from tack.storage.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class MessageSent:
    org_id: int
    conversation_id: int
    conversation_kind: str  # direct | group
    conversation_name: str
    message_id: int
    seq: int
    sender_member_id: int
    sender_is_group_admin: bool
    kind: str
    text: str
    mention_member_ids: tuple[int, ...]


Handler = Callable[[UnitOfWork, MessageSent], Awaitable[None]]

_handlers: list[Handler] = []


def on_message_sent(handler: Handler) -> Handler:
    """Registers a handler (once: registering again is a no-op)."""
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


async def emit(uow: UnitOfWork, event: MessageSent) -> None:
    for handler in _handlers:
        await handler(uow, event)
