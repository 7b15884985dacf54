"""Schema migrations (Alembic), run by `tack migrate`, by `tack serve` on start, and by the tests."""

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config

SCRIPTS = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.set_main_option("sqlalchemy.url", database_url)
    config.set_main_option("file_template", "%%(year)d-%%(month).2d-%%(day).2d-%%(hour).2d%%(minute).2d_%%(slug)s")
    return config


def upgrade(database_url: str) -> None:
    """Brings the schema to the newest revision of every branch; safe to run on every start.

    Domains add migrations on branches of their own (each starting from the chat schema),
    so "heads", not "head": a merge revision is not needed for the branches to coexist."""
    command.upgrade(alembic_config(database_url), "heads")


async def upgrade_async(database_url: str) -> None:
    # Alembic's env runs its own event loop, so it gets a thread of its own.
    await asyncio.to_thread(upgrade, database_url)
