"""The triage state machine: open → acknowledged → resolved (→ reopened), append-only entries with a sequence."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from kansa_schemas.alert import Severity
from kansa_schemas.triage import (
    TRANSITIONS,
    AlertStatus,
    IncidentClass,
    Resolution,
    TriageAction,
    TriageEntry,
    TriageError,
    TriageRequest,
    next_entry,
)

AT = dt.datetime(2026, 11, 1, 9, tzinfo=dt.UTC)


def _step(request: TriageRequest, previous: TriageEntry | None, by: str = "officer-1") -> TriageEntry:
    return next_entry(request, previous, tenant="141003", alert_id="al_1", by=by, at=AT, rule_id="DR-23",
                      severity=Severity.HIGH, alert_detected_at=AT - dt.timedelta(hours=1))


def _in_state(status: AlertStatus) -> TriageEntry | None:
    """An alert history ending in `status` (None for an untouched, open alert)."""
    entry = None
    path = {AlertStatus.OPEN: [], AlertStatus.ACKNOWLEDGED: [TriageRequest(action=TriageAction.ACKNOWLEDGE)],
            AlertStatus.RESOLVED: [TriageRequest(action=TriageAction.ACKNOWLEDGE),
                                   TriageRequest(action=TriageAction.RESOLVE, resolution=Resolution.BENIGN)]}
    for request in path[status]:
        entry = _step(request, entry)
    assert (entry.status if entry else AlertStatus.OPEN) is status
    return entry


def _request(action: TriageAction) -> TriageRequest:
    extra: dict[str, str] = {TriageAction.RESOLVE: {"resolution": "false_positive"},
                                TriageAction.ASSIGN: {"assignee": "officer-2"},
                                TriageAction.NOTE: {"note": "確認中"}}.get(action, {})
    return TriageRequest.model_validate({"action": action.value, **extra})


@pytest.mark.parametrize("status", list(AlertStatus))
@pytest.mark.parametrize("action", list(TriageAction))
def test_every_action_from_every_state(action: TriageAction, status: AlertStatus) -> None:
    previous = _in_state(status)
    allowed, target = TRANSITIONS[action]
    if status in allowed:
        entry = _step(_request(action), previous)
        assert entry.status is (target or status)
        assert entry.seq == (previous.seq if previous else 0) + 1 and entry.action is action
    else:
        with pytest.raises(TriageError, match=f"cannot {action.value} an alert that is {status.value}"):
            _step(_request(action), previous)


def test_the_expected_transitions() -> None:
    assert {a: (sorted(s.value for s in f), t.value if t else None) for a, (f, t) in TRANSITIONS.items()} == {
        TriageAction.ACKNOWLEDGE: (["open"], "acknowledged"),
        TriageAction.RESOLVE: (["acknowledged"], "resolved"),
        TriageAction.REOPEN: (["resolved"], "open"),
        TriageAction.ASSIGN: (["acknowledged", "open"], None),
        TriageAction.NOTE: (["acknowledged", "open", "resolved"], None),
    }


def test_a_full_cycle_keeps_the_assignee_and_records_the_resolution() -> None:
    acknowledged = _step(TriageRequest(action=TriageAction.ACKNOWLEDGE, note="調査開始"), None)
    assert (acknowledged.seq, acknowledged.status, acknowledged.assignee) == (1, AlertStatus.ACKNOWLEDGED, "officer-1")
    assigned = _step(TriageRequest(action=TriageAction.ASSIGN, assignee="officer-2"), acknowledged)
    assert (assigned.seq, assigned.status, assigned.assignee) == (2, AlertStatus.ACKNOWLEDGED, "officer-2")
    resolved = _step(TriageRequest(action=TriageAction.RESOLVE, resolution=Resolution.TRUE_POSITIVE,
                                   incident=IncidentClass.SERIOUS, note="委員会へ報告"), assigned, by="officer-2")
    assert (resolved.seq, resolved.status, resolved.assignee, resolved.resolution, resolved.incident) == (
        3, AlertStatus.RESOLVED, "officer-2", Resolution.TRUE_POSITIVE, IncidentClass.SERIOUS)
    assert (resolved.rule_id, resolved.severity, resolved.by) == ("DR-23", Severity.HIGH, "officer-2")
    reopened = _step(TriageRequest(action=TriageAction.REOPEN, note="再調査"), resolved)
    assert (reopened.seq, reopened.status, reopened.resolution, reopened.incident) == (
        4, AlertStatus.OPEN, None, None)
    # Earlier entries are values: a later step never changes them.
    assert acknowledged.assignee == "officer-1" and assigned.status is AlertStatus.ACKNOWLEDGED


def test_acknowledging_an_assigned_alert_keeps_its_assignee() -> None:
    assigned = _step(TriageRequest(action=TriageAction.ASSIGN, assignee="officer-2"), None)
    assert assigned.status is AlertStatus.OPEN
    assert _step(TriageRequest(action=TriageAction.ACKNOWLEDGE), assigned).assignee == "officer-2"


def test_a_stale_expected_seq_is_refused() -> None:
    acknowledged = _in_state(AlertStatus.ACKNOWLEDGED)
    assert _step(TriageRequest(action=TriageAction.NOTE, note="x", expected_seq=1), acknowledged).seq == 2
    for stale in (0, 2):
        with pytest.raises(TriageError, match="changed since you loaded it"):
            _step(TriageRequest(action=TriageAction.NOTE, note="x", expected_seq=stale), acknowledged)
    with pytest.raises(TriageError):
        _step(TriageRequest(action=TriageAction.ACKNOWLEDGE, expected_seq=1), None)


@pytest.mark.parametrize(("data", "message"), [
    ({"action": "resolve"}, "resolve needs a resolution"),
    ({"action": "acknowledge", "resolution": "benign"}, "only with the resolve action"),
    ({"action": "note", "incident": "incident"}, "only with the resolve action"),
    ({"action": "resolve", "resolution": "benign", "incident": "serious"}, "only a true_positive"),
    ({"action": "assign"}, "assign needs an assignee"),
    ({"action": "note", "note": "   "}, "non-empty note"),
    ({"action": "close"}, "action"),
    ({"action": "acknowledge", "expected_seq": -1}, "greater than or equal to 0"),
    ({"action": "acknowledge", "note": "x" * 4001}, "at most 4000"),
    ({"action": "acknowledge", "by": "someone-else"}, "Extra inputs"),
])
def test_inconsistent_requests_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        TriageRequest.model_validate(data)


def test_incident_none_is_allowed_with_any_resolution() -> None:
    entry = _step(TriageRequest(action=TriageAction.RESOLVE, resolution=Resolution.FALSE_POSITIVE,
                                incident=IncidentClass.NONE), _in_state(AlertStatus.ACKNOWLEDGED))
    assert entry.incident is IncidentClass.NONE


def test_entries_are_immutable() -> None:
    entry = _step(TriageRequest(action=TriageAction.ACKNOWLEDGE), None)
    with pytest.raises(ValidationError):
        entry.status = AlertStatus.RESOLVED  # type: ignore[misc]
