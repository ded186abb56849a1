"""Pure parts of the query layer and the audit record: cursors bound to their search, the filters as an
Elasticsearch query, and an audit record that always fits the AuditEvent schema."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from kansa_investigate import queries
from kansa_investigate.audit import audit_event, canonical_query
from kansa_investigate.models import AlertFilters, SearchRequest
from kansa_schemas.events import parse_event_json
from kansa_schemas.events.audit import AuditEvent
from kansa_schemas.triage import AlertStatus, TriageAction, TriageEntry

QUERY: dict[str, Any] = {"bool": {"filter": [{"term": {"user.id": "stf-a"}}], "must_not": []}}


def _bound(query: dict[str, Any] = QUERY, index: str = "kansa-events-141003-*") -> str:
    return queries.fingerprint({"index": index, "query": query, "sort": queries.EVENT_SORT})


def test_a_cursor_round_trips_and_is_url_safe() -> None:
    after = [1793322000000, 8589934592]
    cursor = queries._encode_cursor("pit+/id==", after, _bound())
    assert set(cursor) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert queries._decode_cursor(cursor, _bound()) == ("pit+/id==", after)


def test_a_cursor_is_bound_to_its_query_index_and_sort() -> None:
    cursor = queries._encode_cursor("pit", [1, 2], _bound())
    other_query: dict[str, Any] = {"bool": {"filter": [{"term": {"user.id": "stf-b"}}], "must_not": []}}
    for fingerprint in (_bound(other_query), _bound(index="kansa-events-131016-*"),
                        queries.fingerprint({"index": "kansa-events-141003-*", "query": QUERY,
                                             "sort": queries.ALERT_SORT})):
        with pytest.raises(queries.CursorError, match="other filters"):
            queries._decode_cursor(cursor, fingerprint)
    # Key order does not matter: the same query is the same search.
    assert queries.fingerprint({"a": 1, "b": [1, {"c": 2, "d": 3}]}) == queries.fingerprint(
        {"b": [1, {"d": 3, "c": 2}], "a": 1})


@pytest.mark.parametrize("cursor", [
    "garbage", "%%%", "", "ü", base64.urlsafe_b64encode(b"[1, 2]").decode(),
    base64.urlsafe_b64encode(b'"text"').decode(), base64.urlsafe_b64encode(b'{"pit": "p", "after": [1]}').decode(),
    base64.urlsafe_b64encode(b'{"pit": "p", "after": 5, "q": "x"}').decode(),
])
def test_a_malformed_cursor_is_a_cursor_error(cursor: str) -> None:
    with pytest.raises(queries.CursorError, match="not one this API issued"):
        queries._decode_cursor(cursor, _bound())


def test_every_filter_becomes_a_term_range_or_text_clause() -> None:
    request = SearchRequest.model_validate({
        "actor": "stf-a", "terminal": "T-1", "family": "data_use", "action": "record.view", "business": "JUMIN",
        "case": "C-1", "outcome": "denied", "from": "2026-10-01T00:00:00+09:00", "to": "2026-11-01T00:00:00+09:00",
        "text": "児童手当"})
    query = queries.event_query(request, "mnt_token", include_audit=False)["bool"]
    terms = {k: v for clause in query["filter"] if "term" in clause for k, v in clause["term"].items()}
    assert terms == {"user.id": "stf-a", "subject_ref": "mnt_token", "host.id": "T-1", "event.category": "data_use",
                     "event.action": "record.view", "business_code": "JUMIN", "kansa.case_id": "C-1",
                     "event.outcome": "denied"}
    [time_range] = [c["range"]["@timestamp"] for c in query["filter"] if "range" in c]
    assert time_range == {"gte": "2026-10-01T00:00:00+09:00", "lt": "2026-11-01T00:00:00+09:00"}
    [text] = [c["simple_query_string"] for c in query["filter"] if "simple_query_string" in c]
    assert text["query"] == "児童手当" and text["default_operator"] == "and"
    assert query["must_not"] == [{"term": {"event.category": "audit"}}]
    assert queries.event_query(SearchRequest(), None, include_audit=True) == {"bool": {"filter": [], "must_not": []}}


def _entry(alert_id: str, status: AlertStatus, assignee: str | None = None) -> TriageEntry:
    return TriageEntry.model_validate({
        "tenant": "141003", "alert_id": alert_id, "seq": 1, "at": "2026-11-01T00:00:00Z", "by": "o",
        "action": TriageAction.ACKNOWLEDGE, "status": status, "assignee": assignee, "rule_id": "DR-23",
        "severity": "high", "alert_detected_at": "2026-11-01T00:00:00Z"})


def test_the_status_filter_uses_the_triage_states() -> None:
    states = {"al_a": _entry("al_a", AlertStatus.ACKNOWLEDGED, "o2"), "al_r": _entry("al_r", AlertStatus.RESOLVED),
              "al_o": _entry("al_o", AlertStatus.OPEN)}
    open_query = queries.alert_query(AlertFilters(status=AlertStatus.OPEN), states)["bool"]
    assert open_query["must_not"] == [{"ids": {"values": ["al_a", "al_r"]}}]  # untouched alerts are open too
    resolved = queries.alert_query(AlertFilters(status=AlertStatus.RESOLVED), states)["bool"]
    assert resolved["filter"] == [{"ids": {"values": ["al_r"]}}]
    assigned = queries.alert_query(AlertFilters(assignee="o2", rule="DR-23"), states)["bool"]
    assert assigned["filter"] == [{"term": {"rule_id": "DR-23"}}, {"ids": {"values": ["al_a"]}}]
    nothing = queries.alert_query(AlertFilters(status=AlertStatus.ACKNOWLEDGED), {})["bool"]
    assert nothing["filter"] == [{"ids": {"values": []}}]


def test_the_audited_query_always_fits_the_audit_event() -> None:
    short = {"actor": "stf-a", "from": "2026-10-01"}
    assert json.loads(canonical_query(short)) == short
    for size in (3990, 3999, 4000, 4001, 4020, 20_000):
        text = canonical_query({"note": "確" * size})
        assert len(text) <= 4000
        if len(json.dumps({"note": "確" * size}, ensure_ascii=False)) > 4000:
            assert text.endswith("…(truncated)")
        event = audit_event(tenant="141003", user_id="officer01", role="officer", action="audit.alert_triage",
                            endpoint="api POST /v1/tenants/{tenant}/alerts/{alert_id}/triage",
                            query={"note": "確" * size}, result_count=1, http_status=200, target_ref="al_1")
        assert isinstance(parse_event_json(event.model_dump_json(exclude_none=True)), AuditEvent)


def test_an_audit_event_says_who_what_and_how_many() -> None:
    event = audit_event(tenant="141003", user_id="officer01", role="officer", action="audit.search",
                        endpoint="api POST /v1/tenants/{tenant}/events/search", query={"actor": "stf-a"},
                        result_count=7, http_status=200)
    assert (event.actor.id, event.query, event.result_count, event.outcome.value) == (
        "officer01", '{"actor": "stf-a"}', 7, "success")
    denied = audit_event(tenant="141003", user_id="unauthenticated", role="none", action="audit.denied",
                         endpoint="api GET /x", query={}, result_count=0, http_status=401)
    assert denied.outcome.value == "denied" and denied.event_id != event.event_id
