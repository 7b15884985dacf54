"""Importing members from a sheet: every good row lands, every bad row is reported and skipped."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError
from sqlalchemy import insert, select, update

from tack.core.actor import Actor
from tack.directory import hooks
from tack.directory.access import org_id_of, require_admin
from tack.directory.actions.audit import do_audit
from tack.directory.importer import SheetRow, read_sheet
from tack.directory.models import Account, Department, Member, MemberDepartment
from tack.directory.pinyin import search_keys, sort_key
from tack.directory.repository import DepartmentRepository, MemberRepository
from tack.directory.schemas import ImportReport, ImportRowResult, MemberCreate
from tack.storage.uow import UnitOfWork

BATCH = 500


@dataclass(slots=True)
class _Candidate:
    row: int
    body: MemberCreate
    department_paths: list[tuple[str, ...]]
    manager_ref: str
    member_id: int | None = None
    account_id: int | None = None
    department_ids: list[int] = field(default_factory=list)


def _error(row: int, code: str, message: str) -> ImportRowResult:
    return ImportRowResult(row=row, status="error", code=code, message=message)


def _department_paths(text: str) -> list[tuple[str, ...]]:
    """'研发部/后端组; 市场部' → [('研发部', '后端组'), ('市场部',)]."""
    paths = []
    for part in text.replace("；", ";").replace("|", ";").split(";"):
        names = tuple(n.strip() for n in part.replace("\\", "/").split("/") if n.strip())
        if names:
            paths.append(names)
    return paths


LABELS = {"phone": "手机号", "email": "邮箱", "employee_no": "工号", "name": "姓名", "job_title": "职位"}


def _parse_date(text: str) -> date:
    """2024-03-01, 2024/3/1 or 2024.3.1, as spreadsheets write dates typed by hand."""
    parts = text.replace("/", "-").replace(".", "-").split("-")
    if len(parts) != 3 or not all(p.isdigit() for p in parts) or len(parts[0]) != 4:
        raise ValueError(text)
    return date(int(parts[0]), int(parts[1]), int(parts[2]))


def _validate(rows: list[SheetRow]) -> tuple[list[_Candidate], list[ImportRowResult]]:
    """Per-row checks that need no database; each bad row gets one stable code:

    invalid_date, invalid_<field> (name, phone, email, job_title, employee_no),
    contact_required, duplicate_in_file.
    """
    candidates: list[_Candidate] = []
    errors: list[ImportRowResult] = []
    seen: dict[str, dict[str, int]] = {"phone": {}, "email": {}, "employee_no": {}}
    for sheet_row in rows:
        v = sheet_row.values
        try:
            hire = _parse_date(v["hire_date"]) if v.get("hire_date") else None
        except ValueError:
            errors.append(_error(sheet_row.number, "invalid_date", "入职日期格式应为 YYYY-MM-DD"))
            continue
        try:
            body = MemberCreate(
                name=v.get("name", ""),
                phone=v.get("phone") or None,
                email=v.get("email") or None,
                job_title=v.get("job_title") or None,
                employee_no=v.get("employee_no") or None,
                hire_date=hire,
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field_name = str(first["loc"][0]) if first["loc"] else "value"
            label = LABELS.get(field_name, field_name)
            errors.append(_error(sheet_row.number, f"invalid_{field_name}", f"{label}不正确: {first['msg']}"))
            continue
        if not body.phone and not body.email:
            errors.append(_error(sheet_row.number, "contact_required", "手机号和邮箱至少填写一个"))
            continue
        duplicate = next(
            (f for f in seen if getattr(body, f) and getattr(body, f) in seen[f]), None
        )
        if duplicate:
            first_row = seen[duplicate][getattr(body, duplicate)]
            errors.append(
                _error(sheet_row.number, "duplicate_in_file", f"{LABELS[duplicate]}与第 {first_row} 行重复")
            )
            continue
        for f in seen:
            if getattr(body, f):
                seen[f][getattr(body, f)] = sheet_row.number
        candidates.append(
            _Candidate(
                row=sheet_row.number,
                body=body,
                department_paths=_department_paths(v.get("departments", "")),
                manager_ref=v.get("manager", ""),
            )
        )
    return candidates, errors


async def check_import_file(
    uow: UnitOfWork, actor: Actor, *, filename: str, data: bytes, max_bytes: int, max_rows: int
) -> ImportReport:
    """An uploaded sheet: the caller's rights first, then the file, then the rows."""
    require_admin(actor)
    rows = read_sheet(filename, data, max_bytes=max_bytes, max_rows=max_rows)
    return await check_import_members(uow, actor, rows)


