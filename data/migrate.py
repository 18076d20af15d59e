"""Bring a database to the newest schema: `python -m data.migrate` (uses CARTWHEEL_DATABASE_URL)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from data.db import database_url

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str | None = None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = url or database_url()
    return config


def upgrade(url: str | None = None) -> None:
    command.upgrade(alembic_config(url), "head")


if __name__ == "__main__":
    upgrade()
    print(f"Database is at the newest schema: {database_url().split('@')[-1]}")
