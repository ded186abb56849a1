"""A StateStore over a plain faust Table, with write-behind to the table's changelog.

The engine rewrites a few small keys for every event (its reorder buffer, watermark, rule state). Sending each
write to the changelog made the changelog the bottleneck, so writes only mark keys dirty and the latest value of
each dirty key is sent when faust is about to commit offsets (faust then flushes the producer before it commits):
every committed offset has its state in the changelog. Writes name their changelog partition explicitly, which
also lets the watermark timer (outside any stream) write.
"""

from __future__ import annotations

from typing import Any

import faust

APPLIED_KEY = "~applied"


class ChangelogWriter:
    """Dirty keys of one table, flushed as one batch per commit."""

    def __init__(self, table: Any) -> None:
        self.table = table
        self._dirty: dict[str, int] = {}

    def mark(self, key: str, partition: int) -> None:
        self._dirty[key] = partition

    @property
    def pending(self) -> int:
        return len(self._dirty)

    def flush(self) -> int:
        dirty, self._dirty = self._dirty, {}
        # Applied-offset markers go last: a changelog cut short by a crash never claims more than it holds.
        for key in sorted(dirty, key=lambda k: k.endswith(APPLIED_KEY)):
            self.table.send_changelog(dirty[key], key, self.table.data.get(key))
        return len(dirty)


class FlushBeforeCommit(faust.Sensor):
    def __init__(self, writer: ChangelogWriter) -> None:
        super().__init__()
        self._writer = writer

    def on_commit_initiated(self, consumer: Any) -> Any:
        self._writer.flush()
        return super().on_commit_initiated(consumer)


class FaustStateStore:
    def __init__(self, writer: ChangelogWriter, partition: int, prefix: str) -> None:
        self._writer = writer
        self._data = writer.table.data
        self._partition = partition
        self._prefix = f"{prefix}|{partition}|"

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._data.get(self._prefix + key)
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        full = self._prefix + key
        self._data[full] = value
        self._writer.mark(full, self._partition)

    def delete(self, key: str) -> None:
        full = self._prefix + key
        if full in self._data:
            del self._data[full]
            self._writer.mark(full, self._partition)
