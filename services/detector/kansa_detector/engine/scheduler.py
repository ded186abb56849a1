"""The reorder buffer and the timer queue, both kept in the StateStore so a restarted worker resumes them.

Both are bucketed (events per 100 ms of event time, timers per hour of due time) with a small sorted
index, so a put rewrites one small bucket rather than the whole buffer; each bucket keeps its earliest time, so
asking for the next due time (once per event) reads one number rather than scanning a bucket.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from kansa_detector.engine.fields import to_us
from kansa_detector.engine.store import StateStore
from kansa_schemas.events import Event, parse_event

_SECOND = 1_000_000
_TENTH = _SECOND // 10
_HOUR = 3600 * _SECOND


class _Buckets:
    """Sorted bucket ids in `index_key`; bucket b in `f"{prefix}|{b}"` as {"entries": [...], "min": earliest
    entry time} (entry[0] is its time)."""

    def __init__(self, store: StateStore, index_key: str, width: int) -> None:
        self._store = store
        self._index_key = index_key
        self._width = width

    def _ids(self) -> list[int]:
        index = self._store.get(self._index_key)
        return list(index["ids"]) if index else []

    def _key(self, bucket: int) -> str:
        return f"{self._index_key}|{bucket}"

    def entries(self, bucket: int) -> list[list[Any]]:
        state = self._store.get(self._key(bucket))
        return list(state["entries"]) if state else []

    def add(self, entry: list[Any]) -> list[list[Any]]:
        """Append `entry`; returns the bucket's entries before it (for duplicate checks)."""
        bucket = entry[0] // self._width
        state = self._store.get(self._key(bucket))
        entries: list[list[Any]] = list(state["entries"]) if state else []
        if not entries:
            ids = self._ids()
            bisect.insort(ids, bucket)
            self._store.put(self._index_key, {"ids": ids})
        earliest = min(entry[0], _bucket_min(state)) if entries and state else entry[0]
        self._store.put(self._key(bucket), {"entries": [*entries, entry], "min": earliest})
        return entries

    def pop_until(self, upto: int) -> list[list[Any]]:
        """Remove and return entries with time <= upto (unsorted)."""
        ids = self._ids()
        taken: list[list[Any]] = []
        reached = bisect.bisect_right(ids, upto // self._width)  # ids are sorted: only these can hold due entries
        kept_ids = []
        for bucket in ids[:reached]:
            entries = self.entries(bucket)
            due = [e for e in entries if e[0] <= upto]
            rest = [e for e in entries if e[0] > upto]
            taken.extend(due)
            if rest:
                kept_ids.append(bucket)
                self._store.put(self._key(bucket), {"entries": rest, "min": min(e[0] for e in rest)})
            else:
                self._store.delete(self._key(bucket))
        kept_ids.extend(ids[reached:])
        if len(kept_ids) != len(ids):
            if kept_ids:
                self._store.put(self._index_key, {"ids": kept_ids})
            else:
                self._store.delete(self._index_key)
        return taken

    def earliest(self) -> int | None:
        ids = self._ids()
        if not ids:
            return None
        state = self._store.get(self._key(ids[0]))
        return None if state is None else _bucket_min(state)

    def count(self) -> int:
        return sum(len(self.entries(b)) for b in self._ids())


def _bucket_min(state: dict[str, Any]) -> int:
    """The bucket's earliest time (state written before "min" was kept has to be scanned once)."""
    earliest = state.get("min")
    return int(earliest) if earliest is not None else min(int(e[0]) for e in state["entries"])


class ReorderBuffer:
    """Events held until the watermark passes them, released in (occurred_at, event_id) order."""

    def __init__(self, store: StateStore) -> None:
        self._buckets = _Buckets(store, "~buf", _TENTH)

    def add(self, event: Event) -> bool:
        """Hold the event; False if an event with the same id is already held (a redelivery)."""
        t = to_us(event.occurred_at)
        bucket = self._buckets.entries(t // _TENTH)
        if any(e[1] == event.event_id for e in bucket):
            return False
        self._buckets.add([t, event.event_id, event.model_dump(mode="json")])
        return True

    def pop_until(self, upto: int) -> list[Event]:
        entries = sorted(self._buckets.pop_until(upto), key=lambda e: (e[0], e[1]))
        return [parse_event(e[2]) for e in entries]

    def __len__(self) -> int:
        return self._buckets.count()


@dataclass(frozen=True, order=True)
class Timer:
    due: int
    tenant: str
    rule_id: str
    key: str


class Timers:
    """Event-time timers: (due, tenant, rule_id, state key); fired when the watermark reaches `due`."""

    def __init__(self, store: StateStore) -> None:
        self._buckets = _Buckets(store, "~tm", _HOUR)

    def schedule(self, timer: Timer) -> None:
        self._buckets.add([timer.due, timer.tenant, timer.rule_id, timer.key])

    def next_due(self) -> int | None:
        return self._buckets.earliest()

    def pop_until(self, upto: int) -> list[Timer]:
        """Due timers in order, each (due, tenant, rule, key) once."""
        return sorted({Timer(*e) for e in self._buckets.pop_until(upto)})

    def __len__(self) -> int:
        return self._buckets.count()
