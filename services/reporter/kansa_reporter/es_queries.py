"""The only module that queries Elasticsearch: the read-side views the monthly report is built from.

Every function takes the client as an argument (no global), queries the month's index with
`ignore_unavailable`/`allow_no_indices` so a month without an index reads as zeros, and pages with composite
aggregations or point-in-time + `search_after`, so no result is capped at 10,000.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import BaseModel, ConfigDict

from kansa_reporter.period import Month
from kansa_schemas.alert import LocalisedText, Severity
from kansa_schemas.indices import JST, alerts_pattern, events_pattern

EXPORT_EXECUTED = "export.executed"
EXPORT_APPROVED = "export.approved"
_MISSING_OK: dict[str, Any] = {"ignore_unavailable": True, "allow_no_indices": True}
# A terms query may hold up to 65,536 values; far smaller batches keep each request modest.
_REQUEST_ID_BATCH = 1000
_KEEP_ALIVE = "2m"
_COMPOSITE_PAGE = 500


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ActionCount(_Frozen):
    action: str
    count: int


class FamilyCount(_Frozen):
    family: str
    count: int
    actions: tuple[ActionCount, ...]


class EventsExamined(_Frozen):
    """Events in the month, per family (`event.category`) and action, sorted by name."""

    total: int
    families: tuple[FamilyCount, ...]
    indices: tuple[str, ...]

    def count(self, actions: Iterable[str] = (), families: Iterable[str] = ()) -> int:
        """Events whose action or family is listed; every event when both are empty."""
        wanted_actions, wanted_families = frozenset(actions), frozenset(families)
        if not wanted_actions and not wanted_families:
            return self.total
        return sum(
            a.count for f in self.families for a in f.actions
            if f.family in wanted_families or a.action in wanted_actions
        )


class AlertGroup(_Frozen):
    rule_id: str
    severity: Severity
    title: LocalisedText
    assessment_refs: tuple[str, ...]
    alerts: int
    occurrences: int  # alerts plus the duplicates suppression folded into them (the alert's `count`)


class AlertsSummary(_Frozen):
    """Alerts raised in the month per (rule, severity), sorted by rule id then severity (critical first)."""

    groups: tuple[AlertGroup, ...]
    indices: tuple[str, ...]

    @property
    def total(self) -> int:
        return sum(g.alerts for g in self.groups)

    def alerts_for(self, rule_id: str) -> int:
        return sum(g.alerts for g in self.groups if g.rule_id == rule_id)


class LedgerRow(_Frozen):
    """One `export.executed` event with its approvers (from `export.approved` on the same request id)."""

    event_id: str
    executed_at: dt.datetime  # JST
    outcome: str
    executor_id: str
    terminal_id: str | None
    device_id: str
    device_registered: bool
    encrypted: bool
    file_id: str
    record_count: int
    request_id: str | None
    approver_ids: tuple[str, ...]  # empty: 承認なし

    @property
    def approved(self) -> bool:
        return bool(self.approver_ids)


class ExportLedger(_Frozen):
    """Every export in the month, oldest first; `approval_indices` are where approvals were found."""

    rows: tuple[LedgerRow, ...]
    indices: tuple[str, ...]
    approval_indices: tuple[str, ...]

    @property
    def without_approval(self) -> int:
        return sum(not r.approved for r in self.rows)

    @property
    def unencrypted(self) -> int:
        return sum(not r.encrypted for r in self.rows)

    @property
    def unregistered(self) -> int:
        return sum(not r.device_registered for r in self.rows)


class DayCount(_Frozen):
    day: dt.date
    count: int


class StaffCount(_Frozen):
    staff_id: str
    count: int


class Activity(_Frozen):
    """What the charts draw beyond the other sections: events per day (every day, zeros too) and the staff with
    the most My Number searches."""

    events_per_day: tuple[DayCount, ...] = ()
    top_searchers: tuple[StaffCount, ...] = ()
    # Distinct people seen in the month (Elasticsearch cardinality: exact below 40,000, within a few per cent above)
    subjects_touched: int = 0
    staff_users: int = 0
    contractor_handlers: int = 0


class MonthlyData(_Frozen):
    tenant: str
    month: Month
    events: EventsExamined
    alerts: AlertsSummary
    ledger: ExportLedger
    activity: Activity = Activity()

    @property
    def indices(self) -> tuple[str, ...]:
        return tuple(sorted({*self.events.indices, *self.alerts.indices, *self.ledger.approval_indices}))


def monthly_data(es: Elasticsearch, tenant: str, month: Month) -> MonthlyData:
    return MonthlyData(
        tenant=tenant, month=month,
        events=events_examined(es, tenant, month),
        alerts=alerts_by_rule(es, tenant, month),
        ledger=export_ledger(es, tenant, month),
        activity=activity(es, tenant, month),
    )


TOP_SEARCHERS = 10


def activity(es: Elasticsearch, tenant: str, month: Month) -> Activity:
    index = events_pattern(tenant, month.label)
    aggs: dict[str, Any] = {
        "per_day": {"date_histogram": {
            "field": "@timestamp", "calendar_interval": "day", "time_zone": "Asia/Tokyo", "min_doc_count": 0,
            "format": "yyyy-MM-dd",
            "extended_bounds": {"min": month.first_day.isoformat(), "max": month.last_day.isoformat()},
        }},
        "subjects": {"cardinality": {"field": "subject_ref", "precision_threshold": 40000}},
        "staff": {"filter": {"term": {"user.type": "staff"}},
                  "aggs": {"n": {"cardinality": {"field": "user.id", "precision_threshold": 40000}}}},
        "contractors": {"filter": {"terms": {"user.type": ["contractor", "subcontractor"]}},
                        "aggs": {"n": {"cardinality": {"field": "user.id", "precision_threshold": 40000}}}},
        "searches": {"filter": {"term": {"event.action": "mynumber.search"}},
                     "aggs": {"by_staff": {"terms": {"field": "user.id", "size": TOP_SEARCHERS,
                                                     "order": [{"_count": "desc"}, {"_key": "asc"}]}}}},
    }
    response = es.search(index=index, size=0, query=_in_month(month), aggs=aggs, ignore_unavailable=True,
                         allow_no_indices=True)
    found = response.get("aggregations")
    if not found:
        return Activity(events_per_day=tuple(DayCount(day=d, count=0) for d in month.days()))
    per_day = {dt.date.fromisoformat(b["key_as_string"]): int(b["doc_count"]) for b in found["per_day"]["buckets"]}
    return Activity(
        events_per_day=tuple(DayCount(day=d, count=per_day.get(d, 0)) for d in month.days()),
        top_searchers=tuple(StaffCount(staff_id=str(b["key"]), count=int(b["doc_count"]))
                            for b in found["searches"]["by_staff"]["buckets"]),
        subjects_touched=int(found["subjects"]["value"]),
        staff_users=int(found["staff"]["n"]["value"]),
        contractor_handlers=int(found["contractors"]["n"]["value"]),
    )


def events_examined(es: Elasticsearch, tenant: str, month: Month) -> EventsExamined:
    index = events_pattern(tenant, month.label)
    sources = [
        {"family": {"terms": {"field": "event.category", "missing_bucket": True}}},
        {"action": {"terms": {"field": "event.action", "missing_bucket": True}}},
    ]
    per_family: dict[str, dict[str, int]] = defaultdict(dict)
    for bucket in _composite(es, index, _in_month(month), sources):
        family = bucket["key"]["family"] or "(none)"
        per_family[family][bucket["key"]["action"] or "(none)"] = int(bucket["doc_count"])
    families = tuple(
        FamilyCount(
            family=family, count=sum(actions.values()),
            actions=tuple(ActionCount(action=a, count=n) for a, n in sorted(actions.items())),
        )
        for family, actions in sorted(per_family.items())
    )
    return EventsExamined(
        total=sum(f.count for f in families), families=families,
        indices=_indices_with_hits(es, index, _in_month(month)),
    )


def alerts_by_rule(es: Elasticsearch, tenant: str, month: Month) -> AlertsSummary:
    index = alerts_pattern(tenant, month.label)
    sources = [
        {"rule_id": {"terms": {"field": "rule_id"}}},
        {"severity": {"terms": {"field": "severity"}}},
    ]
    sub_aggs = {
        "occurrences": {"sum": {"field": "count"}},
        "refs": {"terms": {"field": "assessment_refs", "size": 500}},
        # Titles of the newest rule version win when a rule changed wording mid-month.
        "latest": {"top_hits": {"size": 1, "sort": [{"@timestamp": "desc"}, {"alert_id": "desc"}],
                                "_source": ["title"]}},
    }
    groups: list[AlertGroup] = []
    for bucket in _composite(es, index, _in_month(month), sources, sub_aggs):
        title = bucket["latest"]["hits"]["hits"][0]["_source"]["title"]
        groups.append(AlertGroup(
            rule_id=str(bucket["key"]["rule_id"]),
            severity=Severity(bucket["key"]["severity"]),
            title=LocalisedText(ja=str(title["ja"]), en=str(title["en"])),
            assessment_refs=tuple(sorted(str(b["key"]) for b in bucket["refs"]["buckets"])),
            alerts=int(bucket["doc_count"]),
            occurrences=int(bucket["occurrences"]["value"] or 0),
        ))
    groups.sort(key=lambda g: (g.rule_id, -g.severity.rank))
    return AlertsSummary(groups=tuple(groups), indices=_indices_with_hits(es, index, _in_month(month)))


def export_ledger(es: Elasticsearch, tenant: str, month: Month, page_size: int = 1000) -> ExportLedger:
    index = events_pattern(tenant, month.label)
    query = {"bool": {"filter": [{"term": {"event.action": EXPORT_EXECUTED}}, _month_range(month)]}}
    executed = [
        hit["_source"] for hit in _scan(
            es, index, query, sort=[{"@timestamp": "asc"}, {"event.id": "asc"}], page_size=page_size,
            source=["@timestamp", "event", "user.id", "host.id", "kansa"],
        )
    ]
    request_ids = sorted({str(doc["kansa"]["request_id"]) for doc in executed if doc["kansa"].get("request_id")})
    approvals, approval_indices = _approvals(es, tenant, request_ids, before=month.end, page_size=page_size)
    rows = []
    for doc in executed:
        kansa: Mapping[str, Any] = doc["kansa"]
        at = _parse_time(doc["@timestamp"])
        request_id = kansa.get("request_id")
        # Only an approval given at or before the write counts: approving afterwards does not legitimise it (DR-32).
        given = approvals.get(str(request_id), []) if request_id else []
        approvers = sorted({who for when, who in given if when <= at})
        rows.append(LedgerRow(
            event_id=str(doc["event"]["id"]), executed_at=at, outcome=str(doc["event"]["outcome"]),
            executor_id=str(doc["user"]["id"]), terminal_id=_opt_str(doc.get("host", {}).get("id")),
            device_id=str(kansa["device_id"]), device_registered=bool(kansa["device_registered"]),
            encrypted=bool(kansa["encrypted"]), file_id=str(kansa["file_id"]),
            record_count=int(kansa["record_count"]), request_id=_opt_str(request_id), approver_ids=tuple(approvers),
        ))
    return ExportLedger(
        rows=tuple(rows), indices=_indices_with_hits(es, index, query), approval_indices=approval_indices,
    )


def _approvals(
    es: Elasticsearch, tenant: str, request_ids: Sequence[str], before: dt.datetime, page_size: int,
) -> tuple[dict[str, list[tuple[dt.datetime, str]]], tuple[str, ...]]:
    """Successful approvals per request id, from every month: a request may be approved the month before."""
    found: dict[str, list[tuple[dt.datetime, str]]] = defaultdict(list)
    indices: set[str] = set()
    for start in range(0, len(request_ids), _REQUEST_ID_BATCH):
        query = {"bool": {"filter": [
            {"term": {"event.action": EXPORT_APPROVED}},
            {"term": {"event.outcome": "success"}},
            {"terms": {"kansa.request_id": list(request_ids[start:start + _REQUEST_ID_BATCH])}},
            {"range": {"@timestamp": {"lt": before.isoformat()}}},
        ]}}
        for hit in _scan(
            es, events_pattern(tenant), query, sort=[{"@timestamp": "asc"}, {"event.id": "asc"}],
            page_size=page_size, source=["@timestamp", "user.id", "kansa.request_id", "kansa.approver_id"],
        ):
            doc = hit["_source"]
            approver = doc["kansa"].get("approver_id") or doc["user"]["id"]
            found[str(doc["kansa"]["request_id"])].append((_parse_time(doc["@timestamp"]), str(approver)))
            indices.add(str(hit["_index"]))
    return dict(found), tuple(sorted(indices))


def _month_range(month: Month) -> dict[str, Any]:
    return {"range": {"@timestamp": {"gte": month.start.isoformat(), "lt": month.end.isoformat()}}}


def _in_month(month: Month) -> dict[str, Any]:
    return {"bool": {"filter": [_month_range(month)]}}


def _composite(
    es: Elasticsearch, index: str, query: Mapping[str, Any], sources: list[dict[str, Any]],
    sub_aggs: Mapping[str, Any] | None = None,
) -> Iterator[dict[str, Any]]:
    after: dict[str, Any] | None = None
    while True:
        composite: dict[str, Any] = {"size": _COMPOSITE_PAGE, "sources": sources}
        if after is not None:
            composite["after"] = after
        agg: dict[str, Any] = {"composite": composite}
        if sub_aggs:
            agg["aggs"] = dict(sub_aggs)
        response = es.search(index=index, size=0, query=dict(query), aggs={"groups": agg}, **_MISSING_OK)
        result = response.body.get("aggregations", {}).get("groups", {})
        buckets: list[dict[str, Any]] = result.get("buckets", [])
        yield from buckets
        after = result.get("after_key")
        if not buckets or after is None:
            return


def _scan(
    es: Elasticsearch, index: str, query: Mapping[str, Any], sort: list[dict[str, str]], page_size: int,
    source: list[str],
) -> Iterator[dict[str, Any]]:
    """Every hit in a consistent snapshot (point in time), paged with search_after."""
    indices = _existing_indices(es, index)
    if not indices:
        return
    pit_id = str(es.open_point_in_time(index=list(indices), keep_alive=_KEEP_ALIVE)["id"])
    try:
        search_after: list[Any] | None = None
        while True:
            extra: dict[str, Any] = {"search_after": search_after} if search_after is not None else {}
            response = es.search(
                pit={"id": pit_id, "keep_alive": _KEEP_ALIVE}, query=dict(query), sort=list(sort), size=page_size,
                source={"includes": source}, track_total_hits=False, **extra,
            )
            pit_id = str(response["pit_id"])
            hits: list[dict[str, Any]] = response["hits"]["hits"]
            yield from hits
            if len(hits) < page_size:
                return
            search_after = hits[-1]["sort"]
    finally:
        es.close_point_in_time(id=pit_id)


def _existing_indices(es: Elasticsearch, pattern: str) -> tuple[str, ...]:
    response = es.indices.get(index=pattern, features="settings", **_MISSING_OK)
    return tuple(sorted(str(name) for name in response.body))


def _indices_with_hits(es: Elasticsearch, index: str, query: Mapping[str, Any]) -> tuple[str, ...]:
    """Names of the indices that actually held matching documents, for the report header."""
    sources = [{"index": {"terms": {"field": "_index"}}}]
    return tuple(sorted(str(b["key"]["index"]) for b in _composite(es, index, query, sources)))


def _parse_time(value: str) -> dt.datetime:
    return dt.datetime.fromisoformat(value).astimezone(JST)


def _opt_str(value: object) -> str | None:
    return None if value is None else str(value)
