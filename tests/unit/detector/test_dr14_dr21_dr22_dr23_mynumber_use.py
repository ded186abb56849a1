"""DR-14, DR-21, DR-22, DR-23 (kinds off_hours, entitlement, unmatched): what their cases cannot pin down, and the
simulator's overtime roster they rely on."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from kansa_detector.engine import Engine, InMemoryStore, StaticReference
from kansa_ingest.simulator import SimulationResult, simulate
from kansa_ingest.simulator.generate import order_end
from kansa_schemas.alert import Alert
from kansa_schemas.events import Event
from kansa_schemas.rule import Catalogue
from tests.unit.detector.conftest import JST, bundle, ev

ORG = {"org_units": [{"org_unit": "ORG-A", "name": "医療年金課", "business_codes": ["KOKUHO"]}],
       "staff": [{"staff_id": "s001", "org_unit": "ORG-A", "may_use_mynumber": True}]}


def _engine(catalogue: Catalogue, rule: str, reference: StaticReference, store: InMemoryStore | None = None) -> Engine:
    return Engine(catalogue.only(rule), reference, store or InMemoryStore(serialise=True), lateness=dt.timedelta(0))


def _run(engine: Engine, *events: Event) -> list[Alert]:
    alerts: list[Alert] = []
    for event in events:
        alerts += engine.process(event)
    return alerts


# --- DR-14 off_hours ----------------------------------------------------------------------------------------------

def test_off_hours_reads_the_clock_in_the_calendar_timezone(catalogue: Catalogue) -> None:
    """12:00 JST is 03:00 in UTC: a tenant whose calendar runs on UTC sees a lookup before hours."""
    noon = ev("record.view", "10-05 12:00", subject_ref="tok-1")
    tokyo = _engine(catalogue, "DR-14", StaticReference([bundle(**ORG)]))
    utc = _engine(catalogue, "DR-14", StaticReference([bundle(**ORG, calendar={"timezone": "UTC"})]))
    assert _run(tokyo, noon) == []
    [alert] = _run(utc, noon)
    assert alert.details["reason"] == "before_hours"
    assert alert.details["local_time"] == "2026-10-05T03:00:00"


def test_off_hours_follows_a_reloaded_roster(catalogue: Catalogue) -> None:
    """An order added by a reference reload covers the next evening at once (the roster index is rebuilt)."""
    reference = StaticReference([bundle(**ORG)])
    engine = _engine(catalogue, "DR-14", reference)
    assert len(_run(engine, ev("record.view", "10-05 19:00", actor="s001", subject_ref="tok-1"))) == 1
    order = {"staff_id": "s001", "date": "2026-10-06", "start": "17:15:00", "until": "20:00:00"}
    reference.set(bundle(**ORG, overtime=[order]))
    assert _run(engine, ev("record.view", "10-06 19:00", actor="s001", subject_ref="tok-1")) == []
    assert len(_run(engine, ev("record.view", "10-07 19:00", actor="s001", subject_ref="tok-1"))) == 1


def test_off_hours_without_a_calendar_is_not_evaluable(catalogue: Catalogue) -> None:
    engine = _engine(catalogue, "DR-14", StaticReference())
    assert _run(engine, ev("mynumber.search", "10-05 23:00", subject_ref="tok-1")) == []
    assert engine.stats["not_evaluable"] == 1


# --- DR-21 / DR-22 entitlement -------------------------------------------------------------------------------------

def test_entitlement_counts_what_it_cannot_judge(catalogue: Catalogue) -> None:
    """A section missing from the reference data, or a lookup naming no business, is never guessed into an alert."""
    unknown = {"staff": [{"staff_id": "s001", "org_unit": "ORG-GONE", "may_use_mynumber": True}]}
    engine = _engine(catalogue, "DR-22", StaticReference([bundle(**unknown)]))
    assert _run(engine, ev("record.view", "10-05 10:00", business_code="KOKUHO", subject_ref="tok-1")) == []
    assert _run(engine, ev("record.view", "10-05 10:01", subject_ref="tok-1")) == []
    assert engine.stats["not_evaluable"] == 2


def test_entitlement_judges_the_section_in_force_at_each_event(catalogue: Catalogue) -> None:
    """A transfer seen on the HR feed moves the user's business at its effective time, not when it is announced."""
    units = [{"org_unit": "ORG-A", "name": "A", "business_codes": ["KODOMO_IRYO"]},
             {"org_unit": "ORG-B", "name": "B", "business_codes": ["KOKUHO"]}]
    engine = _engine(catalogue, "DR-22", StaticReference([bundle(org_units=units, staff=ORG["staff"])]))
    alerts = _run(
        engine,
        ev("hr.changed", "10-01 12:00", actor="hr-feed", staff_id="s001", change_type="transfer", from_org="ORG-A",
           to_org="ORG-B", effective_at="2026-10-10T00:00:00+09:00"),
        ev("record.view", "10-05 10:00", business_code="KOKUHO", subject_ref="tok-1", id="before-move"),
        ev("record.view", "10-12 10:00", business_code="KOKUHO", subject_ref="tok-1", id="after-move"),
    )
    assert [a.event_ids for a in alerts] == [("before-move",)]
    assert alerts[0].details["org_unit"] == "ORG-A"


