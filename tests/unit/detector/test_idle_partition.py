"""A partition is idle for the watermark only when nothing in it is unread, however long it has been quiet."""

from __future__ import annotations

import datetime as dt

from kansa_detector.adapters.faust_app import EngineSlot, caught_up
from kansa_detector.adapters.faust_store import APPLIED_KEY, ChangelogWriter, FaustStateStore
from kansa_detector.engine import Engine
from kansa_detector.engine.reference import StaticReference
from kansa_detector.engine.store import InMemoryStore
from kansa_schemas.rule import Catalogue


class _Table:
    def __init__(self) -> None:
        self.data: dict[str, object] = {}

    def send_changelog(self, partition: int, key: str, value: object) -> None:
        pass


def _slot() -> EngineSlot:
    store = FaustStateStore(ChangelogWriter(_Table()), partition=0, prefix="actor")
    engine = Engine(Catalogue(()), StaticReference({}), InMemoryStore(), lateness=dt.timedelta(0))
    return EngineSlot(engine, store)


def test_a_quiet_partition_with_unread_records_is_not_idle() -> None:
    slot = _slot()
    slot.next_offset = 120
    assert not caught_up(slot, highwater=500)
    assert caught_up(slot, highwater=120)


def test_after_a_restart_the_applied_offset_counts_as_read() -> None:
    slot = _slot()
    assert caught_up(slot, highwater=0)  # an empty partition
    slot.store.put(APPLIED_KEY, {"offset": 41})
    assert caught_up(slot, highwater=42) and not caught_up(slot, highwater=43)


def test_an_unknown_high_watermark_does_not_hold_the_watermark_back() -> None:
    assert caught_up(_slot(), highwater=None)
