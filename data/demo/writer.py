"""Rows for the demo generator: dicts with ids assigned here, handed on in chunks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from data.models import Base

Row = dict[str, Any]
Sink = Callable[[str, list[Row]], None]  # (table name, rows) -> None

CHUNK_ROWS = 50_000
# Every table, parents before children: flushing in this order keeps foreign keys valid.
TABLES = tuple(Base.metadata.sorted_tables)


class BulkWriter:
    """Buffers rows per table and hands every buffer, parents first, to `sink` once any
    buffer is full.

    Primary keys come from `new_id` (per-table counters), so rows can refer to each other
    before anything is written. A row must be added after the rows it refers to.
    """

    def __init__(self, sink: Sink, chunk_rows: int = CHUNK_ROWS) -> None:
        self._sink = sink
        self._chunk_rows = chunk_rows
        self._buffers: dict[str, list[Row]] = {t.name: [] for t in TABLES}
        self.last_ids: dict[str, int] = {}
        self.counts: dict[str, int] = {t.name: 0 for t in TABLES}

    def new_id(self, table: str) -> int:
        value = self.last_ids.get(table, 0) + 1
        self.last_ids[table] = value
        return value

    def add(self, table: str, row: Row) -> None:
        buffer = self._buffers[table]
        buffer.append(row)
        if len(buffer) >= self._chunk_rows:
            self.flush()

    def flush(self) -> None:
        for name, buffer in self._buffers.items():
            if buffer:
                self._sink(name, buffer)
                self.counts[name] += len(buffer)
                self._buffers[name] = []

    def written(self) -> dict[str, int]:
        """Rows per table, for the tables that got any."""
        return {name: n for name, n in self.counts.items() if n}
