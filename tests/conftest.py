"""Shared test harness: one migrated database per run (SQLite, or PostgreSQL when
TACK_TEST_DATABASE_URL is set), one app, and every table emptied after each test."""

import os
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from tack.main import create_app
from tack.settings import Settings
from tack.storage.base import Base
from tack.storage.migrate import upgrade_async
from tests.helpers import Api


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="tack-test-"))


@pytest.fixture(scope="session")
def database_url(data_dir: Path) -> str:
    return os.environ.get("TACK_TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{data_dir / 'test.db'}"


@pytest.fixture(scope="session")
async def app(data_dir: Path, database_url: str):  # type: ignore[no-untyped-def]
    await upgrade_async(database_url)
    settings = Settings(data_dir=data_dir, database_url=database_url, secret_key="test-secret")
    application = create_app(settings)
    yield application
    await application.state.read_engine.dispose()
    await application.state.engine.dispose()


@pytest.fixture(autouse=True)
async def _clean_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    engine = application.state.engine
    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    async with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            await conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            await conn.execute(text("PRAGMA defer_foreign_keys=ON"))
            for table in tables:
                await conn.execute(text(f"DELETE FROM {table}"))


@pytest.fixture
async def client(app) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def cast(client: httpx.AsyncClient) -> dict[str, Api]:
    """The usual people (DESIGN.md 6.8).

    org acme: alice (owner), bob (member, 研发部), carol (member, 市场部), eve (member, 研发部);
    org globex: dave (owner), who must never see or change anything of acme.
    """
    alice = await Api.signup(client, "Alice 艾丽斯", phone="13900000001")
    acme = await alice.post("/api/v1/orgs", json={"name": "Acme 顶点"}, expect=201)
    alice.org_id = acme["id"]
    root = acme["root_department_id"]
    rd = await alice.post(f"/api/v1/orgs/{alice.org_id}/departments", json={"name": "研发部", "parent_id": root}, expect=201)
    mk = await alice.post(f"/api/v1/orgs/{alice.org_id}/departments", json={"name": "市场部", "parent_id": root}, expect=201)
    people: dict[str, Api] = {"alice": alice}
    for name, phone, dept in (("bob", "13900000002", rd), ("carol", "13900000003", mk), ("eve", "13900000005", rd)):
        created = await alice.post(
            f"/api/v1/orgs/{alice.org_id}/members",
            json={"name": name, "phone": phone, "department_ids": [dept["id"]], "password": "password-" + name},
            expect=201,
        )
        api = await Api.login(client, phone, "password-" + name)
        api.org_id = alice.org_id
        api.member_id = created["member"]["id"]
        people[name] = api
    alice.member_id = acme["my_member_id"]
    dave = await Api.signup(client, "Dave 戴夫", phone="13900000004")
    globex = await dave.post("/api/v1/orgs", json={"name": "Globex"}, expect=201)
    dave.org_id = globex["id"]
    dave.member_id = globex["my_member_id"]
    people["dave"] = dave
    for api in people.values():
        api.refs = {"root": root, "rd": rd["id"], "mk": mk["id"], "globex_root": globex["root_department_id"]}
    return people
