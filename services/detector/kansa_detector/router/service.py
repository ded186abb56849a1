"""`kansa router run`: the Kafka side of routing.

One consumer group reads the alerts topic and the router's outbox. Per poll: alerts are dispatched (delivered at
once, or queued to the outbox), outbox records wait in memory until due, then the producer is flushed (queued
items, markers and dead letters acknowledged by every in-sync replica) and only then are offsets committed. An
outbox offset is committed only past records that are settled, so a crash re-reads what was still waiting, and
the markers (read back at start) turn anything already delivered into a no-op.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from kafka import ConsumerRebalanceListener, KafkaConsumer, KafkaProducer
from kafka.structs import OffsetAndMetadata, TopicPartition
from pydantic import BaseModel, ValidationError

from kansa_detector.metrics import ROUTER_DEAD
from kansa_detector.router.config import TenantRoutes
from kansa_detector.router.dispatch import Backoff, Dispatcher, Mark, Queued
from kansa_detector.router.message import Notification
from kansa_detector.router.settings import RouterSettings
from kansa_schemas.alert import Alert
from kansa_schemas.topics import ensure_topics

log = logging.getLogger(__name__)
MAX_WAIT_MS = 500


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class DeadLetter(BaseModel):
    item: Queued | None
    raw: str | None = None
    error: str


class KafkaJournal:
    def __init__(self, producer: KafkaProducer, settings: RouterSettings) -> None:
        self._producer = producer
        self._settings = settings

    def queue(self, item: Queued) -> None:
        self._producer.send(self._settings.router_outbox_topic, key=item.key.encode(),
                            value=item.model_dump_json().encode())

    def mark(self, key: str, mark: Mark) -> None:
        self._producer.send(self._settings.router_marks_topic, key=key.encode(), value=mark.value.encode())

    def dead(self, item: Queued, error: str) -> None:
        letter = DeadLetter(item=item, error=error)
        self._producer.send(self._settings.router_dead_topic, key=item.key.encode(),
                            value=letter.model_dump_json().encode())

    def dead_raw(self, raw: bytes, error: str) -> None:
        ROUTER_DEAD.labels("(unreadable)").inc()
        letter = DeadLetter(item=None, raw=raw.decode("utf-8", errors="replace"), error=error)
        self._producer.send(self._settings.router_dead_topic, value=letter.model_dump_json().encode())

    def flush(self) -> None:
        self._producer.flush(timeout=30)


def ensure_router_topics(settings: RouterSettings) -> None:
    kafka = settings.kafka
    ensure_topics(kafka.bootstrap, [kafka.alerts_topic, settings.router_outbox_topic, settings.router_dead_topic],
                  kafka.partitions, kafka.replication_factor)
    ensure_topics(kafka.bootstrap, [settings.router_marks_topic], kafka.partitions, kafka.replication_factor,
                  config={"cleanup.policy": "compact"})


def _read_all(settings: RouterSettings, topic: str) -> list[Any]:
    """Every record of a topic, from its start to its end as of now, oldest first."""
    consumer = KafkaConsumer(bootstrap_servers=settings.kafka.bootstrap, enable_auto_commit=False,
                             client_id="kansa-router-reader")
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not partitions:
            return []
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        end = consumer.end_offsets(partitions)
        records: list[Any] = []
        while any(consumer.position(tp) < end[tp] for tp in partitions):
            for batch in consumer.poll(timeout_ms=1000).values():
                records.extend(batch)
        return sorted(records, key=lambda r: (r.timestamp, r.partition, r.offset))
    finally:
        consumer.close()


def load_marks(settings: RouterSettings) -> dict[str, Mark]:
    """The latest marker per key (the topic is compacted; later records win)."""
    return {r.key.decode(): Mark(r.value.decode()) for r in _read_all(settings, settings.router_marks_topic)
            if r.key is not None and r.value is not None}


def read_dead_letters(settings: RouterSettings) -> list[DeadLetter]:
    return [DeadLetter.model_validate_json(r.value) for r in _read_all(settings, settings.router_dead_topic)]


class Router:
    def __init__(
        self,
        settings: RouterSettings,
        routes: dict[str, TenantRoutes],
        send: Callable[[Notification], None],
        clock: Callable[[], dt.datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self._clock = clock
        kafka = settings.kafka
        ensure_router_topics(settings)
        self._producer = KafkaProducer(bootstrap_servers=kafka.bootstrap, acks="all", linger_ms=5,
                                       client_id="kansa-router")
        self._journal = KafkaJournal(self._producer, settings)
        backoff = Backoff(dt.timedelta(seconds=settings.retry_first_s), dt.timedelta(seconds=settings.retry_cap_s),
                          settings.max_attempts)
        self.dispatcher = Dispatcher(routes, send, self._journal, backoff, load_marks(settings))
        self._consumer = KafkaConsumer(
            bootstrap_servers=kafka.bootstrap, group_id=settings.router_group, enable_auto_commit=False,
            auto_offset_reset="earliest", max_poll_records=500, client_id="kansa-router",
        )
        self._consumer.subscribe([kafka.alerts_topic, settings.router_outbox_topic], listener=_Revoked(self))
        self._alerts_done: dict[TopicPartition, int] = {}
        self._outbox_seen: dict[TopicPartition, int] = {}

    def run(self, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                self.step()
        finally:
            self._commit()
            self._consumer.close()
            self._producer.close()

    def step(self) -> None:
        due = self.dispatcher.next_due()
        wait = MAX_WAIT_MS if due is None else int((due - self._clock()).total_seconds() * 1000)
        batch = self._consumer.poll(timeout_ms=max(0, min(MAX_WAIT_MS, wait)))
        for tp, records in batch.items():
            for record in records:
                if tp.topic == self.settings.kafka.alerts_topic:
                    self._on_alert(record.value)
                    self._alerts_done[tp] = record.offset + 1
                else:
                    self._on_queued(tp, record.offset, record.value)
                    self._outbox_seen[tp] = record.offset + 1
        self.dispatcher.run_due(self._clock())
        self._commit()

    def _on_alert(self, raw: bytes) -> None:
        try:
            alert = Alert.model_validate_json(raw)
        except ValidationError as exc:
            log.error("alerts topic: not an alert (%d errors); moved to %s", exc.error_count(),
                      self.settings.router_dead_topic)
            self._journal.dead_raw(raw, f"not a valid alert: {exc}")
            return
        self.dispatcher.on_alert(alert, self._clock())

    def _on_queued(self, tp: TopicPartition, offset: int, raw: bytes) -> None:
        try:
            item = Queued.model_validate_json(raw)
        except ValidationError as exc:
            self._journal.dead_raw(raw, f"not a valid outbox record: {exc}")
            return
        self.dispatcher.on_queued(item, token=(tp, offset))

    def _commit(self) -> None:
        """Flush first: nothing is committed before what replaces it (queue, marker, dead letter) is durable."""
        self._journal.flush()
        waiting: dict[TopicPartition, int] = {}
        for tp, offset in self.dispatcher.pending_tokens():
            waiting[tp] = min(offset, waiting.get(tp, offset))
        self.dispatcher.done_tokens()
        offsets = {tp: OffsetAndMetadata(end, "", -1) for tp, end in self._alerts_done.items()}
        for tp, end in self._outbox_seen.items():
            offsets[tp] = OffsetAndMetadata(waiting.get(tp, end), "", -1)
        assigned = self._consumer.assignment()
        offsets = {tp: o for tp, o in offsets.items() if tp in assigned}
        if offsets:
            self._consumer.commit(offsets)
        self._alerts_done.clear()

    def revoked(self, partitions: list[TopicPartition]) -> None:
        """Another instance takes these over: settle what we can, forget the rest (it re-reads them)."""
        self._commit()
        gone = set(partitions)
        self.dispatcher.forget(lambda token: token[0] in gone)
        for tp in gone:
            self._outbox_seen.pop(tp, None)


class _Revoked(ConsumerRebalanceListener):  # type: ignore[misc]  # kafka-python has no type hints

    def __init__(self, router: Router) -> None:
        self._router = router

    def on_partitions_revoked(self, revoked: Any) -> None:
        self._router.revoked(list(revoked))

    def on_partitions_assigned(self, assigned: Any) -> None:
        return None
