"""Every search, view, export and triage step, and every refused request, becomes an `AuditEvent` on the events
topic, so officers' own work is indexed, searchable and counted like any other access.

The record is sent and acknowledged before the answer leaves the API: if Kafka cannot take it, the officer gets a
503 and no data (an unaudited search would be a hole in the very log the officer is reading).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from typing import Any, Protocol

from kafka import KafkaProducer

from kansa_schemas import topics
from kansa_schemas.envelope import Actor
from kansa_schemas.events import ACTION_FAMILIES
from kansa_schemas.events.audit import AuditAction, AuditEvent

log = logging.getLogger(__name__)
SOURCE_SYSTEM = "kansa-investigate"
_QUERY_LIMIT = 4000  # AuditEvent.query's max_length
_TRUNCATED = "…(truncated)"


class AuditUnavailable(RuntimeError):
    """Kafka did not acknowledge the audit record."""


class AuditSink(Protocol):
    def record(self, event: AuditEvent) -> None: ...


def canonical_query(query: dict[str, Any]) -> str:
    """The request as one stable JSON string, cut to what an audit event holds."""
    text = json.dumps(query, ensure_ascii=False, sort_keys=True, default=str)
    if len(text) <= _QUERY_LIMIT:
        return text
    # The marker counts too: the cut text must still fit AuditEvent.query (max_length), or the request fails.
    return text[:_QUERY_LIMIT - len(_TRUNCATED)] + _TRUNCATED


def audit_event(*, tenant: str, user_id: str, role: str, action: AuditAction, endpoint: str,
                query: dict[str, Any], result_count: int, http_status: int, target_ref: str | None = None,
                export_format: str | None = None) -> AuditEvent:
    return AuditEvent.model_validate({
        "event_id": f"aud_{uuid.uuid4().hex}", "occurred_at": dt.datetime.now(dt.UTC), "tenant": tenant,
        "source_system": SOURCE_SYSTEM, "actor": Actor(id=user_id), "action": action,
        "outcome": "success" if http_status < 400 else "denied", "endpoint": endpoint,
        "query": canonical_query(query), "result_count": result_count, "http_status": http_status,
        "role": role, "target_ref": target_ref, "export_format": export_format,
    })


class KafkaAuditSink:
    def __init__(self, bootstrap: str, topic: str, timeout_s: float) -> None:
        self._topic = topic
        self._timeout_s = timeout_s
        self._producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True,
                                       linger_ms=0, client_id="kansa-investigate-audit")

    def record(self, event: AuditEvent) -> None:
        future = self._producer.send(
            self._topic, key=topics.event_key(event.tenant, event.partition_subject),
            value=event.model_dump_json(exclude_none=True).encode(),
            headers=[("kansa-family", ACTION_FAMILIES[event.action].encode())])
        try:
            future.get(timeout=self._timeout_s)
        except Exception as exc:
            log.error("audit record %s not acknowledged by Kafka: %s", event.event_id, exc)
            raise AuditUnavailable("the audit log is unavailable, so the request was not served; "
                                   "try again when Kafka is reachable") from exc

    def close(self) -> None:
        self._producer.close(timeout=self._timeout_s)