async def check_import_members(
    uow: UnitOfWork, actor: Actor, rows: list[SheetRow], *, progress: Callable[[int], None] | None = None
) -> ImportReport:
    """Imports members; owners and admins only (an import may create departments anywhere).

    Rows whose phone, e-mail or employee no. is taken (in the org or earlier in the file),
    whose values are malformed, or whose manager cannot be found are reported and skipped.
    Departments named by path are created when missing. Existing accounts with the same
    phone or e-mail are linked; others get an account when an admin issues a password or
    when the person joins through an invitation.
    """
    require_admin(actor)
    org_id = org_id_of(actor)
    candidates, errors = _validate(rows)
    members = MemberRepository(uow.session, org_id)

    # Values already used by members of this org.
    for field_name in ("phone", "email", "employee_no"):
        taken = await members.existing_values(
            field_name, [getattr(c.body, field_name) for c in candidates if getattr(c.body, field_name)]
        )
        if taken:
            kept = []
            for c in candidates:
                if getattr(c.body, field_name) in taken:
                    errors.append(
                        _error(c.row, f"{field_name}_taken", f"本组织已有成员使用该{LABELS[field_name]}")
                    )
                else:
                    kept.append(c)
            candidates = kept

    # Managers: an existing member (by phone, employee no. or e-mail) or another good row of
    # the file. A row whose manager cannot be found is rejected, and so, in turn, is a row
    # that names a rejected row as its manager.
    existing_refs: dict[str, int] = {}
    refs = list({c.manager_ref for c in candidates if c.manager_ref})
    for field_name in ("phone", "employee_no", "email"):
        for i in range(0, len(refs), BATCH):
            column = getattr(Member, field_name)
            stmt = select(column, Member.id).where(Member.org_id == org_id, column.in_(refs[i : i + BATCH]))
            existing_refs.update({k: v for k, v in (await uow.session.execute(stmt)).all()})
    while True:
        by_ref = _refs_of(candidates)
        kept = []
        for c in candidates:
            if c.manager_ref and c.manager_ref not in by_ref and c.manager_ref not in existing_refs:
                errors.append(_error(c.row, "manager_not_found", f"找不到直属主管 {c.manager_ref}"))
            else:
                kept.append(c)
        if len(kept) == len(candidates):
            break
        candidates = kept
    in_cycle = _manager_cycles(candidates, by_ref)

    departments_created = await _resolve_departments(uow, org_id, candidates)
    await _link_accounts(uow, org_id, candidates)
    await _insert(uow, org_id, candidates, progress)

    # Second pass for managers now that every row has an id. Rows whose managers (in the
    # file) would report to each other in a circle are created without a manager, and say so.
    updates = []
    for c in candidates:
        if not c.manager_ref or id(c) in in_cycle:
            continue
        target = by_ref.get(c.manager_ref)
        manager_id = target.member_id if target is not None else existing_refs[c.manager_ref]
        updates.append({"id": c.member_id, "manager_id": manager_id})
    if updates:
        await uow.session.execute(update(Member), updates)
    # One event for the whole import: handlers sync in bulk, not once per row.
    await hooks.emit(uow, hooks.MembersJoined(org_id, tuple(c.member_id for c in candidates if c.member_id)))

    results = [
        ImportRowResult(row=c.row, status="created", member_id=c.member_id)
        if id(c) not in in_cycle
        else ImportRowResult(
            row=c.row, status="created", member_id=c.member_id, code="manager_cycle",
            message="直属主管形成循环，未设置直属主管",
        )
        for c in candidates
    ]
    report = ImportReport(
        total=len(rows),
        created=len(candidates),
        failed=len(errors),
        departments_created=departments_created,
        rows=sorted(results + errors, key=lambda r: r.row),
    )
    await do_audit(
        uow, actor, "member.import", target_type="org", target_id=org_id,
        detail={"created": report.created, "failed": report.failed, "departments_created": departments_created},
    )
    return report


def _refs_of(candidates: list[_Candidate]) -> dict[str, _Candidate]:
    """How other rows may name a row as their manager: phone, employee no. or e-mail."""
    by_ref: dict[str, _Candidate] = {}
    for c in candidates:
        for value in (c.body.phone, c.body.employee_no, c.body.email):
            if value:
                by_ref.setdefault(value, c)
    return by_ref


