"""The reorder buffer: lateness, watermarks, restarts, duplicates, partitions."""

from __future__ import annotations

import datetime as dt

from kansa_detector.engine import Engine, InMemoryStore, StaticReference
from kansa_schemas.alert import Alert
from kansa_schemas.rule import Catalogue
from tests.unit.detector.conftest import JST, ev

HOUR = dt.timedelta(hours=1)


def dr32(catalogue: Catalogue, store: InMemoryStore | None = None, lateness: dt.timedelta = HOUR) -> Engine:
    state = store if store is not None else InMemoryStore(serialise=True)
    return Engine(catalogue.only("DR-32"), StaticReference(), state, lateness=lateness)


def run(engine: Engine, *events: object) -> list[Alert]:
    alerts = []
    for event in events:
        alerts.extend(engine.process(event))  # type: ignore[arg-type]
    return alerts + engine.flush()


def test_out_of_order_approval_within_lateness_raises_nothing(catalogue: Catalogue) -> None:
    engine = dr32(catalogue)
    alerts = run(engine,
                 ev("export.executed", "10-05 10:00", request_id="R1"),
                 ev("export.approved", "10-05 09:30", request_id="R1", applicant_id="s001", actor="s900"))
    assert alerts == []
    assert engine.stats["late"] == 0


def test_approval_later_than_lateness_is_counted_late_and_cannot_undo(catalogue: Catalogue) -> None:
    engine = dr32(catalogue, lateness=dt.timedelta(minutes=10))
    first = engine.process(ev("export.executed", "10-05 10:00", request_id="R1"))
    # A later event moves the watermark past the execution, which is then decided without an approval.
    released = engine.process(ev("auth.login", "10-05 10:30", actor="s002"))
    late = engine.process(ev("export.approved", "10-05 09:30", request_id="R1", applicant_id="s001", actor="s900"))
    assert first == []
    assert [a.rule_id for a in released] == ["DR-32"]
    assert late == []
    assert engine.stats["late"] == 1


def test_nothing_is_evaluated_before_the_watermark_passes(catalogue: Catalogue) -> None:
    engine = dr32(catalogue)
    assert engine.process(ev("export.executed", "10-05 10:00", request_id="R1")) == []
    assert engine.buffered == 1
    assert engine.advance(dt.datetime(2026, 10, 5, 9, 59, tzinfo=JST)) == []
    alerts = engine.advance(dt.datetime(2026, 10, 5, 10, 0, tzinfo=JST))
    assert [a.rule_id for a in alerts] == ["DR-32"]
    assert engine.buffered == 0
    assert engine.watermark == dt.datetime(2026, 10, 5, 10, 0, tzinfo=JST)


def test_watermark_never_moves_back(catalogue: Catalogue) -> None:
    engine = dr32(catalogue)
    engine.advance(dt.datetime(2026, 10, 5, 12, 0, tzinfo=JST))
    engine.advance(dt.datetime(2026, 10, 5, 8, 0, tzinfo=JST))
    assert engine.watermark == dt.datetime(2026, 10, 5, 12, 0, tzinfo=JST)
    engine.process(ev("export.executed", "10-05 11:00", request_id="R1"))
    assert engine.stats["late"] == 1


def test_buffer_survives_a_restart(catalogue: Catalogue) -> None:
    store = InMemoryStore(serialise=True)
    before = dr32(catalogue, store)
    assert before.process(ev("export.approved", "10-05 09:30", request_id="R1", applicant_id="s001",
                             actor="s900")) == []
    assert before.process(ev("export.executed", "10-05 10:00", request_id="R1")) == []
    assert before.process(ev("export.executed", "10-05 10:05", request_id="R2")) == []
    after = dr32(catalogue, store)  # a new worker over the same state
    alerts = after.flush()
    assert [(a.rule_id, a.key) for a in alerts] == [("DR-32", "271403|R2")]


def test_redelivered_event_is_held_once(catalogue: Catalogue) -> None:
    engine = dr32(catalogue)
    event = ev("export.executed", "10-05 10:00", request_id="R1")
    engine.process(event)
    engine.process(event)
    alerts = engine.flush()
    assert engine.stats["duplicates"] == 1
    assert [a.count for a in alerts] == [1]


def test_partition_filters_the_rules(catalogue: Catalogue) -> None:
    events = [ev("export.executed", "10-05 10:00", request_id="R1"),
              ev("export.approved", "10-05 10:01", request_id="R2", applicant_id="s001", actor="s001")]
    for partition, expected in (("actor", set()), ("request", {"DR-32", "DR-33"}), (None, {"DR-32", "DR-33"})):
        engine = Engine(catalogue, StaticReference(), InMemoryStore(), lateness=HOUR, partition=partition)
        assert {a.rule_id for a in run(engine, *events)} == expected, partition


def test_timers_expire_state(catalogue: Catalogue) -> None:
    store = InMemoryStore(serialise=True)
    engine = Engine(catalogue.only("DR-07"), StaticReference(), store, lateness=dt.timedelta(0))
    engine.process(ev("auth.login", "10-05 08:40", terminal_id="T1", session_id="S1"))
    assert any("|DR-07|" in k for k in store.all_keys())
    engine.advance(dt.datetime(2026, 10, 5, 20, 40, tzinfo=JST))  # login + max_session (12 h)
    assert not any("|DR-07|" in k for k in store.all_keys())
    assert engine.stats["timers"] >= 1
