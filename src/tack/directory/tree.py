"""The department tree of one organization, loaded once per request as plain tuples."""

from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass(slots=True)
class DepartmentTree:
    parent: dict[int, int | None]
    hidden: set[int]
    children: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, rows: Iterable[tuple[int, int | None, bool]]) -> "DepartmentTree":
        parent: dict[int, int | None] = {}
        hidden: set[int] = set()
        children: dict[int, list[int]] = {}
        for dept_id, parent_id, is_hidden in rows:
            parent[dept_id] = parent_id
            if is_hidden:
                hidden.add(dept_id)
            if parent_id is not None:
                children.setdefault(parent_id, []).append(dept_id)
        return cls(parent=parent, hidden=hidden, children=children)

    def __contains__(self, dept_id: object) -> bool:
        return dept_id in self.parent

    def subtree(self, dept_id: int) -> set[int]:
        """The department and everything below it."""
        out = {dept_id}
        stack = [dept_id]
        while stack:
            for child in self.children.get(stack.pop(), ()):
                if child not in out:
                    out.add(child)
                    stack.append(child)
        return out

    def ancestors(self, dept_id: int) -> list[int]:
        """Parents up to the root, nearest first (the department itself excluded)."""
        out: list[int] = []
        current = self.parent.get(dept_id)
        while current is not None and current not in out:
            out.append(current)
            current = self.parent.get(current)
        return out

    def within(self, dept_id: int, roots: Iterable[int]) -> bool:
        chain = {dept_id, *self.ancestors(dept_id)}
        return any(root in chain for root in roots)

    def invisible_to(self, *, viewer_department_ids: Iterable[int], scope_roots: Iterable[int]) -> set[int]:
        """Departments a non-admin viewer may not see (通讯录隐藏).

        - A hidden department hides its whole subtree.
        - Someone who belongs anywhere inside that subtree sees all of it.
        - A sub-admin whose scope covers the hidden department sees it.
        """
        if not self.hidden:
            return set()
        mine = set(viewer_department_ids)
        roots = list(scope_roots)
        out: set[int] = set()
        for dept_id in self.hidden:
            below = self.subtree(dept_id)
            if below & mine or (roots and self.within(dept_id, roots)):
                continue
            out |= below
        return out
