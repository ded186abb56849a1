"""Field access, declarative selections and keys over events; event time as integer microseconds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any

from kansa_schemas.events import Event
from kansa_schemas.rule import PARTITION_FIELDS, Partition, SelectionValue

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)
MISSING = "-"  # how an absent key field is rendered


def to_us(t: dt.datetime) -> int:
    """Exact (no float rounding) microseconds since the epoch: sortable, JSON-able state."""
    return (t - EPOCH) // _US


def from_us(us: int) -> dt.datetime:
    return EPOCH + dt.timedelta(microseconds=us)


def duration_us(d: dt.timedelta) -> int:
    return d // _US


def _plain(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def resolve(event: Any, path: str) -> Any:
    """`actor.id` -> event.actor.id; None when the event type has no such field."""
    obj = event
    for part in path.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    if isinstance(obj, tuple):
        return tuple(_plain(v) for v in obj)
    return _plain(obj)


@dataclass(frozen=True)
class _Clause:
    path: str
    modifier: str
    values: frozenset[Any]

    def holds(self, event: Any) -> bool:
        value = resolve(event, self.path)
        if self.modifier == "exists":
            return (value is not None) == (True in self.values)
        items = value if isinstance(value, tuple) else (value,)
        hit = any(v in self.values for v in items)
        return not hit if self.modifier == "not" else hit


class Matcher:
    """A compiled selection: every clause must hold; a list of values means any of them."""

    def __init__(self, selection: Mapping[str, SelectionValue]) -> None:
        clauses = []
        for raw_key, raw in selection.items():
            path, _, modifier = raw_key.partition("|")
            values = raw if isinstance(raw, tuple) else (raw,)
            clauses.append(_Clause(path, modifier, frozenset(values)))
        self._clauses = tuple(clauses)

    def __call__(self, event: Any) -> bool:
        return all(c.holds(event) for c in self._clauses)


def key_part(event: Event, field: str, tz: dt.tzinfo) -> str | None:
    path, _, modifier = field.partition("|")
    if modifier:
        local = event.occurred_at.astimezone(tz)
        return local.date().isoformat() if modifier == "day" else local.strftime("%Y-%m-%dT%H")
    value = resolve(event, path)
    return None if value is None else str(value)


def render_key(fields: Sequence[str], event: Event, tz: dt.tzinfo) -> tuple[str, tuple[str, ...]]:
    """The key string (parts joined by "|") and the fields that were absent."""
    parts = [key_part(event, f, tz) for f in fields]
    missing = tuple(f for f, p in zip(fields, parts, strict=True) if p is None)
    return "|".join(MISSING if p is None else p for p in parts), missing


def partition_value(partition: Partition | str, event: Event) -> str | None:
    """The value the live adapter repartitions on for this key family, or None if the event is not in it.

    Events of the request family that lack a request_id all share "" so that, as in replay, one engine
    sees all of them (DR-32 alerts on exactly those).
    """
    family = Partition(partition)
    if family is Partition.ACTOR:
        return event.partition_subject
    field = PARTITION_FIELDS[family]
    if field not in type(event).model_fields:
        return None
    value = resolve(event, field)
    return "" if value is None else str(value)
