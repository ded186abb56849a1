"""Lifecycle and log-integrity rules: the deadline, silence and assignment kinds beyond what cases pin down
(timer-raised alerts, working-day deadlines, partitioning of IAM events, stale timers, not-evaluable joins)."""

from __future__ import annotations

import datetime as dt
import shutil
from collections import defaultdict
from pathlib import Path

import pytest
from pydantic import ValidationError

from kansa_detector.engine import Engine, InMemoryStore, StaticReference, partition_value
from kansa_detector.engine.kinds.deadline import due_at
from kansa_schemas.alert import Alert
from kansa_schemas.events import Event
from kansa_schemas.reference.models import BusinessCalendar
from kansa_schemas.rule import Catalogue, DeadlineParams, lint
from tests.unit.detector.conftest import JST, RULES_DIR, bundle, ev

LATER = "10-20 09:00"  # an unrelated event that moves event time past every deadline below


def run(catalogue: Catalogue, rule_id: str, events: list[Event], reference: StaticReference | None = None,
        ) -> tuple[list[Alert], Engine]:
    engine = Engine(catalogue.only(rule_id), reference or StaticReference(), InMemoryStore(serialise=True),
                    lateness=dt.timedelta(0))
    alerts: dict[str, Alert] = {}
    for event in events:
        alerts.update((a.alert_id, a) for a in engine.process(event))
    alerts.update((a.alert_id, a) for a in engine.flush())
    return list(alerts.values()), engine


def retirement(effective: str = "2026-10-01T00:00:00+09:00") -> Event:
    return ev("hr.changed", "09-25 12:00", id="hr1", actor="hr-feed", staff_id="s001", change_type="retirement",
              effective_at=effective)


# --------------------------------------------------------------------------- deadline (DR-02)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (dt.datetime(2026, 10, 1, 0, 0, tzinfo=JST), 1, dt.datetime(2026, 10, 2, 0, 0, tzinfo=JST)),  # Thu -> Fri
        (dt.datetime(2026, 10, 2, 0, 0, tzinfo=JST), 1, dt.datetime(2026, 10, 5, 0, 0, tzinfo=JST)),  # Fri -> Mon
        (dt.datetime(2026, 10, 9, 16, 0, tzinfo=JST), 1, dt.datetime(2026, 10, 13, 16, 0, tzinfo=JST)),  # holiday Mon
        (dt.datetime(2026, 10, 3, 11, 0, tzinfo=JST), 1, dt.datetime(2026, 10, 6, 0, 0, tzinfo=JST)),  # Sat: from Mon
        (dt.datetime(2026, 10, 3, 11, 0, tzinfo=JST), 0, dt.datetime(2026, 10, 5, 0, 0, tzinfo=JST)),
    ],
)
def test_working_day_deadlines_follow_the_tenant_calendar(start: dt.datetime, days: int, expected: dt.datetime) -> None:
    calendar = BusinessCalendar(holidays=(dt.date(2026, 10, 12),))
    due = due_at(start, dt.timedelta(days=days), working_days=True, calendar=calendar, tz=JST)
    assert due == expected


def test_elapsed_deadlines_ignore_the_calendar() -> None:
    start = dt.datetime(2026, 10, 2, 18, 0, tzinfo=JST)
    assert due_at(start, dt.timedelta(hours=20), working_days=False, calendar=BusinessCalendar(), tz=JST) == (
        dt.datetime(2026, 10, 3, 14, 0, tzinfo=JST))


def test_working_days_take_whole_days_only() -> None:
    with pytest.raises(ValidationError, match="whole days"):
        DeadlineParams(within=dt.timedelta(hours=12), working_days=True)


def test_dr02_alert_is_about_the_staff_member_at_the_deadline(catalogue: Catalogue) -> None:
    request = ev("iam.deletion_requested", "10-01 11:00", id="rq1", actor="s200", target_user_id="s001",
                 requested_by="s200", request_id="IAM-1")
    alerts, engine = run(catalogue, "DR-02", [retirement(), request, ev("auth.login", LATER, actor="s999")])
    assert len(alerts) == 1
    alert = alerts[0]
    assert alert.actor_id == "s001"  # the person concerned, not the HR feed or the requester
    assert alert.event_ids == ("hr1", "rq1")
    assert alert.occurred_at == dt.datetime(2026, 10, 2, 11, 0, tzinfo=JST)  # request + 1 working day
    assert alert.details["awaiting"] == "close"
    assert alert.key == "271403|s001"
    assert engine.stats["timers"] >= 1
    # Same input, same alert id (replay and live coincide).
    again, _ = run(catalogue, "DR-02", [retirement(), request, ev("auth.login", LATER, actor="s999")])
    assert [a.alert_id for a in again] == [alert.alert_id]


def test_dr02_without_request_awaits_the_request(catalogue: Catalogue) -> None:
    alerts, _ = run(catalogue, "DR-02", [retirement(), ev("auth.login", LATER, actor="s999")])
    assert [(a.details["awaiting"], a.occurred_at) for a in alerts] == [
        ("progress", dt.datetime(2026, 10, 2, 0, 0, tzinfo=JST))]


def test_iam_events_land_in_the_partition_of_the_account_they_change() -> None:
    disable = ev("iam.user_disabled", "10-01 09:30", actor="a001", target_user_id="s001")
    assert partition_value("actor", disable) == "s001"
    assert disable.partition_subject == "s001"


