"""The `tack` command: run the server, migrate, and script an organization's set-up."""

import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tack.settings import Settings

app = typer.Typer(help="Tack: a self-hosted work platform modelled on DingTalk.", no_args_is_help=True)
org_app = typer.Typer(help="Organizations.", no_args_is_help=True)
member_app = typer.Typer(help="Members of an organization.", no_args_is_help=True)
admin_app = typer.Typer(help="Operator tools.", no_args_is_help=True)
app_app = typer.Typer(help="Open-platform apps (DingTalk-compatible app key / secret).", no_args_is_help=True)
robot_app = typer.Typer(help="Custom group robots (自定义机器人).", no_args_is_help=True)
app.add_typer(org_app, name="org")
app.add_typer(member_app, name="member")
app.add_typer(admin_app, name="admin")
app.add_typer(app_app, name="app")
app.add_typer(robot_app, name="robot")
console = Console(stderr=True)
T = TypeVar("T")

DataDir = Annotated[Path | None, typer.Option("--data-dir", help="Data directory (default ./data or TACK_DATA_DIR).")]
JsonOut = Annotated[bool, typer.Option("--json", help="Print what was created as JSON on stdout.")]


def _settings(data_dir: Path | None) -> Settings:
    return (Settings(data_dir=data_dir) if data_dir is not None else Settings()).prepare()


def _run(settings: Settings, work: Callable[[Any], Awaitable[T]]) -> T:
    """Migrates, then runs `work(uow_factory)` against the configured database."""
    from tack.storage.db import make_engine, make_sessionmaker
    from tack.storage.migrate import upgrade
    from tack.main import register_hooks
    from tack.storage.uow import UnitOfWorkFactory

    upgrade(settings.resolved_database_url)
    register_hooks()  # the same directory → chat wiring as the server (all-staff group, 部门群)

    async def main() -> T:
        engine = make_engine(settings.resolved_database_url)
        try:
            return await work(UnitOfWorkFactory(make_sessionmaker(engine)))
        finally:
            await engine.dispose()

    return asyncio.run(main())


def _fail(exc: Exception) -> None:
    from tack.core.errors import AppError

    if isinstance(exc, AppError):
        console.print(f"[red]error[/red] {exc.code}: {exc.message}")
        raise typer.Exit(2) from exc
    raise exc


def _emit(as_json: bool, payload: dict[str, Any], human: str) -> None:
    if as_json:
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, default=str, indent=2) + "\n")
    else:
        console.print(human)


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Listen address (TACK_HOST, default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Listen port (TACK_PORT, default 8000).")] = None,
    data_dir: DataDir = None,
    workers: Annotated[int, typer.Option(help="Server processes (more than one needs PostgreSQL).")] = 1,
) -> None:
    """Run the server (migrating the database first)."""
    import os
    import subprocess

    settings = _settings(data_dir)
    os.environ["TACK_DATA_DIR"] = str(settings.data_dir)
    # Migrations run in a child process: Alembic and every migration module would otherwise
    # stay in the server's memory for its whole life (~10 MB of an ~80 MB idle server).
    subprocess.run([sys.executable, "-m", "tack.cli", "migrate"], check=True, stdout=subprocess.DEVNULL)
    host = host or settings.host
    port = port or settings.port
    console.print(f"Tack is listening on http://{host}:{port}  (API docs: http://{host}:{port}/api/docs)")
    # glibc gives each thread that allocates its own malloc arena (up to 8 per core) and keeps
    # what was freed there; the server's helper threads (the checkpointer, the executor's) could
    # each keep what a burst left. Two arenas are plenty for one event loop plus a few helper
    # threads (no difference measured at idle: it bounds the worst case). Set only when the
    # operator has not chosen a value; glibc reads it at start, hence the exec below.
    env = {"MALLOC_ARENA_MAX": "2", **os.environ}
    sys.stdout.flush()
    sys.stderr.flush()
    # The server replaces this process (same pid, so signals reach uvicorn): see tack.serve.
    os.execve(sys.executable, [sys.executable, "-m", "tack.serve", host, str(port), str(workers)], env)


@app.command()
def migrate(data_dir: DataDir = None) -> None:
    """Create or upgrade the database schema."""
    from tack.storage.migrate import upgrade

    settings = _settings(data_dir)
    upgrade(settings.resolved_database_url)
    console.print("The database schema is up to date.")


