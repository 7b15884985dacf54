"""Request and response shapes of the robot management API (Tack's own /api/v1)."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

RobotName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Keyword = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20)]
IpEntry = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
CallbackUrl = Annotated[str, StringConstraints(strip_whitespace=True, max_length=1000)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RobotCreate(Strict):
    """At least one security setting, as DingTalk requires: `sign` (加签: a secret is made),
    `keywords` (up to 10, as DingTalk), `ip_allowlist` (addresses or CIDR ranges, up to 10).
    `outgoing_url`: where messages that @-mention the robot are POSTed (http or https).
    `app_id`: an app of the org whose robot this is (应用机器人): @-mentions reach the app's
    Stream connection, and the app may send here through /v1.0/robot/groupMessages/send."""

    name: RobotName
    sign: bool = False
    keywords: Annotated[list[Keyword], Field(max_length=10)] = Field(default_factory=list)
    ip_allowlist: Annotated[list[IpEntry], Field(max_length=10)] = Field(default_factory=list)
    outgoing_url: CallbackUrl | None = None
    app_id: Annotated[int, Field(ge=1, le=2**53)] | None = None


class RobotUpdate(Strict):
    """Omitted fields stay. `sign: true` keeps the secret (`rotate_secret: true` makes a new
    one), `false` drops it; `outgoing_url: ""` turns outgoing off; `rotate_token: true` gives
    the robot a new webhook URL (the old one stops working at once)."""

    name: RobotName | None = None
    sign: bool | None = None
    rotate_secret: bool = False
    rotate_token: bool = False
    keywords: Annotated[list[Keyword], Field(max_length=10)] | None = None
    ip_allowlist: Annotated[list[IpEntry], Field(max_length=10)] | None = None
    outgoing_url: CallbackUrl | None = None
    # 0 unlinks the app.
    app_id: Annotated[int, Field(ge=0, le=2**53)] | None = None


class RobotRead(BaseModel):
    id: int
    conversation_id: int
    name: str
    webhook_url: str
    access_token: str
    # 加签 secret ("SEC…"), or None when signing is off.
    secret: str | None
    keywords: list[str]
    ip_allowlist: list[str]
    outgoing_url: str | None
    # Signs the outgoing callbacks (header `sign`) when the robot has no signing secret.
    outgoing_token: str | None
    app_id: int | None = None
    # The app robot's robotCode (its app key) for /v1.0/robot/* and the Stream callbacks.
    robot_code: str | None = None
    # The group's openConversationId for /v1.0/robot/groupMessages/send.
    open_conversation_id: str
    created_by_member_id: int | None
    created_at: datetime


class RobotList(BaseModel):
    items: list[RobotRead]