def test_dr02_holds_when_each_partition_runs_its_own_engine(catalogue: Catalogue) -> None:
    """As live: events grouped by partition subject, one engine each. The administrator's disable must meet the
    retirement in s001's partition, or a deadline would fire there with the close stuck in a001's."""
    events = [
        retirement(),
        ev("iam.user_disabled", "10-01 09:30", actor="a001", target_user_id="s001", requested_by="s200"),
        ev("auth.login", "10-01 08:40", actor="a001"),
        ev("iam.user_disabled", "10-01 10:00", actor="a001", target_user_id="s002", requested_by="s200"),
    ]
    partitions: dict[str | None, list[Event]] = defaultdict(list)
    for event in events:
        partitions[partition_value("actor", event)].append(event)
    assert sorted(k or "" for k in partitions) == ["a001", "s001", "s002"]
    raised = []
    for part in partitions.values():
        engine = Engine(catalogue.only("DR-02"), StaticReference(), InMemoryStore(), lateness=dt.timedelta(0),
                        partition="actor")
        for event in sorted(part, key=lambda e: e.occurred_at):
            raised += engine.process(event)
        raised += engine.advance(dt.datetime(2026, 10, 20, tzinfo=JST))
    assert raised == []


# --------------------------------------------------------------------------- silence (DR-69)


def beats(source: str, start: str, count: int, every: dt.timedelta, prefix: str) -> list[Event]:
    first = ev("log.heartbeat", start, actor={"id": "log-collector", "type": "system"}, monitored_source=source)
    return [
        first.model_copy(update={"occurred_at": first.occurred_at + i * every, "event_id": f"{prefix}{i}"})
        for i in range(count)
    ]


def test_dr69_judges_a_source_by_its_own_cadence(catalogue: Catalogue) -> None:
    hour = dt.timedelta(hours=1)
    steady = beats("kokuho-system", "10-05 00:00", 10, hour, "a")  # 00:00 .. 09:00
    after_two_hours = beats("kokuho-system", "10-05 11:00", 10, hour, "b")  # one beat missed: 2 h < 3 h
    alerts, _ = run(catalogue, "DR-69", [*steady, *after_two_hours])
    assert alerts == []
    after_five_hours = beats("kokuho-system", "10-05 14:00", 10, hour, "c")
    alerts, _ = run(catalogue, "DR-69", [*steady, *after_five_hours])
    assert len(alerts) == 1
    assert alerts[0].event_ids == ("a9",)  # the last beat before the silence
    assert alerts[0].occurred_at == dt.datetime(2026, 10, 5, 12, 0, tzinfo=JST)  # 09:00 + 3 × 1 h
    assert (alerts[0].details["usual_interval_s"], alerts[0].details["allowed_gap_s"]) == (3600, 10800)


def test_dr69_floor_applies_to_sources_that_beat_often(catalogue: Catalogue) -> None:
    minute = dt.timedelta(minutes=1)
    fast = beats("face-auth", "10-05 09:00", 30, minute, "f")  # 09:00 .. 09:29
    resumed = beats("face-auth", "10-05 09:40", 30, minute, "g")  # 11 min silent: 3 min by cadence, floor 15 min
    alerts, _ = run(catalogue, "DR-69", [*fast, *resumed])
    assert alerts == []
    late = beats("face-auth", "10-05 09:50", 30, minute, "h")  # 21 min silent
    alerts, _ = run(catalogue, "DR-69", [*fast, *late])
    assert [a.details["allowed_gap_s"] for a in alerts] == [900]


def test_dr69_each_silence_is_found_and_stale_timers_stay_quiet(catalogue: Catalogue) -> None:
    hour = dt.timedelta(hours=1)
    events = [
        *beats("kokuho-system", "10-05 00:00", 10, hour, "a"),
        *beats("kokuho-system", "10-05 14:00", 10, hour, "b"),  # silent 09:00-14:00
        *beats("kokuho-system", "10-06 05:00", 4, hour, "c"),  # silent 23:00-05:00
    ]
    alerts, engine = run(catalogue, "DR-69", events)
    # Both silences are found; within the suppression day they fold into one alert counted twice.
    assert [(a.event_ids, a.count) for a in alerts] == [(("a9", "b9"), 2)]
    assert engine.stats["timers"] > 2  # every beat armed a timer; only the two silences alerted


# --------------------------------------------------------------------------- assignment (DR-04)


def test_dr04_reports_not_evaluable_rather_than_guessing(catalogue: Catalogue) -> None:
    grant = ev("iam.role_granted", "10-07 14:00", actor="a001", target_user_id="s001", role_id="ORG-A:clerk")
    alerts, engine = run(catalogue, "DR-04", [grant])  # no reference bundle at all
    assert (alerts, engine.stats["not_evaluable"]) == ([], 1)
    reference = StaticReference([bundle(staff=[{"staff_id": "s001", "org_unit": "ORG-A"}])])
    alerts, engine = run(catalogue, "DR-04", [grant], reference)  # a roster but no role matrix
    assert (alerts, engine.stats["not_evaluable"]) == ([], 1)


# --------------------------------------------------------------------------- lint


def test_actor_partition_rules_may_key_on_the_partition_subject(tmp_path: Path) -> None:
    folder = tmp_path / "lifecycle"
    folder.mkdir()
    rule = folder / "dr02_deprovisioning_lag.yaml"
    shutil.copy(RULES_DIR / "lifecycle" / rule.name, rule)
    assert lint(tmp_path) == []
    text = rule.read_text(encoding="utf-8")
    rule.write_text(text.replace("key: [tenant, partition_subject]", "key: [tenant, target_user_id]", 1), "utf-8")
    assert [(e.field, e.reason) for e in lint(tmp_path)] == [
        ("key", "a rule on the actor partition must key on actor.id")]
