"""The faust app: topics, the state table and the thin agents, all Kafka names in one place.

Two key families run the pure engine: `actor` on the events topic as ingest keyed it (tenant|staff member), and
`request` on an internal topic re-keyed by tenant|request_id, so an export's request, approval and execution meet
in one partition whatever their actors.

Event time on the re-keyed topic: its records come from every events partition, each at its own pace (a backfill
can put hours of event time between two partitions). So the request engines do not trust their own newest event:
every events partition sends a watermark mark to every request partition, and a request engine releases events
only up to the slowest live source's mark minus the lateness (the per-input minimum of Flink and Beam).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import faust
from faust.types import TP
from pydantic import ValidationError

from kansa_detector.adapters.faust_store import APPLIED_KEY, ChangelogWriter, FaustStateStore, FlushBeforeCommit
from kansa_detector.engine import Engine, ReferenceProvider, partition_value
from kansa_detector.metrics import (
    ALERTS_RAISED,
    EVENTS_CONSUMED,
    INVALID_EVENTS,
    PENDING_PARTITIONS,
    PROCESSING_SECONDS,
    REDELIVERED,
)
from kansa_detector.rule_feed import RuleFeedMonitor
from kansa_detector.settings import DetectorSettings
from kansa_schemas.alert import Alert
from kansa_schemas.events import EVENT_ADAPTER, Event
from kansa_schemas.rule import Catalogue

log = logging.getLogger(__name__)
MARK_KEY = b"~watermark"
# Request engines release only on marks, never on their own newest event.
NEVER_BY_ITSELF = dt.timedelta(days=36500)
MARK_HEARTBEAT_S = 10.0
SOURCE_HEADER = "kansa-source"


class EngineSlot:
    """One engine per key family and partition, with what the watermark logic needs."""

    def __init__(self, engine: Engine, store: FaustStateStore) -> None:
        self.engine = engine
        self.store = store
        self.last_arrival = time.monotonic()
        self.max_event_time: dt.datetime | None = None
        # Request slots: source events partition -> (newest event time it forwarded, is it idle).
        self.marks: dict[int, tuple[dt.datetime | None, bool]] = {}
        # Actor slots: the last mark sent, and when, so an idle stream is not kept busy by marks.
        self.last_mark: tuple[str | None, bool] | None = None
        self.last_mark_at = 0.0
        # Actor slots: the offset after the last record handled, to tell a quiet partition from a lagging one.
        self.next_offset: int | None = None

    @property
    def applied_offset(self) -> int:
        """The source offset whose effects are the last ones in the changelog. Records up to it are skipped when
        redelivered after a crash, so an event is never applied twice (Kafka Streams' changelog-offset idea)."""
        applied = self.store.get(APPLIED_KEY)
        return int(applied["offset"]) if applied else -1


def caught_up(slot: EngineSlot, highwater: int | None) -> bool:
    """Nothing unread in the slot's partition. Quiet alone is not idle: a busy worker can leave a backlogged
    partition unfetched for longer than the lateness, and calling that idle would let request engines pass events
    still waiting there (an approval judged missing because it had not been read yet)."""
    handled = slot.next_offset if slot.next_offset is not None else slot.applied_offset + 1
    return highwater is None or handled >= highwater


class DetectorApp:
    def __init__(
        self, settings: DetectorSettings, catalogue: Catalogue, reference: ReferenceProvider,
        tenants: Iterable[str] = (),
    ) -> None:
        self.settings = settings
        self.feeds = RuleFeedMonitor(catalogue, tenants, missing_after_s=settings.source_missing_after_s)
        self.catalogue = catalogue
        self.reference = reference
        self.lateness = dt.timedelta(seconds=settings.lateness_s)
        self.request_rules = bool(catalogue.for_partition("request"))
        kafka = settings.kafka
        self.partitions = kafka.partitions
        self.app = faust.App(
            settings.app_id,
            broker=f"kafka://{kafka.bootstrap}",
            store="memory://",
            topic_partitions=kafka.partitions,
            topic_replication_factor=kafka.replication_factor,
            web_enabled=False,
            producer_acks=-1,
            consumer_auto_offset_reset="earliest",
            # A crashed worker's partitions move after 10 s instead of a minute.
            broker_session_timeout=10.0,
            broker_heartbeat_interval=3.0,
            key_serializer="raw",
            value_serializer="raw",
        )
        self.events_topic = self.app.topic(kafka.events_topic, key_type=bytes, value_type=bytes,
                                           partitions=kafka.partitions)
        self.by_request_topic = self.app.topic(f"{settings.app_id}-by-request", key_type=bytes, value_type=bytes,
                                               partitions=kafka.partitions, internal=True)
        self.alerts_topic = self.app.topic(kafka.alerts_topic, key_type=bytes, value_type=bytes)
        self.dead_letter_topic = self.app.topic(kafka.dead_letter_topic, key_type=bytes, value_type=bytes)
        self.state = self.app.Table("engine-state", default=None, partitions=kafka.partitions)
        self.changelog = ChangelogWriter(self.state)
        self.app.sensors.add(FlushBeforeCommit(self.changelog))
        self.slots: dict[tuple[str, int], EngineSlot] = {}
        self.app.agent(self.events_topic, name="actor-rules")(self._actor_agent)
        self.app.agent(self.by_request_topic, name="request-rules")(self._request_agent)
        self.app.timer(interval=0.5)(self._tick)

    def slot(self, family: str, partition: int) -> EngineSlot:
        found = self.slots.get((family, partition))
        if found is None:
            store = FaustStateStore(self.changelog, partition, prefix=family)
            lateness = self.lateness if family == "actor" else NEVER_BY_ITSELF
            engine = Engine(self.catalogue, self.reference, store, lateness=lateness, partition=family)
            found = self.slots[(family, partition)] = EngineSlot(engine, store)
        return found

    def _first_time(self, family: str, message: Any) -> bool:
        slot = self.slot(family, message.partition)
        if message.offset <= slot.applied_offset:
            REDELIVERED.labels(family).inc()
            return False
        return True

    def _applied(self, family: str, message: Any) -> None:
        slot = self.slot(family, message.partition)
        slot.store.put(APPLIED_KEY, {"offset": message.offset})
        slot.next_offset = message.offset + 1

    def _first_forward(self, partition: int, headers: Any) -> bool:
        """Forwards from one events partition arrive in its offset order, so one number per source partition
        tells a copy re-forwarded by a restarted actor agent from a new record."""
        raw = dict(headers or {}).get(SOURCE_HEADER)
        if raw is None:
            return True
        source_partition, source_offset = (int(x) for x in bytes(raw).decode().split(":"))
        store = self.slot("request", partition).store
        seen = store.get(f"~source|{source_partition}")
        if seen is not None and source_offset <= int(seen["offset"]):
            REDELIVERED.labels("forwarded").inc()
            return False
        store.put(f"~source|{source_partition}", {"offset": source_offset})
        return True

    async def _actor_agent(self, stream: Any) -> AsyncIterator[None]:
        async for event in stream.events():
            if self._first_time("actor", event.message):
                parsed = await self._parse(event.value)
                if parsed is not None:
                    await self._evaluate("actor", event.message.partition, parsed, event.message.timestamp)
                    request_key = partition_value("request", parsed) if self.request_rules else None
                    if request_key is not None:
                        # Exports without a request id all meet under "" so DR-32 sees them, as replay does.
                        # The source position lets the request side drop a copy re-forwarded after a crash.
                        source = f"{event.message.partition}:{event.message.offset}".encode()
                        await self.by_request_topic.send(key=f"{parsed.tenant}|{request_key}".encode(),
                                                         value=event.value, headers={SOURCE_HEADER: source})
                self._applied("actor", event.message)
            yield None

    async def _request_agent(self, stream: Any) -> AsyncIterator[None]:
        async for event in stream.events():
            if self._first_time("request", event.message):
                if event.key == MARK_KEY:
                    await self._on_mark(event.message.partition, json.loads(event.value))
                elif self._first_forward(event.message.partition, event.headers):
                    parsed = await self._parse(event.value)
                    if parsed is not None:
                        await self._evaluate("request", event.message.partition, parsed, event.message.timestamp)
                self._applied("request", event.message)
            yield None

    async def _parse(self, raw: bytes) -> Event | None:
        try:
            return EVENT_ADAPTER.validate_json(raw)
        except ValidationError as exc:
            # Ingest validates everything, so this is a producer bypassing it: keep the record, say why.
            INVALID_EVENTS.inc()
            await self.dead_letter_topic.send(value=raw, headers=[("kansa-error", f"detector: {exc}".encode())])
            return None

    async def _evaluate(self, family: str, partition: int, event: Event, kafka_timestamp_s: float) -> None:
        EVENTS_CONSUMED.labels(family).inc()
        slot = self.slot(family, partition)
        slot.last_arrival = time.monotonic()
        if slot.max_event_time is None or event.occurred_at > slot.max_event_time:
            slot.max_event_time = event.occurred_at
        await self._publish(slot.engine.process(event))
        PROCESSING_SECONDS.observe(max(0.0, time.time() - kafka_timestamp_s))

    async def _on_mark(self, partition: int, mark: dict[str, Any]) -> None:
        slot = self.slot("request", partition)
        newest = dt.datetime.fromisoformat(mark["max"]) if mark["max"] else None
        slot.marks[int(mark["source"])] = (newest, bool(mark["idle"]) or newest is None)
        if len(slot.marks) < self.partitions:
            return  # a source partition has not reported yet: nothing is safe to release
        live = [at for at, idle in slot.marks.values() if at is not None and not idle]
        seen = [at for at, _ in slot.marks.values() if at is not None]
        if live:
            await self._publish(slot.engine.advance(min(live) - self.lateness))
        elif seen:
            # Every source is idle: everything they forwarded has arrived.
            await self._publish(slot.engine.advance(max(seen)))

    async def _tick(self) -> None:
        """Release what is final: an idle actor partition flushes its buffer, and every actor partition tells
        every request partition how far its event time has got. After a restart the buffers come back from the
        changelog, so every assigned partition gets its engine even before a new event arrives."""
        if self.app.rebalancing or self.app.in_recovery:
            return  # the table is being rebuilt: nothing in it is final yet
        for tp in self.app.consumer.assignment():
            family = {self.events_topic.get_topic_name(): "actor",
                      self.by_request_topic.get_topic_name(): "request"}.get(tp.topic)
            if family is not None:
                self.slot(family, tp.partition)
        now = time.monotonic()
        events_topic = self.events_topic.get_topic_name()
        for (family, partition), slot in list(self.slots.items()):
            if family != "actor":
                continue
            idle = now - slot.last_arrival >= self.settings.lateness_s and self._caught_up(
                TP(events_topic, partition), slot)
            if idle and slot.engine.buffered:
                await self._publish(slot.engine.flush())
            newest = slot.max_event_time.isoformat() if slot.max_event_time else None
            # Marks go out when they say something new, and as a heartbeat for request partitions that were
            # just (re)assigned and have not heard from every source yet.
            if self.request_rules and ((newest, idle) != slot.last_mark or now - slot.last_mark_at >= MARK_HEARTBEAT_S):
                slot.last_mark, slot.last_mark_at = (newest, idle), now
                mark = json.dumps({"source": partition, "max": newest, "idle": idle})
                for target in range(self.partitions):
                    await self.by_request_topic.send(key=MARK_KEY, value=mark.encode(), partition=target)
        PENDING_PARTITIONS.set(sum(1 for s in self.slots.values() if s.engine.buffered))
        for slot in self.slots.values():
            self.feeds.drain(slot.engine)
        self.feeds.missing()

    def _caught_up(self, tp: TP, slot: EngineSlot) -> bool:
        try:
            highwater = self.app.consumer.highwater(tp)
        except Exception:  # not assigned (any more), or no fetch yet: nothing known to be unread
            return True
        return caught_up(slot, highwater)

    async def _publish(self, alerts: list[Alert]) -> None:
        for alert in alerts:
            ALERTS_RAISED.labels(alert.rule_id, alert.severity.value).inc()
            await self.alerts_topic.send(key=f"{alert.tenant}|{alert.actor_id}".encode(),
                                         value=alert.model_dump_json().encode())
