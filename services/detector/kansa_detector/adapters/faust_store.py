"""A StateStore over a plain faust Table: every write goes to the table's changelog so state survives a restart.

Writes name their changelog partition explicitly, which also lets the watermark timer (outside any stream) write.
"""

from __future__ import annotations

from typing import Any


class FaustStateStore:
    def __init__(self, table: Any, partition: int, prefix: str) -> None:
        self._table = table
        self._partition = partition
        self._prefix = f"{prefix}|{partition}|"

    def get(self, key: str) -> dict[str, Any] | None:
        value = self._table.data.get(self._prefix + key)
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        full = self._prefix + key
        self._table.data[full] = value
        self._table.send_changelog(self._partition, full, value)

    def delete(self, key: str) -> None:
        full = self._prefix + key
        if full in self._table.data:
            del self._table.data[full]
            self._table.send_changelog(self._partition, full, None)
