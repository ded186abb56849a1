"""Elasticsearch index names and templates: one index per tenant and month, plain indices (no ILM here)."""

from __future__ import annotations

import datetime as dt
from typing import Any

EVENTS_PREFIX = "kansa-events"
ALERTS_PREFIX = "kansa-alerts"
REPORTS_PREFIX = "kansa-reports"
TRIAGE_PREFIX = "kansa-triage"
JST = dt.timezone(dt.timedelta(hours=9), "JST")


def _month(at: dt.datetime) -> str:
    return at.astimezone(JST).strftime("%Y.%m")


def events_index(tenant: str, at: dt.datetime) -> str:
    return f"{EVENTS_PREFIX}-{tenant}-{_month(at)}"


def alerts_index(tenant: str, at: dt.datetime) -> str:
    return f"{ALERTS_PREFIX}-{tenant}-{_month(at)}"


def reports_index(tenant: str) -> str:
    """Every report written for a tenant, with its SHA-256: small, one index per tenant."""
    return f"{REPORTS_PREFIX}-{tenant}"


def triage_index(tenant: str) -> str:
    """The append-only triage history of a tenant's alerts (kansa_schemas.triage): small, one index per tenant."""
    return f"{TRIAGE_PREFIX}-{tenant}"


def events_pattern(tenant: str, month: str | None = None) -> str:
    """month as YYYY-MM; None for every month."""
    return f"{EVENTS_PREFIX}-{tenant}-{month.replace('-', '.') if month else '*'}"


def alerts_pattern(tenant: str, month: str | None = None) -> str:
    return f"{ALERTS_PREFIX}-{tenant}-{month.replace('-', '.') if month else '*'}"


_KW = {"type": "keyword"}
_DATE = {"type": "date"}
_LONG = {"type": "long"}
_BOOL = {"type": "boolean"}

# ECS names where they fit; kansa-specific fields under `kansa.*`. `dynamic: strict` at the top so a field we do not
# map is an error at index time instead of a silent type guess.
EVENT_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "@timestamp": _DATE,
        "event": {"properties": {
            "id": _KW, "action": _KW, "category": _KW, "outcome": _KW, "ingested": _DATE,
        }},
        "user": {"properties": {"id": _KW, "type": _KW, "org_unit": _KW, "contractor_org": _KW}},
        "host": {"properties": {"id": _KW}},
        "network": {"properties": {"zone": _KW}},
        "source_system": _KW,
        "session": {"properties": {"id": _KW}},
        "tenant": _KW,
        "business_code": _KW,
        "subject_ref": _KW,
        "schema_version": _KW,
        # Action-specific fields, kept flat and typed by name convention in the sink.
        "kansa": {"type": "object", "dynamic": True, "properties": {
            "request_id": _KW, "applicant_id": _KW, "approver_id": _KW, "device_id": _KW, "file_id": _KW,
            "file_hash": _KW, "record_count": _LONG, "device_registered": _BOOL, "encrypted": _BOOL,
            "staff_id": _KW, "change_type": _KW, "effective_at": _DATE, "case_id": _KW,
        }},
    },
    "dynamic_templates": [],
}

ALERT_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "@timestamp": _DATE,
        "alert_id": _KW,
        "tenant": _KW,
        "rule_id": _KW,
        "rule_version": _LONG,
        "severity": _KW,
        "title": {"properties": {"ja": {"type": "text", "fields": {"raw": _KW}}, "en": {"type": "text"}}},
        "action": {"properties": {"ja": {"type": "text"}, "en": {"type": "text"}}},
        "assessment_refs": _KW,
        "user": {"properties": {"id": _KW}},
        "key": _KW,
        "event_ids": _KW,
        "count": _LONG,
        "reference_version": _KW,
        "schema_version": _KW,
        # Each rule puts its own keys here, and the same key can hold a number for one rule and a name for
        # another: flattened indexes every leaf as a keyword, so no rule's alert is ever refused for its details.
        "details": {"type": "flattened"},
        "status": _KW,
        "detected_at": _DATE,
    },
}

REPORT_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "tenant": _KW, "kind": _KW, "period": _KW, "lang": _KW, "format": _KW, "file": _KW, "sha256": _KW,
        "bytes": _LONG, "period_start": _DATE, "period_end": _DATE, "generated_at": _DATE, "recorded_at": _DATE,
    },
}

TRIAGE_MAPPINGS: dict[str, Any] = {
    "dynamic": "strict",
    "properties": {
        "tenant": _KW, "alert_id": _KW, "seq": _LONG, "at": _DATE, "by": _KW, "action": _KW, "status": _KW,
        "note": {"type": "text"}, "assignee": _KW, "resolution": _KW, "incident": _KW, "rule_id": _KW,
        "severity": _KW, "alert_detected_at": _DATE,
    },
}

INDEX_SETTINGS: dict[str, Any] = {"number_of_shards": 1, "number_of_replicas": 0, "refresh_interval": "1s"}


def index_templates(replicas: int) -> dict[str, dict[str, Any]]:
    """Composable templates; replicas come from settings so a production cluster gets real redundancy."""
    settings = {**INDEX_SETTINGS, "number_of_replicas": replicas}
    return {
        "kansa-events": {
            "index_patterns": [f"{EVENTS_PREFIX}-*"], "priority": 200,
            "template": {"settings": settings, "mappings": EVENT_MAPPINGS},
        },
        "kansa-alerts": {
            "index_patterns": [f"{ALERTS_PREFIX}-*"], "priority": 200,
            "template": {"settings": settings, "mappings": ALERT_MAPPINGS},
        },
        "kansa-reports": {
            "index_patterns": [f"{REPORTS_PREFIX}-*"], "priority": 200,
            "template": {"settings": settings, "mappings": REPORT_MAPPINGS},
        },
        "kansa-triage": {
            "index_patterns": [f"{TRIAGE_PREFIX}-*"], "priority": 200,
            "template": {"settings": settings, "mappings": TRIAGE_MAPPINGS},
        },
    }


_ENVELOPE_FIELDS = frozenset({
    "schema_version", "event_id", "occurred_at", "tenant", "source_system", "actor", "terminal_id",
    "network_zone", "session_id", "action", "outcome", "business_code", "subject_ref",
})


def event_document(event: dict[str, Any], family: str) -> dict[str, Any]:
    """An event (as `model_dump(mode="json")`) in its indexed, ECS-style shape; action-specific fields under `kansa`."""
    actor = event["actor"]
    return {
        "@timestamp": event["occurred_at"],
        "event": {"id": event["event_id"], "action": event["action"], "category": family,
                  "outcome": event["outcome"]},
        "user": {k: v for k, v in actor.items() if v is not None},
        "host": {"id": event.get("terminal_id")},
        "network": {"zone": event.get("network_zone")},
        "source_system": event["source_system"],
        "session": {"id": event.get("session_id")},
        "tenant": event["tenant"],
        "business_code": event.get("business_code"),
        "subject_ref": event.get("subject_ref"),
        "schema_version": event["schema_version"],
        "kansa": {k: v for k, v in event.items() if k not in _ENVELOPE_FIELDS},
    }


def alert_document(alert: dict[str, Any], detected_at: str) -> dict[str, Any]:
    """An alert (as `model_dump(mode="json")`) in its indexed shape."""
    body = {k: v for k, v in alert.items() if k not in {"occurred_at", "actor_id"}}
    return {**body, "@timestamp": alert["occurred_at"], "user": {"id": alert["actor_id"]},
            "status": "open", "detected_at": detected_at}
