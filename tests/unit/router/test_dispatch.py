"""Routing decisions without Kafka: immediate, retried, digested, rate-limited, dead-lettered; never twice."""

from __future__ import annotations

import datetime as dt

import pytest

from kansa_detector.router.config import TenantRoutes
from kansa_detector.router.dispatch import Backoff, Dispatcher, Mark, Queued, Why
from kansa_detector.router.message import Notification
from kansa_detector.router.senders import DeliveryFailed
from kansa_schemas.alert import Alert, LocalisedText, Severity

TENANT = "141003"
T0 = dt.datetime(2026, 10, 5, 1, 0, tzinfo=dt.UTC)
BACKOFF = Backoff(dt.timedelta(seconds=1), dt.timedelta(seconds=8), max_attempts=4)


def alert(n: int, severity: Severity = Severity.HIGH, rule: str = "DR-32", count: int = 1) -> Alert:
    return Alert(
        alert_id=f"al_{n:04d}", tenant=TENANT, rule_id=rule, rule_version=1, severity=severity,
        title=LocalisedText(ja="上長承認のない書き出し", en="Export without approval"),
        action=LocalisedText(ja="追跡する", en="Trace it"), assessment_refs=("000 L341",), actor_id="s001",
        occurred_at=T0, key=f"{TENANT}|R{n}", event_ids=(f"ev-{n}",), count=count, reference_version="v1",
    )


class Journal:
    """Keeps what the service would write to Kafka; queued items are fed back as the outbox would."""

    def __init__(self) -> None:
        self.queued: list[Queued] = []
        self.marks: dict[str, Mark] = {}
        self.dead_letters: list[tuple[Queued, str]] = []

    def queue(self, item: Queued) -> None:
        self.queued.append(item)

    def mark(self, key: str, mark: Mark) -> None:
        self.marks[key] = mark

    def dead(self, item: Queued, error: str) -> None:
        self.dead_letters.append((item, error))


class Receiver:
    def __init__(self, failures: int = 0, retry: bool = True) -> None:
        self.failures = failures
        self.retry = retry
        self.got: list[Notification] = []
        self.attempts = 0

    def __call__(self, note: Notification) -> None:
        self.attempts += 1
        if self.failures > 0:
            self.failures -= 1
            raise DeliveryFailed("HTTP 503 down for maintenance", retry=self.retry)
        self.got.append(note)


def routes(**route: object) -> dict[str, TenantRoutes]:
    base = {"name": "soc", "channel": "chat", "url": "http://127.0.0.1:1/hook"}
    return {TENANT: TenantRoutes.model_validate({"routes": [{**base, **route}]})}


def feed_back(dispatcher: Dispatcher, journal: Journal) -> None:
    """The outbox round trip: what was queued comes back as outbox records."""
    queued, journal.queued = journal.queued, []
    for offset, item in enumerate(queued):
        dispatcher.on_queued(item, token=("outbox-0", offset))


def test_delivered_at_once_and_a_suppression_update_is_not_sent_again() -> None:
    journal, receiver = Journal(), Receiver()
    dispatcher = Dispatcher(routes(), receiver, journal, BACKOFF)
    dispatcher.on_alert(alert(1), T0)
    dispatcher.on_alert(alert(1, count=2), T0)  # the detector folded a duplicate into the same alert
    assert [n.idempotency_key for n in receiver.got] == ["al_0001"]
    assert journal.marks == {f"{TENANT}|soc|al_0001": Mark.DELIVERED}


def test_a_restarted_router_skips_what_its_markers_say_was_delivered() -> None:
    receiver = Receiver()
    dispatcher = Dispatcher(routes(), receiver, Journal(), BACKOFF, {f"{TENANT}|soc|al_0001": Mark.DELIVERED})
    dispatcher.on_alert(alert(1), T0)
    assert receiver.got == []


def test_failures_are_retried_with_backoff_until_delivered() -> None:
    journal, receiver = Journal(), Receiver(failures=2)
    dispatcher = Dispatcher(routes(), receiver, journal, BACKOFF)
    dispatcher.on_alert(alert(1), T0)
    assert [(q.why, q.attempt, q.not_before - T0) for q in journal.queued] == [(Why.RETRY, 1, dt.timedelta(seconds=1))]
    feed_back(dispatcher, journal)
    dispatcher.run_due(T0 + dt.timedelta(milliseconds=999))
    assert receiver.attempts == 1  # not due yet
    dispatcher.run_due(T0 + dt.timedelta(seconds=1))
    assert [(q.attempt, q.not_before - T0) for q in journal.queued] == [(2, dt.timedelta(seconds=3))]
    assert dispatcher.done_tokens() == [("outbox-0", 0)]  # the first record is settled by its replacement
    feed_back(dispatcher, journal)
    dispatcher.run_due(T0 + dt.timedelta(seconds=3))
    assert [n.idempotency_key for n in receiver.got] == ["al_0001"]
    assert journal.marks[f"{TENANT}|soc|al_0001"] is Mark.DELIVERED
    assert dispatcher.next_due() is None


