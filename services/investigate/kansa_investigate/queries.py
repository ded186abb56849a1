"""Every Elasticsearch read and write of the investigation API. Functions take the client; none keeps state.

Deep pages are stable: a search opens a point in time and pages with `search_after`, and the cursor the caller
gets back carries both, bound to a hash of the filters so a cursor cannot be replayed against another query.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any, Literal, TypeVar

from elasticsearch import ApiError, BadRequestError, ConflictError, Elasticsearch, NotFoundError

from kansa_investigate.models import (
    AlertFilters,
    Bucket,
    Counts,
    EventFilters,
    HistoryRow,
    SearchPage,
)
from kansa_schemas.indices import JST, alerts_pattern, events_pattern, triage_index
from kansa_schemas.triage import AlertStatus, TriageEntry

AUDIT_FAMILY = "audit"
# Fields that hold free text an officer may want to search in (the rest are codes and ids).
TEXT_FIELDS = ("kansa.reason", "kansa.purpose", "kansa.file_id", "kansa.recipient_domains", "kansa.query",
               "kansa.endpoint")
CASE_WINDOW_BEFORE = dt.timedelta(days=90)
CASE_WINDOW_AFTER = dt.timedelta(days=7)
_MISSING_OK: dict[str, Any] = {"ignore_unavailable": True, "allow_no_indices": True}
T = TypeVar("T")


class CursorError(ValueError):
    """A cursor that is malformed, was made for other filters, or whose point in time has expired."""


class TriageConflict(RuntimeError):
    """Someone else appended a step to this alert first."""


class PartialResults(RuntimeError):
    """Some shards did not answer: a result missing their hits would look complete, so none is given."""


def _patient(call: Callable[[], T]) -> T:
    """`call`, tried again with backoff while Elasticsearch answers 429/503 or some shards fail: a month's index
    created a moment ago (the first event of a month, often an audit event of this very API) is briefly not
    searchable, and a search over a pattern then skips it silently instead of failing."""
    delay = 0.1
    for attempt in range(7):
        try:
            result = call()
        except ApiError as exc:
            if exc.meta.status not in (429, 503) or attempt == 6:
                raise
        else:
            failed = int(result.get("_shards", {}).get("failed", 0)) if hasattr(result, "get") else 0
            if not failed:
                return result
            if attempt == 6:
                raise PartialResults(f"{failed} shard(s) did not answer; try again shortly")
        time.sleep(delay)
        delay *= 2
    raise AssertionError("unreachable")


def event_query(filters: EventFilters, subject_ref: str | None, include_audit: bool) -> dict[str, Any]:
    """The bool query for `filters`; `subject_ref` is the token (already derived from a raw number if one came)."""
    terms = {
        "user.id": filters.actor, "subject_ref": subject_ref, "host.id": filters.terminal,
        "event.category": filters.family, "event.action": filters.action, "business_code": filters.business,
        "kansa.case_id": filters.case, "event.outcome": filters.outcome.value if filters.outcome else None,
    }
    must: list[dict[str, Any]] = [{"term": {field: value}} for field, value in terms.items() if value is not None]
    if filters.from_ or filters.to:
        bounds = {k: v.isoformat() for k, v in (("gte", filters.from_), ("lt", filters.to)) if v}
        must.append({"range": {"@timestamp": bounds}})
    if filters.text:
        must.append({"simple_query_string": {"query": filters.text, "fields": list(TEXT_FIELDS),
                                             "default_operator": "and", "lenient": True}})
    must_not = [] if include_audit else [{"term": {"event.category": AUDIT_FAMILY}}]
    return {"bool": {"filter": must, "must_not": must_not}}


def _encode_cursor(pit: str, after: list[Any], fingerprint: str) -> str:
    raw = json.dumps({"pit": pit, "after": after, "q": fingerprint}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, fingerprint: str) -> tuple[str, list[Any]]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        pit, after, bound = str(data["pit"]), list(data["after"]), str(data["q"])
    except (ValueError, KeyError, TypeError) as exc:
        raise CursorError("cursor is not one this API issued; pass next_cursor unchanged") from exc
    if bound != fingerprint:
        raise CursorError("cursor belongs to a search with other filters; repeat the filters of the first page "
                          "or start again without a cursor")
    return pit, after


def fingerprint(query: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(query, sort_keys=True).encode()).hexdigest()[:16]


def search_page(es: Elasticsearch, index: str, query: dict[str, Any], size: int, cursor: str | None,
                keep_alive: str, sort: list[dict[str, Any]]) -> SearchPage:
    """One page of `query` over `index`, oldest first by `sort`; pages share one point in time."""
    bound = fingerprint({"index": index, "query": query, "sort": sort})
    if cursor:
        pit, after = _decode_cursor(cursor, bound)
    else:
        if not es.indices.exists(index=index, **_MISSING_OK):
            return SearchPage(total=0, hits=[], next_cursor=None)
        pit, after = str(_patient(lambda: es.open_point_in_time(
            index=index, keep_alive=keep_alive, ignore_unavailable=True))["id"]), []
    try:
        response = _patient(lambda: es.search(
            pit={"id": pit, "keep_alive": keep_alive}, query=query, sort=sort, size=size,
            track_total_hits=True, search_after=after or None))
    except NotFoundError as exc:
        raise CursorError(f"the search expired (pages must follow within {keep_alive}); start it again") from exc
    except BadRequestError as exc:
        if not cursor:
            raise
        raise CursorError("cursor is not one this API issued; pass next_cursor unchanged") from exc
    hits = response["hits"]["hits"]
    pit = str(response.get("pit_id", pit))
    last_page = len(hits) < size
    if last_page:
        es.close_point_in_time(id=pit)
    return SearchPage(
        total=int(response["hits"]["total"]["value"]),
        hits=[{"_id": h["_id"], **h["_source"]} for h in hits],
        next_cursor=None if last_page else _encode_cursor(pit, list(hits[-1]["sort"]), bound),
    )


EVENT_SORT: list[dict[str, Any]] = [{"@timestamp": "asc"}, {"_shard_doc": "asc"}]


def search_events(es: Elasticsearch, tenant: str, query: dict[str, Any], size: int, cursor: str | None,
                  keep_alive: str) -> SearchPage:
    return search_page(es, events_pattern(tenant), query, size, cursor, keep_alive, EVENT_SORT)


def scan_events(es: Elasticsearch, tenant: str, query: dict[str, Any], keep_alive: str,
                limit: int) -> Iterator[dict[str, Any]]:
    """Every matching event, oldest first, at most `limit` (the caller checks the total first)."""
    cursor: str | None = None
    seen = 0
    while seen < limit:
        page = search_events(es, tenant, query, min(1000, limit - seen), cursor, keep_alive)
        yield from page.hits
        seen += len(page.hits)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor


def count_events(es: Elasticsearch, tenant: str, query: dict[str, Any]) -> int:
    return int(_patient(lambda: es.count(index=events_pattern(tenant), query=query, **_MISSING_OK))["count"])


def event_counts(es: Elasticsearch, tenant: str, query: dict[str, Any], by: Literal["day", "actor"]) -> Counts:
    """Matching events per JST day or per actor, every bucket (composite aggregation paging)."""
    source = ({"key": {"date_histogram": {"field": "@timestamp", "calendar_interval": "day", "time_zone": "+09:00",
                                           "format": "yyyy-MM-dd"}}} if by == "day"
              else {"key": {"terms": {"field": "user.id"}}})
    buckets: list[Bucket] = []
    after: dict[str, Any] | None = None
    total = 0
    while True:
        composite: dict[str, Any] = {"size": 1000, "sources": [source]}
        if after:
            composite["after"] = after
        response = _patient(partial(es.search, index=events_pattern(tenant), query=query, size=0,
                                    track_total_hits=True, aggs={"by": {"composite": composite}}, **_MISSING_OK))
        total = int(response["hits"]["total"]["value"])
        aggregation = response.get("aggregations", {}).get("by", {})
        buckets += [Bucket(key=str(b["key"]["key"]), count=int(b["doc_count"])) for b in aggregation.get("buckets", [])]
        after = aggregation.get("after_key")
        if not after:
            break
    if by == "actor":
        buckets.sort(key=lambda b: (-b.count, b.key))
    return Counts(by=by, total=total, buckets=buckets)


def get_event(es: Elasticsearch, tenant: str, event_id: str, include_audit: bool) -> dict[str, Any] | None:
    query = {"bool": {"filter": [{"ids": {"values": [event_id]}}],
                      "must_not": [] if include_audit else [{"term": {"event.category": AUDIT_FAMILY}}]}}
    hits = _patient(lambda: es.search(index=events_pattern(tenant), query=query, size=1, **_MISSING_OK))["hits"]["hits"]
    return {"_id": hits[0]["_id"], **hits[0]["_source"]} if hits else None


def events_by_id(es: Elasticsearch, tenant: str, event_ids: list[str]) -> list[dict[str, Any]]:
    if not event_ids:
        return []
    hits = _patient(lambda: es.search(index=events_pattern(tenant), query={"ids": {"values": event_ids}},
                                      size=len(event_ids), sort=[{"@timestamp": "asc"}], **_MISSING_OK))["hits"]["hits"]
    return [{"_id": h["_id"], **h["_source"]} for h in hits]


# --- per-resident history ---------------------------------------------------------------------------------------

def _parse(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def history_rows(es: Elasticsearch, tenant: str, subject_ref: str, accesses: list[dict[str, Any]],
                 departments: dict[str, str]) -> list[HistoryRow]:
    """Each access to the resident with the case that justified it: the case the event names, else a case for the
    same resident received or opened within -90/+7 days of the access (as rule DR-23 judges; the nearest in time),
    else none.
    `departments` maps staff id and "unit:<code>" to a section name."""
    cases = [(_parse(h["@timestamp"]), str(h["kansa"]["case_id"])) for h in scan_events(
        es, tenant, {"bool": {"filter": [{"term": {"subject_ref": subject_ref}},
                                         {"terms": {"event.action": ["case.received", "case.opened"]}}]}},
        "1m", 100_000)]
    rows = []
    for hit in accesses:
        at = _parse(hit["@timestamp"])
        recorded = (hit.get("kansa") or {}).get("case_id")
        near = sorted((abs((when - at).total_seconds()), case) for when, case in cases
                      if at - CASE_WINDOW_BEFORE <= when <= at + CASE_WINDOW_AFTER)
        user = hit.get("user") or {}
        rows.append(HistoryRow(
            at=at.astimezone(JST), event_id=hit["_id"], actor=user.get("id", ""),
            department=(departments.get(f"unit:{user['org_unit']}", user["org_unit"]) if user.get("org_unit")
                        else departments.get(user.get("id", ""))),
            terminal=(hit.get("host") or {}).get("id"), action=hit["event"]["action"],
            business=hit.get("business_code"), outcome=hit["event"]["outcome"],
            case_id=str(recorded) if recorded else (near[0][1] if near else None),
            case_basis="recorded" if recorded else ("window" if near else "none"),
        ))
    return rows


def subject_access_query(subject_ref: str, start: dt.datetime | None, end: dt.datetime | None) -> dict[str, Any]:
    """Every event touching the resident except the case records themselves (they are the justification)."""
    query: dict[str, Any] = {"bool": {"filter": [{"term": {"subject_ref": subject_ref}}],
                                      "must_not": [{"term": {"event.category": "cases"}}]}}
    if start or end:
        bounds = {k: v.isoformat() for k, v in (("gte", start), ("lt", end)) if v}
        query["bool"]["filter"].append({"range": {"@timestamp": bounds}})
    return query


# --- alerts and triage ------------------------------------------------------------------------------------------

def triage_states(es: Elasticsearch, tenant: str) -> dict[str, TriageEntry]:
    """The latest triage entry of every alert that has one (a tenant's triage index is small)."""
    latest: dict[str, TriageEntry] = {}
    index = triage_index(tenant)
    if not es.indices.exists(index=index):
        return latest
    after: list[Any] | None = None
    while True:
        response = _patient(partial(es.search, index=index, size=1000, sort=[{"alert_id": "asc"}, {"seq": "asc"}],
                                    search_after=after))
        hits = response["hits"]["hits"]
        for hit in hits:
            entry = TriageEntry.model_validate(hit["_source"])
            latest[entry.alert_id] = entry
        if len(hits) < 1000:
            return latest
        after = hits[-1]["sort"]


def alert_query(filters: AlertFilters, states: dict[str, TriageEntry]) -> dict[str, Any]:
    must: list[dict[str, Any]] = [{"term": {f: v}} for f, v in (
        ("rule_id", filters.rule), ("severity", filters.severity.value if filters.severity else None),
        ("user.id", filters.actor)) if v is not None]
    must_not: list[dict[str, Any]] = []
    if filters.from_ or filters.to:
        bounds = {k: v.isoformat() for k, v in (("gte", filters.from_), ("lt", filters.to)) if v}
        must.append({"range": {"@timestamp": bounds}})
    if filters.status is AlertStatus.OPEN:
        moved = [a for a, e in states.items() if e.status is not AlertStatus.OPEN]
        if moved:
            must_not.append({"ids": {"values": moved}})
    elif filters.status is not None:
        must.append({"ids": {"values": [a for a, e in states.items() if e.status is filters.status]}})
    if filters.assignee:
        must.append({"ids": {"values": [a for a, e in states.items() if e.assignee == filters.assignee]}})
    return {"bool": {"filter": must, "must_not": must_not}}


ALERT_SORT: list[dict[str, Any]] = [{"@timestamp": "desc"}, {"_shard_doc": "desc"}]


def search_alerts(es: Elasticsearch, tenant: str, query: dict[str, Any], size: int, cursor: str | None,
                  keep_alive: str) -> SearchPage:
    return search_page(es, alerts_pattern(tenant), query, size, cursor, keep_alive, ALERT_SORT)


def get_alert(es: Elasticsearch, tenant: str, alert_id: str) -> dict[str, Any] | None:
    hits = _patient(lambda: es.search(index=alerts_pattern(tenant), query={"ids": {"values": [alert_id]}}, size=1,
                                      **_MISSING_OK))["hits"]["hits"]
    return {"_id": hits[0]["_id"], **hits[0]["_source"]} if hits else None


def triage_history(es: Elasticsearch, tenant: str, alert_id: str) -> list[TriageEntry]:
    index = triage_index(tenant)
    if not es.indices.exists(index=index):
        return []
    hits = _patient(lambda: es.search(index=index, query={"term": {"alert_id": alert_id}}, sort=[{"seq": "asc"}],
                                      size=10_000))["hits"]["hits"]
    return [TriageEntry.model_validate(h["_source"]) for h in hits]


def append_triage(es: Elasticsearch, entry: TriageEntry) -> None:
    """Create-only: an entry with this alert and seq already there means another step won the race."""
    try:
        es.create(index=triage_index(entry.tenant), id=f"{entry.alert_id}:{entry.seq:06d}",
                  document=entry.model_dump(mode="json"), refresh="wait_for")
    except ConflictError as exc:
        raise TriageConflict("another officer updated this alert at the same moment; reload it and try again") \
            from exc
