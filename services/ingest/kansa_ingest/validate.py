"""Turn raw input into accepted events or dead-letter records, with an error per field a person can act on."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ValidationError

from kansa_ingest.metrics import BATCH_SECONDS, EVENTS_ACCEPTED, EVENTS_REJECTED, NUMBERS_MASKED
from kansa_ingest.publisher import OutRecord
from kansa_ingest.settings import IngestSettings, SourceCredential
from kansa_schemas import mynumber, topics
from kansa_schemas.events import ACTION_FAMILIES, EVENT_ADAPTER, partition_actor
from kansa_schemas.mynumber import mask_value


class FieldError(BaseModel):
    path: str
    message: str


class EventResult(BaseModel):
    index: int
    status: Literal["accepted", "rejected", "retry"]
    event_id: str | None = None
    errors: list[FieldError] = []


class BatchResult(BaseModel):
    accepted: int
    rejected: int
    retry: int
    results: list[EventResult]


class BodyError(Exception):
    """The request body as a whole cannot be split into events."""

    def __init__(self, status: int, path: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.error = FieldError(path=path, message=message)


class RecordSink(Protocol):
    def send_many(self, records: list[OutRecord]) -> list[Exception | None]: ...


def split_body(body: bytes, ndjson: bool, max_events: int) -> list[bytes]:
    """One raw item per event: NDJSON lines as sent, or the elements of a JSON array (or one JSON object)."""
    if ndjson:
        items = [line for line in body.splitlines() if line.strip()]
    else:
        try:
            parsed = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise BodyError(400, "$", f"body is not valid JSON ({exc}); send a JSON array of events or NDJSON "
                                      "with Content-Type: application/x-ndjson") from exc
        if isinstance(parsed, dict):
            parsed = [parsed]
        if not isinstance(parsed, list):
            raise BodyError(400, "$", f"body must be a JSON array of event objects, got {type(parsed).__name__}")
        items = [json.dumps(item, ensure_ascii=False).encode() for item in parsed]
    if not items:
        raise BodyError(400, "$", "the batch holds no events")
    if len(items) > max_events:
        raise BodyError(413, "$", f"batch has {len(items)} events, more than the limit of {max_events}; "
                                  "split it into smaller batches")
    return items


def _path(loc: tuple[int | str, ...], action: str | None) -> str:
    # Discriminated-union errors carry the tag as the first element; the sender only cares about its own fields.
    parts = list(loc)
    if parts and action is not None and parts[0] == action:
        parts = parts[1:]
    return ".".join(str(p) for p in parts) or "$"


def _describe(error: dict[str, Any], action: str | None) -> FieldError:
    if error["type"] == "union_tag_invalid":
        return FieldError(path="action", message=f"unknown action {action!r}; known actions are listed in "
                                                 "schemas/json/event.schema.json")
    if error["type"] == "union_tag_not_found":
        return FieldError(path="action", message="field required: every event needs an action")
    return FieldError(path=_path(tuple(error["loc"]), action), message=error["msg"])


class Ingestor:
    """Validate, mask and publish. Invalid input goes to the dead-letter topic with its (masked) original bytes."""

    def __init__(self, settings: IngestSettings, sink: RecordSink) -> None:
        self._settings = settings
        self._sink = sink

    def ingest(self, items: list[bytes], credential: SourceCredential) -> BatchResult:
        started = time.perf_counter()
        key = self._settings.tenant_key(credential.tenant)
        records: list[OutRecord] = []
        results: list[EventResult] = []
        for index, raw in enumerate(items):
            record, result = self._one(index, raw, credential, key)
            records.append(record)
            results.append(result)
        outcomes = self._sink.send_many(records)
        for result, record, failure in zip(results, records, outcomes, strict=True):
            if failure is None:
                continue
            # Not acknowledged: the sender must retry; nothing is reported accepted that the broker lacks.
            result.status = "retry"
            result.errors.append(FieldError(path="$", message=f"broker did not acknowledge ({failure}); retry "
                                                              f"this event (topic {record.topic})"))
        for result in results:
            if result.status == "accepted":
                EVENTS_ACCEPTED.labels(credential.source_systems[0] if credential.source_systems else "any").inc()
            elif result.status == "rejected":
                EVENTS_REJECTED.labels(result.errors[0].path if result.errors else "unknown").inc()
        BATCH_SECONDS.observe(time.perf_counter() - started)
        return BatchResult(
            accepted=sum(r.status == "accepted" for r in results),
            rejected=sum(r.status == "rejected" for r in results),
            retry=sum(r.status == "retry" for r in results),
            results=results,
        )

    def dead_letter_body(self, body: bytes, error: FieldError, credential: SourceCredential) -> None:
        """A body that could not be split at all still lands in the dead-letter topic, masked and bounded."""
        key = self._settings.tenant_key(credential.tenant)
        limit = self._settings.api.max_body_bytes
        masked = mynumber.mask_bytes(body[:limit], key)
        record = self._dead_letter(masked, [error], credential, truncated=len(body) > limit)
        failure = self._sink.send_many([record])[0]
        EVENTS_REJECTED.labels(error.path).inc()
        if failure is not None:
            raise RuntimeError(f"dead-letter topic did not acknowledge: {failure}")

    def _one(self, index: int, raw: bytes, credential: SourceCredential,
             key: bytes) -> tuple[OutRecord, EventResult]:
        try:
            data = json.loads(raw)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return self._reject(index, raw, [FieldError(path="$", message=f"not valid JSON: {exc}")], credential,
                                key)
        masked, replaced = mask_value(data, key)
        NUMBERS_MASKED.inc(replaced)
        action = masked.get("action") if isinstance(masked, dict) else None
        try:
            event = EVENT_ADAPTER.validate_python(masked)
        except ValidationError as exc:
            errors = [_describe(dict(e), action if isinstance(action, str) else None) for e in exc.errors()]
            event_id = masked.get("event_id") if isinstance(masked, dict) else None
            return self._reject(index, raw, errors, credential, key, str(event_id) if event_id else None)
        refusal = self._authorise(event.tenant, event.source_system, credential)
        if refusal is not None:
            return self._reject(index, raw, [refusal], credential, key, event.event_id)
        record = OutRecord(
            topic=self._settings.kafka.events_topic,
            key=topics.event_key(event.tenant, partition_actor(event)),
            value=event.model_dump_json(exclude_none=True).encode(),
            headers=[("kansa-family", ACTION_FAMILIES[event.action].encode())],
        )
        return record, EventResult(index=index, status="accepted", event_id=event.event_id)

    @staticmethod
    def _authorise(tenant: str, source_system: str, credential: SourceCredential) -> FieldError | None:
        if tenant != credential.tenant:
            return FieldError(path="tenant", message=f"this token may send events for tenant {credential.tenant} "
                                                     f"only, not {tenant}")
        if credential.source_systems and source_system not in credential.source_systems:
            return FieldError(path="source_system", message=f"this token may not send events from {source_system}; "
                                                            f"allowed: {', '.join(credential.source_systems)}")
        return None

    def _reject(self, index: int, raw: bytes, errors: list[FieldError], credential: SourceCredential, key: bytes,
                event_id: str | None = None) -> tuple[OutRecord, EventResult]:
        record = self._dead_letter(mynumber.mask_bytes(raw, key), errors, credential)
        return record, EventResult(index=index, status="rejected", event_id=event_id, errors=errors)

    def _dead_letter(self, masked_raw: bytes, errors: list[FieldError], credential: SourceCredential,
                     truncated: bool = False) -> OutRecord:
        reason = {"errors": [e.model_dump() for e in errors], "truncated": truncated}
        return OutRecord(
            topic=self._settings.kafka.dead_letter_topic,
            key=credential.tenant.encode(),
            value=masked_raw,
            headers=[
                ("kansa-error", json.dumps(reason, ensure_ascii=False).encode()),
                ("kansa-tenant", credential.tenant.encode()),
                ("kansa-received-at", dt.datetime.now(dt.UTC).isoformat().encode()),
            ],
        )