@org_app.command("create")
def org_create(
    name: Annotated[str, typer.Option(help="Organization name.")],
    owner_name: Annotated[str, typer.Option(help="Owner's name.")],
    owner_phone: Annotated[str | None, typer.Option(help="Owner's phone (their login).")] = None,
    owner_email: Annotated[str | None, typer.Option(help="Owner's e-mail (their login).")] = None,
    owner_password: Annotated[str | None, typer.Option(help="Owner's password; generated if absent.")] = None,
    timezone: Annotated[str | None, typer.Option(help="Time zone (default Asia/Shanghai).")] = None,
    data_dir: DataDir = None,
    as_json: JsonOut = False,
) -> None:
    """Create an organization with its owner (an existing account with that phone/e-mail is reused)."""
    from tack.operator import create_org

    settings = _settings(data_dir)
    try:
        result = _run(
            settings,
            lambda f: create_org(
                f, name=name, owner_name=owner_name, owner_phone=owner_phone, owner_email=owner_email,
                owner_password=owner_password, timezone=timezone or settings.timezone,
            ),
        )
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
        return
    _emit(as_json, result, f"Created organization {result['org_id']} ({name}); owner login {result['owner']['login']}"
          + (f" password {result['owner']['password']}" if result["owner"].get("password") else ""))


@member_app.command("add")
def member_add(
    org: Annotated[int, typer.Option(help="Organization id.")],
    name: Annotated[str, typer.Option(help="Name.")],
    phone: Annotated[str | None, typer.Option(help="Phone.")] = None,
    email: Annotated[str | None, typer.Option(help="E-mail.")] = None,
    department: Annotated[list[int] | None, typer.Option(help="Department id (repeatable).")] = None,
    job_title: Annotated[str | None, typer.Option(help="Job title.")] = None,
    employee_no: Annotated[str | None, typer.Option(help="Employee number.")] = None,
    password: Annotated[str | None, typer.Option(help="First password; generated if absent.")] = None,
    data_dir: DataDir = None,
    as_json: JsonOut = False,
) -> None:
    """Add a member to an organization."""
    from tack.operator import add_member

    settings = _settings(data_dir)
    fields = {
        "name": name, "phone": phone, "email": email, "department_ids": department or [],
        "job_title": job_title, "employee_no": employee_no, "password": password,
    }
    try:
        result = _run(settings, lambda f: add_member(f, org_id=org, fields=fields))
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
        return
    _emit(as_json, result, f"Added member {result['member_id']} ({name})"
          + (f"; first password {result['initial_password']}" if result.get("initial_password") else ""))


@member_app.command("import")
def member_import(
    org: Annotated[int, typer.Option(help="Organization id.")],
    file: Annotated[Path, typer.Argument(help="A .csv or .xlsx file with a header row (姓名, 手机号, 部门, ...).")],
    data_dir: DataDir = None,
    as_json: JsonOut = False,
) -> None:
    """Import members from CSV or XLSX; bad rows are reported and skipped, good rows land."""
    from tack.directory.importer import read_sheet
    from tack.operator import import_members

    settings = _settings(data_dir)
    try:
        rows = read_sheet(file.name, file.read_bytes(), max_bytes=settings.import_max_bytes,
                          max_rows=settings.import_max_rows)
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
        return
    with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=console, disable=as_json) as progress:
        task = progress.add_task("import", total=len(rows))
        try:
            report = _run(settings, lambda f: import_members(f, org_id=org, rows=rows,
                                                              progress=lambda n: progress.advance(task, n)))
        except Exception as exc:  # noqa: BLE001
            _fail(exc)
            return
        progress.update(task, completed=len(rows))
    errors = [r for r in report["rows"] if r["status"] == "error"]
    human = f"Imported {report['created']} of {report['total']} rows; {report['failed']} failed"
    for r in errors[:20]:
        human += f"\n  row {r['row']}: {r['code']} {r['message']}"
    _emit(as_json, report, human)
    if errors and not as_json:
        raise typer.Exit(1)