def _manager_cycles(candidates: list[_Candidate], by_ref: dict[str, _Candidate]) -> set[int]:
    """ids of the rows whose managers, followed through the file, come back to them."""
    manager_of = {id(c): by_ref[c.manager_ref] for c in candidates if c.manager_ref in by_ref}
    state: dict[int, int] = {}  # 1: on the current path, 2: settled
    in_cycle: set[int] = set()
    for start in candidates:
        path: list[_Candidate] = []
        current: _Candidate | None = start
        while current is not None and id(current) not in state:
            state[id(current)] = 1
            path.append(current)
            current = manager_of.get(id(current))
        if current is not None and state[id(current)] == 1:
            at = next(i for i, p in enumerate(path) if p is current)
            in_cycle.update(id(p) for p in path[at:])
        for p in path:
            state[id(p)] = 2
    return in_cycle


async def _resolve_departments(uow: UnitOfWork, org_id: int, candidates: list[_Candidate]) -> int:
    repo = DepartmentRepository(uow.session, org_id)
    all_departments = await repo.all()
    root = next(d for d in all_departments if d.parent_id is None)
    by_parent_name = {(d.parent_id, d.name): d.id for d in all_departments}
    created = 0
    for c in candidates:
        for path in c.department_paths or [()]:
            parent_id = root.id
            # A path may start with the org's own name, as exports write it.
            names = path[1:] if path and path[0] == root.name else path
            for name in names:
                key = (parent_id, name[:64])
                if key not in by_parent_name:
                    department = repo.add(Department(name=name[:64], parent_id=parent_id))
                    await repo.flush()
                    by_parent_name[key] = department.id
                    created += 1
                parent_id = by_parent_name[key]
            c.department_ids.append(parent_id)
        c.department_ids = list(dict.fromkeys(c.department_ids))
    return created


async def _link_accounts(uow: UnitOfWork, org_id: int, candidates: list[_Candidate]) -> None:
    phones = {c.body.phone: c for c in candidates if c.body.phone}
    emails = {c.body.email: c for c in candidates if c.body.email}
    for column, index in ((Account.phone, phones), (Account.email, emails)):
        keys = list(index)
        for i in range(0, len(keys), BATCH):
            stmt = select(column, Account.id).where(column.in_(keys[i : i + BATCH]))
            for value, account_id in (await uow.session.execute(stmt)).all():
                if index[value].account_id is None:
                    index[value].account_id = account_id
    # An account may be linked once per org: not twice from this file, not again if already a member.
    linked = [c.account_id for c in candidates if c.account_id]
    taken: set[int] = set()
    for i in range(0, len(linked), BATCH):
        stmt = select(Member.account_id).where(Member.org_id == org_id, Member.account_id.in_(linked[i : i + BATCH]))
        taken.update(a for a in (await uow.session.execute(stmt)).scalars() if a)
    for c in candidates:
        if c.account_id in taken:
            c.account_id = None
        elif c.account_id:
            taken.add(c.account_id)


async def _insert(
    uow: UnitOfWork, org_id: int, candidates: list[_Candidate], progress: Callable[[int], None] | None
) -> None:
    for i in range(0, len(candidates), BATCH):
        chunk = candidates[i : i + BATCH]
        values = [
            {
                "org_id": org_id,
                "account_id": c.account_id,
                "name": c.body.name,
                "phone": c.body.phone,
                "email": c.body.email,
                "job_title": c.body.job_title,
                "employee_no": c.body.employee_no,
                "hire_date": c.body.hire_date,
                "role": "member",
                "active": True,
                "hide_phone": False,
                "pinyin": search_keys(c.body.name),
                "sort_key": sort_key(c.body.name),
            }
            for c in chunk
        ]
        ids = (
            await uow.session.execute(insert(Member).returning(Member.id, sort_by_parameter_order=True), values)
        ).scalars().all()
        for c, member_id in zip(chunk, ids, strict=True):
            c.member_id = member_id
        links = [
            {"org_id": org_id, "member_id": c.member_id, "department_id": d} for c in chunk for d in c.department_ids
        ]
        await uow.session.execute(insert(MemberDepartment), links)
        if progress:
            progress(len(chunk))
