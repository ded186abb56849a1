"""Events and alerts written straight into a tenant's indices, in the shape the indexer writes them, for the web page
tests (tests/integration/test_web_ui*.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from elasticsearch import Elasticsearch, helpers

from kansa_schemas import mynumber
from kansa_schemas.alert import Alert, LocalisedText, Severity, alert_id_for
from kansa_schemas.events import ACTION_FAMILIES, parse_event
from kansa_schemas.indices import JST, alert_document, alerts_index, event_document, events_index

NUMBER = mynumber.make_valid("31415926535")
"""The resident the seeded events touch, as a raw personal number (only ever sent in a POST body)."""
START = dt.datetime.now(JST).replace(microsecond=0) - dt.timedelta(days=2)


@dataclass(frozen=True)
class Seeded:
    tenant: str
    subject_ref: str
    event_ids: list[str]  # oldest first
    alert_id: str


def _event(tenant: str, n: int, subject_ref: str) -> dict[str, Any]:
    at = START + dt.timedelta(minutes=7 * n)
    if n % 3 == 0:
        body: dict[str, Any] = {"action": "mynumber.search", "query_type": "mynumber", "result_count": 1}
    else:
        body = {"action": "record.view", "record_type": "juminhyo", "reason": f"窓口での照会 {n}",
                "case_id": f"C-{100 + n}" if n % 2 else None}
    event = parse_event({
        "event_id": f"web-{n:03d}", "occurred_at": at.isoformat(), "tenant": tenant, "source_system": "JUKI",
        "actor": {"id": f"staff{n % 3:02d}", "org_unit": "shimin"}, "terminal_id": f"PC-{n % 4}",
        "business_code": "JUKI-01", "subject_ref": subject_ref if n % 2 else f"mnt_other{n}", **body})
    return event.model_dump(mode="json", exclude_none=True)


def seed(es: Elasticsearch, tenant: str, tenant_key: bytes, events: int = 6) -> Seeded:
    """`events` events (odd ones touch NUMBER's resident) and one open alert on the first two of them."""
    subject_ref = mynumber.tokenise(NUMBER, tenant_key)
    docs = [_event(tenant, n, subject_ref) for n in range(events)]
    helpers.bulk(es, ({"_index": events_index(tenant, dt.datetime.fromisoformat(d["occurred_at"])),
                       "_id": d["event_id"], "_source": event_document(d, ACTION_FAMILIES[d["action"]])}
                      for d in docs), refresh="wait_for")
    anchor = docs[1]
    alert = Alert(
        alert_id=alert_id_for("DR-23", 1, tenant, "staff01", anchor["event_id"]), tenant=tenant, rule_id="DR-23",
        rule_version=1, severity=Severity.HIGH, title=LocalisedText(ja="案件のない個人番号の利用", en="No case"),
        action=LocalisedText(ja="職員に利用の目的を確認する", en="Ask the officer"), assessment_refs=("III-7",),
        actor_id="staff01", occurred_at=dt.datetime.fromisoformat(anchor["occurred_at"]), key="staff01",
        event_ids=(docs[0]["event_id"], anchor["event_id"]), reference_version="v1", details={"window_days": 90},
    ).model_dump(mode="json")
    detected = dt.datetime.now(dt.UTC).isoformat()
    es.index(index=alerts_index(tenant, dt.datetime.fromisoformat(anchor["occurred_at"])), id=alert["alert_id"],
             document=alert_document(alert, detected), refresh="wait_for")
    return Seeded(tenant, subject_ref, [d["event_id"] for d in docs], alert["alert_id"])
