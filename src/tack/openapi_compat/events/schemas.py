"""Shapes of the event-subscription admin API (Tack's own /api/v1 style)."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Url = Annotated[str, StringConstraints(strip_whitespace=True, min_length=8, max_length=2048)]
Token = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=128)]
AesKey = Annotated[str, StringConstraints(strip_whitespace=True, min_length=43, max_length=43)]
EventType = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
DeliveryStatus = Literal["pending", "retrying", "delivered", "failed"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubscriptionWrite(Strict):
    mode: Literal["http", "stream"] = "http"
    # Required for "http", ignored for "stream".
    callback_url: Url | None = None
    token: Token | None = None
    # DingTalk's 43-character EncodingAESKey; None: the server makes one (returned once in the read).
    aes_key: AesKey | None = None
    event_types: list[EventType] = Field(min_length=1, max_length=50)


class SubscriptionRead(BaseModel):
    app_id: int
    mode: str
    callback_url: str
    token: str
    aes_key: str
    event_types: list[str]
    verified_at: datetime | None
    updated_at: datetime


class EventTypeRead(BaseModel):
    name: str
    description: str


class EventTypeList(BaseModel):
    items: list[EventTypeRead]


class DeliveryRead(BaseModel):
    id: int
    app_id: int
    event_type: str
    payload: dict[str, object]
    status: DeliveryStatus
    attempts: int
    max_attempts: int
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


class DeliveryList(BaseModel):
    items: list[DeliveryRead]
    next_before_id: int | None
