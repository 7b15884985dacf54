"""Repository base: the org-scoped statement every tenant-owned query starts from."""

from typing import Any, Generic, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

M = TypeVar("M")


class OrgRepository(Generic[M]):
    """Holds a session and an org id; `base()` is the only way to start a query on `model`."""

    model: type[M]

    def __init__(self, session: AsyncSession, org_id: int) -> None:
        self.session = session
        self.org_id = org_id

    def base(self) -> Select[tuple[M]]:
        return select(self.model).where(self.model.org_id == self.org_id)  # type: ignore[attr-defined]

    async def get(self, id_: int) -> M | None:
        stmt = self.base().where(self.model.id == id_)  # type: ignore[attr-defined]
        return (await self.session.execute(stmt)).scalar_one_or_none()

    async def get_many(self, ids: list[int] | set[int]) -> list[M]:
        if not ids:
            return []
        stmt = self.base().where(self.model.id.in_(list(ids)))  # type: ignore[attr-defined]
        return list((await self.session.execute(stmt)).scalars())

    def add(self, obj: M) -> M:
        if getattr(obj, "org_id", None) is None:
            obj.org_id = self.org_id  # type: ignore[attr-defined]
        elif obj.org_id != self.org_id:  # type: ignore[attr-defined]
            raise ValueError("row belongs to another organization")
        self.session.add(obj)
        return obj

    async def flush(self) -> None:
        await self.session.flush()

    async def scalars(self, stmt: Any, params: dict[str, Any] | None = None) -> list[Any]:
        return list((await self.session.execute(stmt, params)).scalars())
