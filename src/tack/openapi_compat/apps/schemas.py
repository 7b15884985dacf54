"""Shapes of the apps admin API (Tack's own /api/v1 style)."""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

AppName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Description = Annotated[str, StringConstraints(strip_whitespace=True, max_length=500)]
Scope = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
IpRule = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
MAX_IP_RULES = 50


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AppCreate(Strict):
    name: AppName
    description: Description = ""
    # None: the default scopes (scopes.DEFAULT_SCOPES).
    scopes: list[Scope] | None = Field(default=None, max_length=100)
    ip_allowlist: list[IpRule] = Field(default_factory=list, max_length=MAX_IP_RULES)


class AppUpdate(Strict):
    name: AppName | None = None
    description: Description | None = None
    scopes: list[Scope] | None = Field(default=None, max_length=100)
    ip_allowlist: list[IpRule] | None = Field(default=None, max_length=MAX_IP_RULES)
    enabled: bool | None = None


class AppRead(BaseModel):
    id: int
    agent_id: int
    name: str
    description: str
    app_key: str
    scopes: list[str]
    ip_allowlist: list[str]
    enabled: bool
    created_at: datetime
    updated_at: datetime


class AppCredentials(AppRead):
    """Returned on create and on rotation only: the secret, shown to the admin who asked."""

    app_secret: str


class AppList(BaseModel):
    items: list[AppRead]


class ScopeRead(BaseModel):
    name: str
    description: str


class ScopeList(BaseModel):
    items: list[ScopeRead]
