"""Pydantic shapes of approvals: template designs (fields, flow), instances, lists, balances."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_ID = 2**53
FieldKey = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
FieldKind = Literal[
    "text", "long_text", "number", "money", "date", "time", "daterange", "select", "multiselect",
    "member", "department", "attachment", "image", "table", "invoice",
]
TemplateKind = Literal["general", "leave", "overtime", "card_correction", "reimbursement"]
InstanceStatus = Literal["running", "approved", "rejected", "withdrawn", "revoked"]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ColumnDef(Strict):
    """A column of a table (line items) field: simple kinds only."""

    key: FieldKey
    label: Label
    kind: Literal["text", "number", "money", "date"]
    required: bool = False


class FieldDef(Strict):
    key: FieldKey
    label: Label
    kind: FieldKind
    required: bool = False
    placeholder: Annotated[str, StringConstraints(max_length=100)] = ""
    # select / multiselect
    options: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]] = Field(
        default_factory=list, max_length=100
    )
    # number / money: inclusive bounds; text / long_text: max_length
    min: float | None = None
    max: float | None = None
    max_length: Annotated[int, Field(ge=1, le=5000)] | None = None
    # daterange: am/pm halves allowed
    half_day: bool = False
    # member / department / attachment / image / table / invoice: most items allowed
    max_count: Annotated[int, Field(ge=1, le=100)] | None = None
    columns: list[ColumnDef] = Field(default_factory=list, max_length=20)


class Condition(Strict):
    """A step applies only when the form value compares true (daterange: its length in days;
    table: the total of its money columns; multiselect with "in": any chosen option)."""

    field: FieldKey
    op: Literal["gt", "gte", "lt", "lte", "eq", "ne", "in"]
    value: float | str | list[str]


class StepDef(Strict):
    name: Annotated[str, StringConstraints(strip_whitespace=True, max_length=32)] = ""
    # members: fixed people; manager: N-th level direct manager (汇报线); department_manager:
    # manager of the N-th non-empty department level above the submitter; role: an approval
    # role; submitter_choice: the submitter picks at submit time.
    kind: Literal["members", "manager", "department_manager", "role", "submitter_choice"]
    member_ids: list[Id] = Field(default_factory=list, max_length=50)
    level: Annotated[int, Field(ge=1, le=10)] = 1
    role_id: Id | None = None
    mode: Literal["all", "any"] = "any"  # 会签 all-of, 或签 any-of
    condition: Condition | None = None


class CcDef(Strict):
    member_ids: list[Id] = Field(default_factory=list, max_length=50)
    role_id: Id | None = None
    on: Literal["submit", "finish", "both"] = "finish"


class FlowDef(Strict):
    steps: list[StepDef] = Field(min_length=1, max_length=20)
    cc: list[CcDef] = Field(default_factory=list, max_length=10)
    # Overdue reminder after this many hours on one step (0: none), repeated up to 3 times.
    remind_after_hours: Annotated[int, Field(ge=0, le=720)] = 24


class Visibility(Strict):
    all: bool = True
    department_ids: list[Id] = Field(default_factory=list, max_length=200)
    member_ids: list[Id] = Field(default_factory=list, max_length=500)


class TemplateCreate(Strict):
    name: Label
    description: Annotated[str, StringConstraints(max_length=500)] = ""
    kind: TemplateKind = "general"
    form: list[FieldDef] = Field(min_length=1, max_length=50)
    flow: FlowDef
    visibility: Visibility = Field(default_factory=Visibility)


class TemplateUpdate(Strict):
    name: Label | None = None
    description: Annotated[str, StringConstraints(max_length=500)] | None = None
    form: list[FieldDef] | None = Field(default=None, min_length=1, max_length=50)
    flow: FlowDef | None = None
    visibility: Visibility | None = None
    active: bool | None = None


class TemplateRead(BaseModel):
    id: int
    name: str
    description: str
    kind: TemplateKind
    active: bool
    version: int
    version_id: int
    form: list[FieldDef]
    flow: FlowDef
    visibility: Visibility
    updated_at: datetime


class TemplateList(BaseModel):
    items: list[TemplateRead]


class RoleCreate(Strict):
    name: Label
    member_ids: list[Id] = Field(default_factory=list, max_length=200)


class RoleRead(BaseModel):
    id: int
    name: str
    member_ids: list[int]


class RoleList(BaseModel):
    items: list[RoleRead]


# --- instances ----------------------------------------------------------------------------


class SubmitBody(Strict):
    template_id: Id
    values: dict[str, Any]
    # submitter_choice steps: step index in the template's flow → chosen member ids
    chosen: dict[str, list[Id]] = Field(default_factory=dict)


class ExplicitStep(Strict):
    mode: Literal["all", "any"] = "any"
    member_ids: list[Id] = Field(min_length=1, max_length=20)


class ExplicitFlow(Strict):
    """Approvers and CC named by the caller instead of the template's flow (the open platform's
    processinstance create with `approvers` / `approvers_v2` / `cc_list`). Steps, when given,
    replace the template's steps; CC people are added to the template's CC."""

    steps: list[ExplicitStep] = Field(default_factory=list, max_length=20)
    cc_member_ids: list[Id] = Field(default_factory=list, max_length=50)
    cc_on: Literal["submit", "finish", "both"] = "finish"


class PreviewBody(Strict):
    values: dict[str, Any] = Field(default_factory=dict)
    chosen: dict[str, list[Id]] = Field(default_factory=dict)


class PersonRead(BaseModel):
    id: int
    name: str


class StepRead(BaseModel):
    index: int
    name: str
    mode: Literal["all", "any"]
    source: str
    approvers: list[PersonRead]
    # per approver in this step's latest activation: pending | approved | rejected | ...
    states: dict[int, str] = Field(default_factory=dict)


class FlowPreview(BaseModel):
    steps: list[StepRead]
    cc: list[PersonRead]
    # submitter_choice steps still waiting for the submitter's pick (template step indexes)
    needs_choice: list[int] = Field(default_factory=list)


class TimelineEntry(BaseModel):
    id: int
    action: str
    member: PersonRead | None
    step: int | None
    comment: str
    detail: dict[str, Any]
    created_at: datetime


class FileRead(BaseModel):
    id: int
    name: str
    size: int
    content_type: str
    is_image: bool


class PaymentRead(BaseModel):
    status: str
    amount: str
    attempts: int
    last_error: str | None
    idempotency_key: str
    updated_at: datetime


class InstanceSummary(BaseModel):
    id: int
    template_id: int
    kind: str
    title: str
    status: InstanceStatus
    submitter: PersonRead
    current_step: int
    created_at: datetime
    finished_at: datetime | None
    # for "pending for me": the task waiting on the viewer
    task_id: int | None = None


class InstanceRead(InstanceSummary):
    template_name: str
    version: int
    form: list[FieldDef]
    values: dict[str, Any]
    steps: list[StepRead]
    cc: list[PersonRead]
    timeline: list[TimelineEntry]
    files: list[FileRead]
    payment: PaymentRead | None
    effects: dict[str, Any]
    # what the viewer may do now
    can: list[str]


class InstanceList(BaseModel):
    items: list[InstanceSummary]
    next_before_id: int | None


class DecisionBody(Strict):
    comment: Annotated[str, StringConstraints(max_length=2000)] = ""


class TransferBody(Strict):
    member_id: Id
    comment: Annotated[str, StringConstraints(max_length=2000)] = ""


class AddApproverBody(Strict):
    member_ids: list[Id] = Field(min_length=1, max_length=20)
    position: Literal["before", "after"]
    mode: Literal["all", "any"] = "all"
    comment: Annotated[str, StringConstraints(max_length=2000)] = ""


class ReturnBody(Strict):
    step: Annotated[int, Field(ge=0, le=100)]
    comment: Annotated[str, StringConstraints(max_length=2000)] = ""


class CommentBody(Strict):
    text: Annotated[str, StringConstraints(max_length=2000)] = ""
    file_ids: list[Id] = Field(default_factory=list, max_length=9)


class LeaveBalanceRead(BaseModel):
    member_id: int
    leave_type: str
    days: float


class LeaveBalanceList(BaseModel):
    items: list[LeaveBalanceRead]


class LeaveBalanceSet(Strict):
    leave_type: Literal["annual", "compensatory"]
    days: Annotated[float, Field(ge=0, le=365, multiple_of=0.5)]
