"""The one place ingest talks to Kafka (kafka-python). `send_many` returns only once the broker has answered."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from kafka import KafkaProducer

from kansa_ingest.metrics import EVENTS_PUBLISHED
from kansa_ingest.settings import KafkaSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutRecord:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class KafkaPublisher:
    def __init__(self, settings: KafkaSettings) -> None:
        self._settings = settings
        self._producer = KafkaProducer(
            bootstrap_servers=settings.bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            max_request_size=2 * 1024 * 1024,
            client_id="kansa-ingest",
        )

    def send_many(self, records: list[OutRecord]) -> list[Exception | None]:
        """Send all, then wait for each acknowledgement: None where the broker has the record, else the error."""
        futures = [
            self._producer.send(r.topic, key=r.key, value=r.value, headers=r.headers) for r in records
        ]
        self._producer.flush(timeout=self._settings.send_timeout_s)
        outcomes: list[Exception | None] = []
        for record, future in zip(records, futures, strict=True):
            try:
                future.get(timeout=self._settings.send_timeout_s)
            except Exception as exc:  # any failure means "not accepted"
                log.warning("kafka did not acknowledge a record for %s: %s", record.topic, exc)
                outcomes.append(exc)
            else:
                EVENTS_PUBLISHED.labels(record.topic).inc()
                outcomes.append(None)
        return outcomes

    def close(self) -> None:
        self._producer.close(timeout=self._settings.send_timeout_s)
