"""Pydantic shapes of DING: what a client sends, what it reads, and the realtime payloads."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Channel = Literal["in_app", "sms", "call"]
Allowed = Literal["everyone", "admins", "nobody"]

MAX_RECIPIENTS = 5000
MAX_TEXT = 2000


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DingSource(Strict):
    """"Remind those who have not read" (chat): the message whose unread members get the DING."""

    conversation_id: int = Field(ge=1)
    message_id: int = Field(ge=1)


class DingCreate(Strict):
    """`member_ids` or `source` (or both: the union). Schedules not given take the org's
    defaults; 0 turns reminders / escalation off."""

    member_ids: list[Annotated[int, Field(ge=1)]] = Field(default_factory=list, max_length=MAX_RECIPIENTS * 2)
    source: DingSource | None = None
    text: Annotated[str, StringConstraints(max_length=MAX_TEXT)]
    attachment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)] | None = None
    channel: Channel = "in_app"
    send_at: datetime | None = None
    remind_every_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    remind_times: int | None = Field(default=None, ge=0, le=100)
    escalate_after_minutes: int | None = Field(default=None, ge=0, le=24 * 60)


class DingRead(BaseModel):
    id: int
    sender_member_id: int
    sender_name: str
    text: str
    attachment: str | None
    channel: Channel
    status: Literal["scheduled", "sent", "cancelled"]
    send_at: datetime | None
    sent_at: datetime | None
    created_at: datetime
    remind_every_minutes: int
    remind_times: int
    escalate_after_minutes: int
    # Counts are the sender's; a recipient sees only their own state.
    recipient_count: int | None
    confirmed_count: int | None
    # For a recipient reading it: their own state. The sender sees counts and the list.
    my_confirmed_at: datetime | None = None
    is_sender: bool = False


class DingList(BaseModel):
    items: list[DingRead]
    next_before_id: int | None


class RecipientRead(BaseModel):
    member_id: int
    name: str
    delivered_at: datetime | None
    confirmed_at: datetime | None
    reminders: int
    escalated_channel: Channel | None


class RecipientList(BaseModel):
    ding_id: int
    recipient_count: int
    confirmed_count: int
    state: Literal["all", "confirmed", "unconfirmed"]
    items: list[RecipientRead]
    next_offset: int | None


class DingAlert(BaseModel):
    """What a recipient's client shows at the top until confirmed (event and pending list)."""

    ding_id: int
    sender_member_id: int
    sender_name: str
    text: str
    attachment: str | None
    channel: Channel
    sent_at: datetime
    reason: Literal["send", "reminder", "reding"] = "send"
    round: int = 0


class PendingList(BaseModel):
    items: list[DingAlert]


class ConfirmRead(BaseModel):
    ding_id: int
    member_id: int
    confirmed_at: datetime


class ReceiptRead(BaseModel):
    """To the sender, live, per confirmation."""

    ding_id: int
    member_id: int
    name: str
    confirmed_at: datetime
    confirmed_count: int
    recipient_count: int


class RedingRead(BaseModel):
    ding_id: int
    reding: int
    member_ids: list[int]


class DingSettingsRead(BaseModel):
    who_may_send: Literal["everyone", "admins"] = "everyone"
    sms_allowed_for: Allowed = "everyone"
    call_allowed_for: Allowed = "everyone"
    daily_limit: int = 20
    default_remind_every_minutes: int = 5
    default_remind_times: int = 3
    min_remind_every_minutes: int = 1
    max_remind_times: int = 10
    min_escalate_after_minutes: int = 1
    max_recipients: int = MAX_RECIPIENTS


class DingSettingsUpdate(Strict):
    who_may_send: Literal["everyone", "admins"] | None = None
    sms_allowed_for: Allowed | None = None
    call_allowed_for: Allowed | None = None
    daily_limit: int | None = Field(default=None, ge=0, le=10_000)
    default_remind_every_minutes: int | None = Field(default=None, ge=0, le=24 * 60)
    default_remind_times: int | None = Field(default=None, ge=0, le=100)
    min_remind_every_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
    max_remind_times: int | None = Field(default=None, ge=0, le=100)
    min_escalate_after_minutes: int | None = Field(default=None, ge=1, le=24 * 60)
