"""Declarative base, naming convention and the column shapes every model repeats."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from sqlalchemy import ForeignKey, MetaData, String
from sqlalchemy.orm import DeclarativeBase, mapped_column

from data.types import UTCDateTime

# Stable constraint names make Alembic migrations (and SQLite batch mode) predictable.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}  # noqa: RUF012 (SQLAlchemy's API)


intpk = Annotated[int, mapped_column(primary_key=True)]
name_str = Annotated[str, mapped_column(String(120))]
text_str = Annotated[str, mapped_column(String(2000), default="")]
utc_created = Annotated[datetime, mapped_column(UTCDateTime())]


def fk(target: str, *, ondelete: str = "RESTRICT", index: bool = True, **kw: object) -> object:
    """A foreign-key column; indexed by default because every FK here is also a lookup path."""
    return mapped_column(ForeignKey(target, ondelete=ondelete), index=index, **kw)
