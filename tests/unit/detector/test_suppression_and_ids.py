"""Suppression counts and deterministic alert ids (live and replay must coincide)."""

from __future__ import annotations

import datetime as dt

from kansa_detector.engine import Engine, InMemoryStore, StaticReference
from kansa_detector.replay import replay
from kansa_schemas.alert import alert_id_for
from kansa_schemas.events import Event
from kansa_schemas.rule import Catalogue
from tests.unit.detector.conftest import ev

HOUR = dt.timedelta(hours=1)


def retiree_events() -> list[Event]:
    return [
        ev("hr.changed", "09-30 18:00", actor="hr-feed", staff_id="s001", change_type="retirement",
           effective_at="2026-10-01T00:00:00+09:00"),
        ev("auth.login", "10-01 08:45", id="a1"),
        ev("mynumber.search", "10-01 08:50", id="a2"),
        ev("record.view", "10-01 08:55", id="a3", subject_ref="tok-1"),
        ev("auth.login", "10-02 09:00", id="a4"),  # next day: outside the P1D window
    ]


def test_duplicates_in_the_window_raise_the_count_of_one_alert(catalogue: Catalogue) -> None:
    # No lateness, so each event is released (and its alert version returned) by its own process() call.
    engine = Engine(catalogue.only("DR-01"), StaticReference(), InMemoryStore(serialise=True),
                    lateness=dt.timedelta(0))
    emitted = []
    for event in retiree_events():
        emitted.extend(engine.process(event))
    emitted.extend(engine.flush())
    first_id = emitted[0].alert_id
    same = [a for a in emitted if a.alert_id == first_id]
    assert [a.count for a in same] == [1, 2, 3]  # re-emitted under the same id with a rising count
    assert same[-1].event_ids == ("a1", "a2", "a3")
    assert same[-1].details["last_occurred_at"] == "2026-10-01T08:55:00+09:00"
    others = [a for a in emitted if a.alert_id != first_id]
    assert [(a.count, a.event_ids) for a in others] == [(1, ("a4",))]
    assert engine.stats["alerts"] == 2


def test_alert_id_is_the_documented_hash(catalogue: Catalogue) -> None:
    alerts = replay([e.model_dump_json() for e in retiree_events()[:2]], catalogue.only("DR-01"),
                    StaticReference(), HOUR)
    (alert,) = alerts
    assert alert.alert_id == alert_id_for("DR-01", 1, "271403", "271403|s001", "a1")
    assert alert.rule_version == 1
    assert alert.reference_version == "none"
    assert "000 L330" in alert.assessment_refs
    assert alert.title.ja.startswith("退職")


def test_live_order_and_replay_give_the_same_alerts(catalogue: Catalogue) -> None:
    events = [
        *retiree_events(),
        ev("export.executed", "10-01 10:00", request_id="R1", id="x1"),
        ev("export.approved", "10-01 10:01", request_id="R2", applicant_id="s001", actor="s001", id="x2"),
        ev("auth.login", "10-01 10:00", actor="s005", terminal_id="T1", session_id="S1"),
        ev("auth.login", "10-01 10:05", actor="s005", terminal_id="T2", session_id="S2"),
    ]
    in_order = replay([e.model_dump_json() for e in events], catalogue, StaticReference(), HOUR)
    shuffled = list(reversed(events))  # all within the lateness of one day
    engine = Engine(catalogue, StaticReference(), InMemoryStore(), lateness=dt.timedelta(days=2))
    live: dict[str, object] = {}
    for event in shuffled:
        live.update({a.alert_id: a for a in engine.process(event)})
    live.update({a.alert_id: a for a in engine.flush()})
    # DR-02: the retiree's account was never disabled by the deadline the stream runs past.
    assert {a.rule_id for a in in_order} == {"DR-01", "DR-02", "DR-07", "DR-32", "DR-33"}
    assert sorted(live) == sorted(a.alert_id for a in in_order)
    assert {a.alert_id: a.count for a in in_order} == {k: v.count for k, v in live.items()}  # type: ignore[attr-defined]


def test_a_new_window_opens_after_the_old_one_expires(catalogue: Catalogue) -> None:
    store = InMemoryStore(serialise=True)
    engine = Engine(catalogue.only("DR-32"), StaticReference(), store, lateness=dt.timedelta(0))
    a = engine.process(ev("export.executed", "10-05 10:00", request_id="R1"))
    b = engine.process(ev("export.executed", "10-05 11:00", request_id="R1"))
    c = engine.process(ev("export.executed", "10-06 10:00", request_id="R1"))  # window is P1D
    assert a[0].alert_id == b[0].alert_id and b[0].count == 2
    assert c[0].alert_id != a[0].alert_id and c[0].count == 1
    assert sum("~sup" in k for k in store.all_keys()) == 1  # the expired window was evicted by its timer
