"""Is the database at the schema this code expects (the Alembic head)?

After an upgrade without `python -m data.migrate`, the code and the tables disagree: /healthz
answers 503 and the pages say the app is being upgraded, instead of failing on every query.
"""

from __future__ import annotations

import enum
import functools
import logging

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.exc import SQLAlchemyError

from data.db import database_url, engine_for
from data.migrate import alembic_config

log = logging.getLogger(__name__)


class SchemaStatus(enum.Enum):
    CURRENT = "current"
    NOT_CURRENT = "not_current"  # behind (or ahead of) this code's migrations
    UNREACHABLE = "unreachable"


@functools.cache
def code_heads() -> frozenset[str]:
    """The migration heads this code was written for."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


# Once a database is at the head it stays there for this process (a newer schema needs newer
# code, hence a restart): remembering it saves a query on every page run.
_current_urls: set[str] = set()


def _status(url: str) -> SchemaStatus:
    try:
        with engine_for(url).connect() as conn:
            heads = frozenset(MigrationContext.configure(conn).get_current_heads())
    except SQLAlchemyError:
        log.exception("database unreachable")
        return SchemaStatus.UNREACHABLE
    return SchemaStatus.CURRENT if heads == code_heads() else SchemaStatus.NOT_CURRENT


def schema_status(url: str | None = None) -> SchemaStatus:
    """CURRENT, NOT_CURRENT (run `python -m data.migrate`) or UNREACHABLE."""
    url = url or database_url()
    if url in _current_urls:
        return SchemaStatus.CURRENT
    status = _status(url)
    if status is SchemaStatus.CURRENT:
        _current_urls.add(url)
    return status
