"""Bulk insert for the demo generator: rows as dicts, ids assigned here, written in chunks."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, insert, text

from data.models import Base

Row = dict[str, Any]

CHUNK_ROWS = 50_000
# Tables the demo writes; order matters only for foreign keys, and sorted_tables has it.
TABLES = tuple(Base.metadata.sorted_tables)


class BulkWriter:
    """Buffers rows per table and writes every buffer, parents first, once any buffer is full.

    Primary keys come from `new_id` (per-table counters), so rows can refer to each other
    before anything is written. A row must be added after the rows it refers to.
    """

    def __init__(self, conn: Connection, chunk_rows: int = CHUNK_ROWS) -> None:
        self._conn = conn
        self._chunk_rows = chunk_rows
        self._buffers: dict[str, list[Row]] = {t.name: [] for t in TABLES}
        self._last_id: dict[str, int] = {}
        self.counts: dict[str, int] = {t.name: 0 for t in TABLES}

    def new_id(self, table: str) -> int:
        value = self._last_id.get(table, 0) + 1
        self._last_id[table] = value
        return value

    def add(self, table: str, row: Row) -> None:
        buffer = self._buffers[table]
        buffer.append(row)
        if len(buffer) >= self._chunk_rows:
            self.flush()

    def flush(self) -> None:
        for table in TABLES:
            buffer = self._buffers[table.name]
            if buffer:
                self._conn.execute(insert(table), buffer)
                self.counts[table.name] += len(buffer)
                buffer.clear()

    def finish(self) -> dict[str, int]:
        """Write what is left; on PostgreSQL move each id sequence past the ids used here."""
        self.flush()
        if self._conn.dialect.name == "postgresql":
            for table, last in self._last_id.items():
                self._conn.execute(
                    text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                    {"table": table, "last": last},
                )
        return {name: n for name, n in self.counts.items() if n}