# --- DR-23 unmatched ----------------------------------------------------------------------------------------------

def _lookup(when: str, **fields: Any) -> Event:
    return ev("mynumber.search", when, business_code="KOKUHO", subject_ref="tok-1", **fields)


def _tick(when: str) -> Event:
    return ev("log.heartbeat", when, actor={"id": "log-collector", "type": "system"})


def test_unmatched_decides_exactly_after_the_window(catalogue: Catalogue) -> None:
    engine = _engine(catalogue, "DR-23", StaticReference())
    assert _run(engine, _lookup("10-05 10:00", id="lookup"), _tick("10-12 09:59")) == []
    [alert] = _run(engine, _tick("10-12 10:00"))
    assert alert.event_ids == ("lookup",)
    assert alert.occurred_at == dt.datetime(2026, 10, 5, 10, 0, tzinfo=JST)  # the lookup's time, not the decision's
    assert alert.details["reason"] == "no_case"


def test_unmatched_keeps_no_state_once_nothing_can_match(catalogue: Catalogue) -> None:
    """A justified lookup, an unjustified one and a lone case all leave the store once their windows have passed."""
    store = InMemoryStore(serialise=True)
    engine = _engine(catalogue, "DR-23", StaticReference(), store)
    case = ev("case.received", "08-01 09:00", business_code="KOKUHO", subject_ref="tok-2", case_id="C-1")
    alerts = _run(engine, case, _lookup("08-03 10:00"),
                  ev("case.received", "08-04 09:00", business_code="KOKUHO", subject_ref="tok-3", case_id="C-2"),
                  ev("record.view", "08-04 10:00", business_code="KOKUHO", subject_ref="tok-3"))
    assert any("|DR-23|" in k for k in store.all_keys())
    alerts += _run(engine, _tick("12-01 00:00"))
    assert len(alerts) == 1
    assert [k for k in store.all_keys() if "|DR-23|" in k] == []


# --- the simulator's overtime roster ------------------------------------------------------------------------------

@pytest.mark.parametrize(("end", "until"), [("19:12", "19:30"), ("19:30", "20:00"), ("19:45", "20:00")])
def test_an_order_runs_to_the_half_hour_after_the_shift(end: str, until: str) -> None:
    hour, minute = map(int, end.split(":"))
    assert order_end(dt.datetime(2026, 10, 5, hour, minute, 7, tzinfo=JST)).strftime("%H:%M") == until


@pytest.fixture(scope="module")
def month() -> SimulationResult:
    return simulate("141003", "2026-10", 7, events=20_000)


_ACCESS = ("mynumber.search", "record.view", "record.update", "record.print", "screen.hardcopy", "export.executed")


def _covered(event: dict[str, Any], result: SimulationResult) -> bool:
    local = dt.datetime.fromisoformat(event["occurred_at"])
    return any(o.staff_id == event["actor"]["id"] and o.date == local.date() and o.start <= local.time() <= o.until
               for o in result.reference.overtime)


def test_the_roster_orders_the_late_shifts_and_nothing_of_dr14(month: SimulationResult) -> None:
    """Checked from the events alone: staff data use after 18:00 is under an order unless it is a DR-14 violation
    (or a leaver's, DR-01's), and no DR-14 violation is."""
    assert month.reference.overtime
    assert all(o.approved_by != o.staff_id for o in month.reference.overtime)
    truth = {i for t in month.truth if t.rule_id in ("DR-14", "DR-01") for i in t.event_ids}
    late = [e for e in month.events if e["action"] in _ACCESS and e["actor"]["type"] == "staff"
            and dt.datetime.fromisoformat(e["occurred_at"]).time() >= dt.time(18)]
    assert late
    assert [e["event_id"] for e in late if not _covered(e, month) and e["event_id"] not in truth] == []
    dr14 = [e for e in month.events if e["event_id"] in {t.event_ids[0] for t in month.truth if t.rule_id == "DR-14"}]
    assert dr14 and not any(_covered(e, month) for e in dr14)


def test_the_seal_register_is_a_section_business_that_may_not_use_my_number(month: SimulationResult) -> None:
    units = {u.org_unit: u.business_codes for u in month.reference.org_units}
    assert "INKAN" in units["shimin"]
    assert "INKAN" not in month.reference.mynumber_businesses
