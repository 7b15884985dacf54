"""What chat needs to know about members: names, accounts (for event audiences), activity.

TODO(directory): these reads belong in `tack.directory.queries` (say `member_cards` and
`account_ids_of_members`); they live here, in one file, only until the directory offers
them, and must then be replaced by calls to it. They read nothing but the member table,
always scoped by org_id.
"""

from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from tack.directory.models import Member


@dataclass(frozen=True, slots=True)
class MemberCard:
    id: int
    name: str
    account_id: int | None
    active: bool


async def member_cards(session: AsyncSession, org_id: int, member_ids: list[int] | set[int]) -> dict[int, MemberCard]:
    if not member_ids:
        return {}
    stmt = select(Member.id, Member.name, Member.account_id, Member.active).where(
        Member.org_id == org_id, Member.id.in_(list(member_ids))
    )
    return {row.id: MemberCard(row.id, row.name, row.account_id, row.active) for row in await session.execute(stmt)}


async def active_account_ids(session: AsyncSession, org_id: int, member_ids: Select[tuple[int]]) -> list[int]:
    """Accounts of the active members among `member_ids` (a subquery, so 10,000 ids stay in SQL)."""
    stmt = select(Member.account_id).where(
        Member.org_id == org_id,
        Member.id.in_(member_ids),
        Member.active.is_(True),
        Member.account_id.is_not(None),
    )
    return [a for (a,) in await session.execute(stmt)]
