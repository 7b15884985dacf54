"""Request and response shapes of the directory and accounts."""

import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, field_validator

PHONE_RE = re.compile(r"^\+?[0-9][0-9-]{5,19}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _phone(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip().replace(" ", "")
    if not PHONE_RE.match(value):
        raise ValueError("phone must be 6-20 digits, optionally starting with +")
    return value


def _email(value: str | None) -> str | None:
    if value is None or value == "":
        return None
    value = value.strip().lower()
    if not EMAIL_RE.match(value) or len(value) > 254:
        raise ValueError("not an e-mail address")
    return value


Phone = Annotated[str | None, AfterValidator(_phone)]
Email = Annotated[str | None, AfterValidator(_email)]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
ShortText = Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=64)]
# The strength rule (passwords.MIN_LENGTH) is checked by the actions, so that a weak
# password gets its own code (weak_password) rather than a generic validation error.
Password = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Role = Literal["owner", "admin", "subadmin", "member"]
# Ids and numbers the database can hold (BIGINT ids, INTEGER sort orders): larger ones are
# refused as invalid input instead of overflowing inside the driver.
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
SortOrder = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]


class Strict(BaseModel):
    """Request bodies: unknown fields are errors, and no text may carry a NUL character
    (PostgreSQL cannot store one)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        return value


# --- accounts ---------------------------------------------------------------------------


class SignupCreate(Strict):
    name: Name
    phone: Phone = None
    email: Email = None
    password: Password


class LoginCreate(Strict):
    login: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=254)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    totp_code: Annotated[str | None, StringConstraints(strip_whitespace=True, max_length=10)] = None


class PasswordChange(Strict):
    old_password: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    new_password: Password


class TotpCode(Strict):
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=6, max_length=10)]


class TotpSetupRead(BaseModel):
    secret: str
    otpauth_uri: str


class MembershipRead(BaseModel):
    org_id: int
    org_name: str
    member_id: int
    role: Role


class AccountRead(BaseModel):
    id: int
    name: str
    phone: str | None
    email: str | None
    totp_enabled: bool
    language: str
    memberships: list[MembershipRead]
    last_org_id: int | None


class SessionRead(BaseModel):
    """Returned on sign-in: the bearer token for API clients (the browser also gets cookies)."""

    token: str
    csrf_token: str
    expires_at: datetime
    account: AccountRead


class AccountUpdate(Strict):
    language: Literal["zh-CN", "en"] | None = None
    last_org_id: Id | None = None


# --- organizations ----------------------------------------------------------------------


class OrgCreate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    timezone: str | None = None


class OrgUpdate(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    timezone: str | None = None


class OrgRead(BaseModel):
    id: int
    name: str
    timezone: str
    root_department_id: int
    my_member_id: int
    my_role: Role


# --- departments ------------------------------------------------------------------------


class DepartmentCreate(Strict):
    name: Name
    parent_id: Id
    sort_order: SortOrder = 0
    hidden: bool = False


class DepartmentUpdate(Strict):
    name: Name | None = None
    parent_id: Id | None = None
    sort_order: SortOrder | None = None
    hidden: bool | None = None


class DepartmentManagersUpdate(Strict):
    member_ids: Annotated[list[Id], Field(max_length=50)]


class DepartmentRead(BaseModel):
    id: int
    parent_id: int | None
    name: str
    sort_order: int
    hidden: bool
    manager_ids: list[int]


class DepartmentList(BaseModel):
    items: list[DepartmentRead]


# --- members ----------------------------------------------------------------------------


class MemberCreate(Strict):
    name: Name
    phone: Phone = None
    email: Email = None
    job_title: ShortText = None
    employee_no: ShortText = None
    department_ids: Annotated[list[Id], Field(max_length=20)] = []
    manager_id: Id | None = None
    hire_date: date | None = None
    hide_phone: bool = False
    # Given: the new account's first password; absent: one is generated and returned once.
    password: Password | None = None


class MemberUpdate(Strict):
    name: Name | None = None
    phone: Phone = None
    email: Email = None
    job_title: ShortText = None
    employee_no: ShortText = None
    department_ids: Annotated[list[Id], Field(min_length=1, max_length=20)] | None = None
    manager_id: Id | None = None
    hire_date: date | None = None
    hide_phone: bool | None = None


class RoleUpdate(Strict):
    role: Role
    scope_department_ids: Annotated[list[Id], Field(max_length=100)] = []


class MemberRead(BaseModel):
    id: int
    name: str
    # None when hidden from this viewer (通讯录隐藏) or not given.
    phone: str | None
    email: str | None
    job_title: str | None
    employee_no: str | None
    department_ids: list[int]
    manager_id: int | None
    hire_date: date | None
    role: Role
    active: bool
    hide_phone: bool
    has_account: bool
    scope_department_ids: list[int] = []


@dataclass(frozen=True, slots=True)
class MemberCard:
    """The little other domains need to show a member or reach their devices."""

    id: int
    name: str
    account_id: int | None
    active: bool


class MemberCreated(BaseModel):
    member: MemberRead
    # Only when a new account was made for this member: shown once, never stored in clear.
    initial_password: str | None = None


class MemberPage(BaseModel):
    items: list[MemberRead]
    total: int
    next_offset: int | None
    # A search stops at 500 matches; true when there were more (refine the search).
    truncated: bool = False


class PasswordIssued(BaseModel):
    member_id: int
    password: str


# --- invitations ------------------------------------------------------------------------


class InvitationCreate(Strict):
    department_id: Id | None = None
    expires_in_hours: Annotated[int, Field(ge=1, le=24 * 90)] = 24 * 7
    requires_approval: bool = False


class InvitationRead(BaseModel):
    id: int
    token: str
    url: str
    department_id: int | None
    expires_at: datetime
    requires_approval: bool
    revoked: bool


class InvitationPublicRead(BaseModel):
    org_name: str
    department_name: str | None
    requires_approval: bool
    expires_at: datetime


class JoinResult(BaseModel):
    status: Literal["joined", "pending"]
    org_id: int
    member_id: int | None = None


class JoinRequestRead(BaseModel):
    id: int
    account_id: int
    name: str
    status: str
    created_at: datetime
    department_id: int | None


# --- import / audit ---------------------------------------------------------------------


class ImportRowResult(BaseModel):
    row: int
    status: Literal["created", "error"]
    member_id: int | None = None
    code: str | None = None
    message: str | None = None


class ImportReport(BaseModel):
    total: int
    created: int
    failed: int
    departments_created: int
    rows: list[ImportRowResult]


class AuditRead(BaseModel):
    id: int
    actor_member_id: int | None
    actor_name: str
    action: str
    target_type: str
    target_id: int | None
    target_name: str
    detail: dict[str, Any]
    created_at: datetime


class AuditPage(BaseModel):
    items: list[AuditRead]
    next_before_id: int | None
