"""Not evaluable, source missing: the engine counts each rule's input, the monitor turns silence into a metric."""

from __future__ import annotations

import datetime as dt

from prometheus_client import REGISTRY

from kansa_detector.engine import Engine, InMemoryStore, StaticReference
from kansa_detector.rule_feed import RuleFeedMonitor
from kansa_schemas.rule import Catalogue
from tests.unit.detector.conftest import TENANT, ev


def _sample(name: str, rule_id: str) -> float | None:
    return REGISTRY.get_sample_value(name, {"tenant": TENANT, "rule_id": rule_id})


def test_the_engine_counts_the_events_each_rule_examined(catalogue: Catalogue) -> None:
    engine = Engine(catalogue.only("DR-07", "DR-32"), StaticReference(), InMemoryStore(),
                    lateness=dt.timedelta(0))
    engine.process(ev("auth.login", "10-06 08:45", actor="s001", terminal_id="T1"))
    engine.process(ev("auth.logout", "10-06 17:45", actor="s001", terminal_id="T1"))
    engine.process(ev("record.view", "10-06 17:50", actor="s001"))
    engine.flush()
    assert engine.rule_inputs[(TENANT, "DR-07")] == 2
    assert engine.rule_inputs[(TENANT, "DR-32")] == 0
    assert engine.rule_last_input[(TENANT, "DR-07")].hour == 17


def test_reference_data_missing_is_counted_per_rule(catalogue: Catalogue) -> None:
    engine = Engine(catalogue.only("DR-31"), StaticReference(), InMemoryStore(), lateness=dt.timedelta(0))
    engine.process(ev("media.connected", "10-06 09:00", actor="s001", device_id="USB-1"))
    engine.flush()
    assert engine.rule_not_evaluable[(TENANT, "DR-31")] == 1


def test_a_silent_feed_turns_the_gauge_on_and_an_input_turns_it_off(catalogue: Catalogue) -> None:
    now = [1000.0]
    rules = catalogue.only("DR-07", "DR-37")
    monitor = RuleFeedMonitor(rules, [TENANT], missing_after_s=60, clock=lambda: now[0])
    before = _sample("kansa_detector_rule_input_events_total", "DR-07") or 0.0
    assert monitor.missing() == []
    assert _sample("kansa_detector_rule_input_events_total", "DR-37") is not None  # visible before any input

    now[0] += 61
    assert monitor.missing() == [(TENANT, "DR-07"), (TENANT, "DR-37")]
    assert _sample("kansa_detector_rule_source_missing", "DR-07") == 1

    engine = Engine(rules, StaticReference(), InMemoryStore(), lateness=dt.timedelta(0))
    engine.process(ev("auth.login", "10-06 08:45", actor="s001", terminal_id="T1"))
    monitor.drain(engine)
    assert engine.rule_inputs == {}  # drained
    assert monitor.missing() == [(TENANT, "DR-37")]
    assert _sample("kansa_detector_rule_source_missing", "DR-07") == 0
    assert _sample("kansa_detector_rule_input_events_total", "DR-07") == before + 1
    last = _sample("kansa_detector_rule_last_input_timestamp_seconds", "DR-07")
    assert last == dt.datetime.fromisoformat("2026-10-06T08:45:00+09:00").timestamp()