def test_gives_up_after_max_attempts_into_the_dead_letter() -> None:
    journal, receiver = Journal(), Receiver(failures=99)
    dispatcher = Dispatcher(routes(), receiver, journal, BACKOFF)
    dispatcher.on_alert(alert(1), T0)
    now = T0
    while journal.queued:
        feed_back(dispatcher, journal)
        due = dispatcher.next_due()
        assert due is not None
        now = due
        dispatcher.run_due(now)
    assert receiver.attempts == BACKOFF.max_attempts
    assert [(item.attempt, error) for item, error in journal.dead_letters] == [(4, "HTTP 503 down for maintenance")]
    assert journal.marks[f"{TENANT}|soc|al_0001"] is Mark.DEAD


def test_a_permanent_refusal_is_not_retried() -> None:
    journal = Journal()
    dispatcher = Dispatcher(routes(), Receiver(failures=1, retry=False), journal, BACKOFF)
    dispatcher.on_alert(alert(1), T0)
    assert journal.queued == [] and len(journal.dead_letters) == 1


def test_digest_collects_low_and_medium_into_one_message_and_critical_bypasses_it() -> None:
    journal, receiver = Journal(), Receiver()
    dispatcher = Dispatcher(routes(digest={"severities": ["low", "medium"], "every": "PT1H"}), receiver, journal,
                            BACKOFF)
    for n in range(3):
        dispatcher.on_alert(alert(n, Severity.MEDIUM), T0 + dt.timedelta(minutes=n))
    dispatcher.on_alert(alert(9, Severity.CRITICAL), T0 + dt.timedelta(minutes=5))
    assert [n.alerts[0].alert_id for n in receiver.got] == ["al_0009"]  # at once
    assert {q.not_before for q in journal.queued} == {T0 + dt.timedelta(hours=1)}  # the hour closes at 02:00
    feed_back(dispatcher, journal)
    dispatcher.run_due(T0 + dt.timedelta(hours=1))
    assert len(receiver.got) == 2
    summary = receiver.got[1]
    assert summary.is_digest and len(summary.alerts) == 3 and summary.idempotency_key.startswith("dg_")


def test_rate_limit_defers_what_is_over_and_never_holds_critical() -> None:
    journal, receiver = Journal(), Receiver()
    dispatcher = Dispatcher(routes(rate_limit={"max": 2, "per": "PT1M"}), receiver, journal, BACKOFF)
    for n in range(3):
        dispatcher.on_alert(alert(n), T0)
    dispatcher.on_alert(alert(9, Severity.CRITICAL), T0)
    assert [n.alerts[0].alert_id for n in receiver.got] == ["al_0000", "al_0001", "al_0009"]
    assert [(q.why, q.not_before - T0) for q in journal.queued] == [(Why.RATE, dt.timedelta(minutes=1))]
    feed_back(dispatcher, journal)
    dispatcher.run_due(T0 + dt.timedelta(minutes=1))
    assert receiver.got[-1].alerts[0].alert_id == "al_0002"


@pytest.mark.parametrize(("route", "rule", "severity", "sent"), [
    ({"min_severity": "high"}, "DR-32", Severity.MEDIUM, False),
    ({"min_severity": "high"}, "DR-32", Severity.CRITICAL, True),
    ({"rules": ["DR-3?"]}, "DR-32", Severity.LOW, True),
    ({"rules": ["DR-3?"]}, "DR-24", Severity.HIGH, False),
])
def test_route_filters(route: dict[str, object], rule: str, severity: Severity, sent: bool) -> None:
    receiver = Receiver()
    Dispatcher(routes(**route), receiver, Journal(), BACKOFF).on_alert(alert(1, severity, rule), T0)
    assert bool(receiver.got) is sent


def test_a_copy_of_an_outbox_record_read_again_after_delivery_is_settled_not_sent() -> None:
    journal, receiver = Journal(), Receiver(failures=1)
    dispatcher = Dispatcher(routes(), receiver, journal, BACKOFF)
    dispatcher.on_alert(alert(1), T0)
    stale = journal.queued[0]
    feed_back(dispatcher, journal)
    dispatcher.run_due(T0 + dt.timedelta(seconds=1))
    dispatcher.done_tokens()
    dispatcher.on_queued(stale, token=("outbox-0", 7))  # re-read after a crash before its commit
    dispatcher.run_due(T0 + dt.timedelta(seconds=5))
    assert len(receiver.got) == 1
    assert dispatcher.done_tokens() == [("outbox-0", 7)]