@app.command()
def demo(data_dir: DataDir = None, as_json: JsonOut = False) -> None:
    """Create (once) the demo organization and print its logins."""
    from tack.operator import create_demo

    settings = _settings(data_dir)
    result = _run(settings, lambda f: create_demo(f, base_url=_public_url(settings)))
    lines = [f"Demo organization {result['org_name']} (id {result['org_id']}). Logins (password {result['password']}):"]
    lines += [f"  {u['role']:<8} {u['name']:<6} {u['login']}" for u in result["logins"]]
    demo_app = result["app"]
    lines.append(f"Open-platform app {demo_app['name']}: agent_id {demo_app['agent_id']} "
                 f"app_key {demo_app['app_key']} app_secret {demo_app['app_secret']}")
    robot = result["robot"]
    lines += [f"Robot {robot['name']} in {robot['group_name']}: {robot['webhook_url']} secret {robot['secret']}"]
    _emit(as_json, result, "\n".join(lines))


@app_app.command("create")
def app_create(
    org: Annotated[int, typer.Option(help="Organization id.")],
    name: Annotated[str, typer.Option(help="App name (unique in the organization).")],
    description: Annotated[str, typer.Option(help="Description.")] = "",
    scope: Annotated[list[str] | None, typer.Option(help="Permission scope (repeatable; default contact.read and message.work_notice).")] = None,
    ip: Annotated[list[str] | None, typer.Option(help="Allowed caller address or CIDR (repeatable; default anywhere).")] = None,
    data_dir: DataDir = None,
    as_json: JsonOut = False,
) -> None:
    """Create an internal app and print its app key and secret (for /gettoken)."""
    from tack.operator import create_app

    settings = _settings(data_dir)
    try:
        result = _run(settings, lambda f: create_app(f, org_id=org, name=name, description=description,
                                                      scopes=scope or None, ip_allowlist=ip or []))
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
        return
    _emit(as_json, result, f"Created app {result['id']} ({name}): agent_id {result['agent_id']} "
          f"app_key {result['app_key']} app_secret {result['app_secret']}")


@admin_app.command("reset-password")
def reset_password(
    login: Annotated[str, typer.Argument(help="The account's phone or e-mail.")],
    password: Annotated[str | None, typer.Option(help="New password; generated if absent.")] = None,
    data_dir: DataDir = None,
    as_json: JsonOut = False,
) -> None:
    """Set a new password for an account (operator tool; signs it out everywhere)."""
    from tack.operator import reset_password as do_reset

    settings = _settings(data_dir)
    try:
        result = _run(settings, lambda f: do_reset(f, login=login, password=password))
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
        return
    _emit(as_json, result, f"New password for {login}: {result['password']}")


def _public_url(settings: Settings) -> str:
    """Where clients reach this server (webhook URLs): TACK_ROBOT_PUBLIC_URL, else host:port."""
    from tack.openapi_compat.robots.settings import RobotSettings

    configured = RobotSettings().public_url
    return configured.rstrip("/") if configured else f"http://{settings.host}:{settings.port}"


@robot_app.command("create")
def robot_create(
    org: Annotated[int, typer.Option(help="Organization id.")],
    group: Annotated[int, typer.Option(help="Group (conversation) id.")],
    name: Annotated[str, typer.Option(help="Robot name.")],
    sign: Annotated[bool, typer.Option("--sign", help="Security: signature (加签); a SEC… secret is made.")] = False,
    keyword: Annotated[list[str] | None, typer.Option(help="Security: a keyword messages must contain (repeatable).")] = None,
    ip: Annotated[list[str] | None, typer.Option(help="Security: an allowed address or CIDR range (repeatable).")] = None,
    outgoing_url: Annotated[str | None, typer.Option(help="Outgoing: URL that receives messages @-mentioning the robot.")] = None,
    data_dir: DataDir = None,
    as_json: JsonOut = False,
) -> None:
    """Add a custom robot to a group and print its webhook URL (and secret)."""
    from tack.openapi_compat.robots.schemas import RobotCreate
    from tack.operator import create_robot

    from pydantic import ValidationError

    settings = _settings(data_dir)
    try:
        body = RobotCreate(name=name, sign=sign, keywords=keyword or [], ip_allowlist=ip or [], outgoing_url=outgoing_url)
        result = _run(settings, lambda f: create_robot(f, org_id=org, conversation_id=group, body=body, base_url=_public_url(settings)))
    except ValidationError as exc:
        console.print(f"[red]error[/red] validation_error: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}")
        raise typer.Exit(2) from exc
    except Exception as exc:  # noqa: BLE001
        _fail(exc)
        return
    _emit(as_json, result, f"Robot {result['id']} ({name}): {result['webhook_url']}"
          + (f" secret {result['secret']}" if result.get("secret") else ""))


if __name__ == "__main__":
    app()
