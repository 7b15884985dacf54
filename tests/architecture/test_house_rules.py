"""House rules of DESIGN.md that an import graph cannot see, checked on the source tree."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "tack"


def _modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        yield path, ast.parse(path.read_text(), filename=str(path))


def _calls(tree: ast.AST) -> Iterator[ast.Call]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            yield node


def _name(func: ast.expr) -> str:
    """`a.b.c(...)` → "a.b.c"; whatever cannot be named becomes "?"."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return f"{_name(func.value)}.{func.attr}"
    return "?"


def _rel(path: Path) -> str:
    return str(path.relative_to(SRC))


def _in_room(path: Path, room: str) -> bool:
    return path.stem == room or room in path.parent.parts[len(SRC.parts) :]


# The unit of work, and the SQLite read driver that implements the DB-API's own commit.
COMMIT_ALLOWED = {"storage/uow.py", "storage/sqlite_inline.py"}


def test_commit_only_in_the_unit_of_work() -> None:
    offenders = [
        f"{_rel(p)}:{c.lineno}"
        for p, tree in _modules()
        for c in _calls(tree)
        if _name(c.func).endswith(".commit") and _rel(p) not in COMMIT_ALLOWED
    ]
    assert offenders == []


def test_publish_only_from_actions_and_tasks() -> None:
    offenders = [
        f"{_rel(p)}:{c.lineno}"
        for p, tree in _modules()
        for c in _calls(tree)
        if _name(c.func).endswith(("uow.publish", "uow.enqueue"))
        and not (_in_room(p, "actions") or _in_room(p, "tasks"))
    ]
    assert offenders == []


def test_routes_run_no_sql() -> None:
    offenders = [
        f"{_rel(p)}:{c.lineno} {_name(c.func)}"
        for p, tree in _modules()
        if _in_room(p, "routes")
        for c in _calls(tree)
        if _name(c.func) in ("select", "insert", "update", "delete", "text")
        or _name(c.func).endswith((".execute", ".scalars", ".scalar"))
    ]
    assert offenders == []


def test_no_naive_now() -> None:
    offenders = []
    for p, tree in _modules():
        for c in _calls(tree):
            name = _name(c.func)
            if name.endswith(("datetime.utcnow", "datetime.today")) or (
                name.endswith("datetime.now") and not c.args and not c.keywords
            ):
                offenders.append(f"{_rel(p)}:{c.lineno} {name}")
    assert offenders == []


def test_timedelta_with_keywords_only() -> None:
    offenders = [
        f"{_rel(p)}:{c.lineno}"
        for p, tree in _modules()
        for c in _calls(tree)
        if _name(c.func).split(".")[-1] == "timedelta" and c.args
    ]
    assert offenders == []


def _org_owned_models(tree: ast.Module) -> list[str]:
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.ClassDef) and any(_name(b) == "OrgOwnedMixin" for b in node.bases)
    ]


@pytest.mark.parametrize("models", sorted(SRC.glob("*/models.py")), ids=lambda p: p.parent.name)
def test_org_owned_tables_have_an_org_scoped_repository(models: Path) -> None:
    """Every table with org_id is reached through the domain's repository module, whose
    classes build on OrgRepository (its base statement filters by org)."""
    owned = _org_owned_models(ast.parse(models.read_text()))
    if not owned:
        return
    repository = models.with_name("repository.py")
    assert repository.exists(), f"{models.parent.name} has org-owned tables but no repository.py"
    source = repository.read_text()
    tree = ast.parse(source)
    assert any(
        isinstance(n, ast.ClassDef) and any("OrgRepository" in _name(b) or "OrgRepository" in ast.unparse(b) for b in n.bases)
        for n in tree.body
    )
    missing = [name for name in owned if name not in source]
    assert missing == []


def test_the_checks_see_a_violation(tmp_path: Path) -> None:
    """Guards the guards: the helpers recognise the patterns they police."""
    tree = ast.parse("session.commit()\ndatetime.now()\ntimedelta(5)\nuow.publish(x)\n")
    names = [_name(c.func) for c in _calls(tree)]
    assert names == ["session.commit", "datetime.now", "timedelta", "uow.publish"]
