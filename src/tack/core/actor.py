"""Who is acting: an account, and when inside an organization, its membership there."""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Actor:
    account_id: int
    org_id: int | None = None
    member_id: int | None = None
    role: str = "member"  # owner | admin | subadmin | member
    # Departments a sub-admin manages (the roots of their scope, not expanded).
    scope_department_ids: frozenset[int] = field(default_factory=frozenset)
    kind: str = "user"  # user | app | bot

    @property
    def is_admin(self) -> bool:
        return self.role in ("owner", "admin")

    @property
    def is_any_admin(self) -> bool:
        return self.role in ("owner", "admin", "subadmin")
