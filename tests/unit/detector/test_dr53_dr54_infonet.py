"""The information-network rules: DR-54's purpose binding (kind `purpose`) beyond what its cases show."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from kansa_detector.engine import Engine, InMemoryStore, StaticReference
from kansa_schemas.alert import Alert, Severity
from kansa_schemas.events import Event
from kansa_schemas.reference.models import ReferenceBundle
from kansa_schemas.rule import Catalogue, PurposeMatch, apply_overrides
from tests.unit.detector.conftest import TENANT, at, bundle, ev

ROSTER = {"org_units": [{"org_unit": "kokuho", "name": "国民健康保険課", "business_codes": ["KOKUHO"]}],
          "staff": [{"staff_id": "s001", "org_unit": "kokuho"}]}


def query(when: str, subject: str = "R1", **fields: str) -> Event:
    return ev("infonet.query", when, actor="s001", permit_id="P-1", business_code="KOKUHO", subject_ref=subject,
              **fields)


def case(when: str, subject: str = "R1") -> Event:
    return ev("case.received", when, actor="s001", case_id="C-1", business_code="KOKUHO", subject_ref=subject)


def dr54(catalogue: Catalogue, reference: ReferenceBundle | None, store: InMemoryStore,
         params: dict[str, str] | None = None) -> Engine:
    rules = catalogue.only("DR-54")
    if params:
        rules = apply_overrides(rules, {TENANT: {"rules": {"DR-54": {"params": params}}}})
    return Engine(rules, StaticReference([reference] if reference else []), store, lateness=dt.timedelta(0))


def run(engine: Engine, events: list[Event]) -> list[Alert]:
    return [a for e in events for a in engine.process(e)] + engine.flush()


def test_case_memory_expires_after_case_before(catalogue: Catalogue) -> None:
    store = InMemoryStore(serialise=True)
    engine = dr54(catalogue, bundle(**ROSTER), store)
    assert run(engine, [case("07-01 09:00"), query("07-01 10:00")]) == []
    assert any("|DR-54|" in k for k in store.all_keys())
    engine.advance(dt.datetime.fromisoformat(at("10-01 09:00")))  # 92 days on
    assert not any("|DR-54|" in k for k in store.all_keys())


def test_a_waiting_query_is_decided_by_its_timer_and_leaves_no_state(catalogue: Catalogue) -> None:
    store = InMemoryStore(serialise=True)
    engine = dr54(catalogue, bundle(**ROSTER), store, params={"case_after": "P2D"})
    assert run(engine, [query("10-05 10:00"), query("10-05 11:00", subject="R2"), case("10-06 09:00", "R2")]) == []
    alerts = engine.advance(dt.datetime.fromisoformat(at("10-07 10:00")))
    assert [(a.details["reason"], a.severity, a.occurred_at) for a in alerts] == [
        ("no_case", Severity.MEDIUM, dt.datetime.fromisoformat(at("10-05 10:00")))  # R1: R2's case came in time
    ]
    engine.advance(dt.datetime.fromisoformat("2027-01-05T10:00:00+09:00"))  # R2's case is kept 90 days
    assert not any("|DR-54|" in k and "~sup" not in k for k in store.all_keys())


def test_without_a_roster_the_business_is_not_judged_but_the_case_still_is(catalogue: Catalogue) -> None:
    engine = dr54(catalogue, None, InMemoryStore(serialise=True))
    alerts = run(engine, [case("10-05 09:00"), query("10-05 10:00"), query("10-05 11:00", subject="R2")])
    assert [a.details["reason"] for a in alerts] == ["no_case"]
    assert engine.rule_not_evaluable[(TENANT, "DR-54")] == 2


def test_dr53_counts_repeated_denials_of_a_user_on_one_alert(catalogue: Catalogue) -> None:
    engine = Engine(catalogue.only("DR-53"), StaticReference(), InMemoryStore(serialise=True),
                    lateness=dt.timedelta(0))
    denied = [query(f"10-{d:02d} 10:00", permit_status="denied", outcome="denied") for d in (5, 13, 27)]
    alerts = {a.alert_id: a for a in run(engine, denied)}
    assert [(a.count, a.severity) for a in alerts.values()] == [(3, Severity.HIGH)]


def test_purpose_needs_something_to_check() -> None:
    with pytest.raises(ValidationError, match="check the business, a case, or both"):
        PurposeMatch.model_validate({"trigger": {"action": "infonet.query"}, "business": False})
    assert PurposeMatch.model_validate({"trigger": {"action": "infonet.query"}}).business
