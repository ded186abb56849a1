"""Index events and alerts into Elasticsearch; Kafka offsets are committed only after Elasticsearch acknowledged.

Document ids are event ids and alert ids, so a replay or a restart after a crash overwrites instead of duplicating.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch import TransportError as EsTransportError
from kafka import KafkaConsumer, KafkaProducer
from kafka.structs import OffsetAndMetadata, TopicPartition
from pydantic import ValidationError

from kansa_detector.metrics import BULK_ERRORS, BULK_SECONDS, INDEXED
from kansa_detector.settings import DetectorSettings
from kansa_schemas import indices
from kansa_schemas.alert import Alert
from kansa_schemas.events import ACTION_FAMILIES, EVENT_ADAPTER

log = logging.getLogger(__name__)
RETRYABLE_STATUSES = {429, 502, 503, 504}


@dataclass(frozen=True)
class Rejected:
    topic: str
    raw: bytes
    reason: str


def install_templates(es: Elasticsearch, replicas: int) -> None:
    for name, body in indices.index_templates(replicas).items():
        es.indices.put_index_template(name=name, **body)


def to_action(topic: str, raw: bytes, events_topic: str, now: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """The bulk header and document for one Kafka record; raises ValueError / ValidationError when invalid."""
    if topic == events_topic:
        event = EVENT_ADAPTER.validate_json(raw)
        doc = indices.event_document(event.model_dump(mode="json"), ACTION_FAMILIES[event.action])
        doc["event"]["ingested"] = now
        index = indices.events_index(event.tenant, event.occurred_at)
        return {"index": {"_index": index, "_id": event.event_id}}, doc
    alert = Alert.model_validate_json(raw)
    doc = indices.alert_document(alert.model_dump(mode="json"), detected_at=now)
    return {"index": {"_index": indices.alerts_index(alert.tenant, alert.occurred_at), "_id": alert.alert_id}}, doc


class Indexer:
    """A kafka-python consumer loop: poll, bulk index, dead-letter what Elasticsearch refuses, then commit."""

    def __init__(self, settings: DetectorSettings, es: Elasticsearch, group_id: str | None = None) -> None:
        self._settings = settings
        self._es = es
        self._consumer = KafkaConsumer(
            settings.kafka.events_topic, settings.kafka.alerts_topic,
            bootstrap_servers=settings.kafka.bootstrap,
            group_id=group_id or settings.indexer_group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=settings.elasticsearch.bulk_max_records,
            client_id="kansa-indexer",
        )
        self._dead_letters = KafkaProducer(bootstrap_servers=settings.kafka.bootstrap, acks="all",
                                           client_id="kansa-indexer-dlq")
        self._running = True

    def stop(self) -> None:
        self._running = False

    def run(self, until: Callable[[], bool] | None = None) -> None:
        install_templates(self._es, self._settings.elasticsearch.replicas)
        while self._running and not (until and until()):
            self.poll_once()
        self.close()

    def poll_once(self, timeout_ms: int = 500) -> int:
        batch = self._consumer.poll(timeout_ms=timeout_ms)
        records = [(tp, record) for tp, items in batch.items() for record in items]
        if not records:
            return 0
        self._index_until_acknowledged([(tp.topic, record.value) for tp, record in records])
        offsets = {}
        for tp, record in records:
            offsets[TopicPartition(tp.topic, tp.partition)] = OffsetAndMetadata(record.offset + 1, "", -1)
        self._consumer.commit(offsets)
        return len(records)

    def _index_until_acknowledged(self, records: list[tuple[str, bytes]]) -> None:
        now = dt.datetime.now(dt.UTC).isoformat()
        operations: list[dict[str, Any]] = []
        sources: list[tuple[str, bytes]] = []
        rejected: list[Rejected] = []
        for topic, raw in records:
            try:
                header, doc = to_action(topic, raw, self._settings.kafka.events_topic, now)
            except (ValidationError, ValueError) as exc:
                rejected.append(Rejected(topic, raw, f"not a valid record: {exc}"))
                continue
            operations += [header, doc]
            sources.append((topic, raw))
        delay = 0.5
        while operations:
            started = time.perf_counter()
            try:
                response = self._es.options(request_timeout=self._settings.elasticsearch.request_timeout_s).bulk(
                    operations=operations)
            except (EsTransportError, ConnectionError) as exc:
                # Elasticsearch unreachable: keep the batch (offsets stay uncommitted) and try again.
                log.warning("bulk request failed (%s); retrying in %.1fs", exc, delay)
                time.sleep(delay)
                delay = min(delay * 2, 30)
                continue
            BULK_SECONDS.observe(time.perf_counter() - started)
            retry_ops: list[dict[str, Any]] = []
            retry_sources: list[tuple[str, bytes]] = []
            for position, item in enumerate(response["items"]):
                result = item["index"]
                topic, raw = sources[position]
                kind = "event" if topic == self._settings.kafka.events_topic else "alert"
                status = int(result.get("status", 500))
                if status < 300:
                    INDEXED.labels(kind).inc()
                elif status in RETRYABLE_STATUSES:
                    retry_ops += operations[2 * position: 2 * position + 2]
                    retry_sources.append((topic, raw))
                else:
                    reason = json.dumps(result.get("error"), ensure_ascii=False)
                    BULK_ERRORS.labels(kind, str(result.get("error", {}).get("type", status))).inc()
                    rejected.append(Rejected(topic, raw, f"elasticsearch refused the document: {reason}"))
            operations, sources = retry_ops, retry_sources
            if operations:
                time.sleep(delay)
                delay = min(delay * 2, 30)
        self._dead_letter(rejected)

    def _dead_letter(self, rejected: list[Rejected]) -> None:
        futures = [
            self._dead_letters.send(
                self._settings.kafka.dead_letter_topic, value=item.raw,
                headers=[("kansa-error", json.dumps({"stage": "indexer", "topic": item.topic,
                                                     "reason": item.reason}, ensure_ascii=False).encode())],
            )
            for item in rejected
        ]
        for future in futures:
            future.get(timeout=30)  # must be durable before the offsets move on

    def close(self) -> None:
        self._consumer.close()
        self._dead_letters.close()
