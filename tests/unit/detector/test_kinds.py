"""Pieces of kind semantics that cases cannot pin down precisely."""

from __future__ import annotations

import datetime as dt

import pytest

from kansa_detector.engine import Engine, InMemoryStore, StaticReference, partition_value
from kansa_detector.engine.cases import check
from kansa_detector.engine.fields import Matcher
from kansa_detector.engine.kinds.baseline import nearest_rank, trailing_working_days
from kansa_schemas.reference.models import BusinessCalendar
from kansa_schemas.rule import Catalogue, RuleCase
from tests.unit.detector.conftest import bundle, ev


@pytest.mark.parametrize(
    ("values", "percentile", "expected"),
    [([5], 95, 5), (list(range(1, 31)), 95, 29), (list(range(1, 21)), 95, 19), ([0] * 29 + [500], 95, 0)],
)
def test_nearest_rank(values: list[int], percentile: float, expected: int) -> None:
    assert nearest_rank(values, percentile) == expected


def test_trailing_working_days_follow_the_tenant_calendar() -> None:
    calendar = BusinessCalendar(holidays=(dt.date(2026, 9, 22),), extra_working_days=(dt.date(2026, 9, 19),))
    days = trailing_working_days(calendar, dt.date(2026, 9, 24), 3)
    assert days == [dt.date(2026, 9, 23), dt.date(2026, 9, 21), dt.date(2026, 9, 19)]


def test_baseline_window_follows_the_tenant_calendar(catalogue: Catalogue) -> None:
    """With 16 Sep a holiday the 30-working-day window reaches back to 21 Aug, whose busy day lifts the P95;
    a weekday-only window would take the empty holiday instead and alert at a third of the volume."""
    holiday = dt.date(2026, 9, 16)
    reference = StaticReference([bundle(calendar={"holidays": [holiday.isoformat()]})])
    engine = Engine(catalogue.only("DR-24"), reference, InMemoryStore(), lateness=dt.timedelta(0))
    window = list(reversed(trailing_working_days(BusinessCalendar(holidays=(holiday,)), dt.date(2026, 10, 5), 30)))
    assert window[0] == dt.date(2026, 8, 21)
    busy = {dt.date(2026, 8, 21), dt.date(2026, 9, 1)}
    for d in window:
        for i in range(100 if d in busy else 10):
            engine.process(ev("mynumber.search", f"{d:%m-%d} {9 + i // 12:02d}:{i % 12 * 5:02d}"))
    alerts = []
    for i in range(301):
        alerts += engine.process(ev("mynumber.search", f"10-05 {8 + i // 30:02d}:{i % 30 * 2:02d}"))
    assert [(a.details["baseline_p"], a.details["limit"], a.details["value"]) for a in alerts] == [(100, 300.0, 301)]


def test_matcher_modifiers() -> None:
    login = ev("auth.login", "10-05 09:00", layer="os", terminal_id="T1")
    assert Matcher({"action": "auth.login", "layer|not": "biometric"})(login)
    assert not Matcher({"layer|not": ("os", "app")})(login)
    assert Matcher({"terminal_id|exists": True, "session_id|exists": False})(login)
    assert Matcher({"actor.type": "staff", "outcome": ("success", "error")})(login)
    assert not Matcher({"request_id": "R1"})(login)  # a field the event type lacks never equals a value


def test_partition_value() -> None:
    assert partition_value("actor", ev("auth.login", "10-05 09:00", actor="s001")) == "s001"
    hr = ev("hr.changed", "10-05 09:00", actor="hr-feed", staff_id="s007", change_type="retirement")
    assert partition_value("actor", hr) == "s007"
    assert partition_value("request", ev("export.executed", "10-05 09:00", request_id="R1")) == "R1"
    assert partition_value("request", ev("export.executed", "10-05 09:00")) == ""
    assert partition_value("request", ev("auth.login", "10-05 09:00")) is None


def test_case_check_reports_mismatches() -> None:
    case = RuleCase.model_validate({"name": "x", "expect": "alert", "count": 2,
                                    "events": [{"action": "auth.login"}]})
    assert check(case, []) == ["expected an alert, got none"]
    none_case = RuleCase.model_validate({"name": "y", "expect": "none", "events": [{"action": "auth.login"}]})
    assert check(none_case, []) == []


def test_serialising_store_catches_unsaved_changes() -> None:
    store = InMemoryStore(serialise=True)
    store.put("k", {"a": [1]})
    value = store.get("k")
    assert value is not None
    value["a"].append(2)  # changed but not put: must not leak into the store
    assert store.get("k") == {"a": [1]}
    with pytest.raises(TypeError):
        store.put("bad", {"t": dt.datetime(2026, 1, 1)})
