"""The only module that queries Elasticsearch: the read-side views the monthly report is built from.

Every function takes the client as an argument (no global), queries the month's index with
`ignore_unavailable`/`allow_no_indices` so a month without an index reads as zeros, and pages with composite
aggregations or point-in-time + `search_after`, so no result is capped at 10,000.

Triage (the append-only history in `kansa-triage-<tenant>`) is read as of the end of the reported period: entries
recorded at or after it are ignored, so a report regenerated later gives the same bytes. An alert's state is its
latest entry (highest seq) before that cutoff; an alert without one is open.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import BaseModel, ConfigDict

from kansa_reporter.period import Month
from kansa_schemas.alert import LocalisedText, Severity
from kansa_schemas.indices import JST, alerts_pattern, events_pattern, triage_index
from kansa_schemas.triage import AlertStatus, IncidentClass, Resolution, TriageAction

EXPORT_EXECUTED = "export.executed"
EXPORT_APPROVED = "export.approved"
_MISSING_OK: dict[str, Any] = {"ignore_unavailable": True, "allow_no_indices": True}
# A terms query may hold up to 65,536 values; far smaller batches keep each request modest.
_REQUEST_ID_BATCH = 1000
_KEEP_ALIVE = "2m"
_COMPOSITE_PAGE = 500
AUDIT_FAMILY = "audit"


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


class TriageState(_Frozen):
    """An alert's triage as of a cutoff: the state of its latest entry (highest seq) and, while resolved, what its
    latest resolve step recorded. An alert with no entry before the cutoff has no TriageState: it is open."""

    alert_id: str
    rule_id: str  # the alert's own (the entry copies it)
    severity: Severity
    status: AlertStatus
    seq: int
    resolution: Resolution | None = None  # only while resolved
    incident: IncidentClass | None = None
    detected_at: dt.datetime  # JST, the entry's alert_detected_at
    closed_at: dt.datetime | None = None  # JST, the resolving entry's `at`, only while resolved
    closed_by: str | None = None
    note: str = ""  # the resolving entry's note and any note added after it

    @property
    def seconds_to_close(self) -> int | None:
        """Detection to resolution in whole seconds (never negative); None while not resolved."""
        if self.closed_at is None:
            return None
        return max(0, int((self.closed_at - self.detected_at).total_seconds()))


class SeverityCount(_Frozen):
    severity: Severity
    count: int


class Dispositions(_Frozen):
    """Triage of the month's alerts as of `as_of` (the report's generation time, by default the end of the month:
    entries at or after it are not read, so the report regenerated with the same time says the same). `states`
    lists only the alerts that have an entry by then, sorted by alert id; every other alert of the month is open.
    `carried` are the alerts of the twelve months before this one still not resolved at `as_of`."""

    states: tuple[TriageState, ...] = ()
    as_of: dt.datetime | None = None
    indices: tuple[str, ...] = ()
    carried: tuple[SeverityCount, ...] = ()

    @property
    def carried_total(self) -> int:
        return sum(c.count for c in self.carried)

    def in_group(self, rule_id: str, severity: Severity) -> tuple[TriageState, ...]:
        return tuple(s for s in self.states if s.rule_id == rule_id and s.severity is severity)


class OfficerActivity(_Frozen):
    """What one officer did through the investigation API in the month, per audit action (sorted by action)."""

    officer: str
    actions: tuple[ActionCount, ...]

    @property
    def total(self) -> int:
        return sum(a.count for a in self.actions)

    def count(self, action: str) -> int:
        return sum(a.count for a in self.actions if a.action == action)


class AuditActivity(_Frozen):
    """Audit of the auditors: `audit` family events of the month per officer (`user.id`), sorted by officer, and
    the records returned per action (sum of `kansa.result_count`)."""

    officers: tuple[OfficerActivity, ...] = ()
    results: tuple[ActionCount, ...] = ()

    @property
    def total(self) -> int:
        return sum(o.total for o in self.officers)

    def count(self, action: str) -> int:
        return sum(o.count(action) for o in self.officers)

    def results_for(self, action: str) -> int:
        return sum(a.count for a in self.results if a.action == action)


class MonthlyData(_Frozen):
    tenant: str
    month: Month
    events: EventsExamined
    alerts: AlertsSummary
    ledger: ExportLedger
    activity: Activity = Activity()
    dispositions: Dispositions = Dispositions()
    auditors: AuditActivity = AuditActivity()

    @property
    def indices(self) -> tuple[str, ...]:
        return tuple(sorted({*self.events.indices, *self.alerts.indices, *self.ledger.approval_indices,
                             *self.dispositions.indices}))


def monthly_data(es: Elasticsearch, tenant: str, month: Month, as_of: dt.datetime | None = None) -> MonthlyData:
    """The month's figures; alert triage as of `as_of` (default: the end of the month)."""
    return MonthlyData(
        tenant=tenant, month=month,
        events=events_examined(es, tenant, month),
        alerts=alerts_by_rule(es, tenant, month),
        ledger=export_ledger(es, tenant, month),
        activity=activity(es, tenant, month),
        dispositions=alert_dispositions(es, tenant, month, as_of=as_of or month.end),
        auditors=audit_activity(es, tenant, month),
    )


CARRIED_OVER_MONTHS = 12


def alert_dispositions(es: Elasticsearch, tenant: str, month: Month, as_of: dt.datetime | None = None,
                       page_size: int = 1000) -> Dispositions:
    """The triage state of each of the month's alerts (those in `alerts_pattern(tenant, month)` that the month's
    other queries count) as of `as_of` (default the end of the month), and the earlier alerts still unresolved."""
    as_of = as_of or month.end
    alerts = {
        str(hit["_source"]["alert_id"]): hit["_source"] for hit in _scan(
            es, alerts_pattern(tenant, month.label), _in_month(month),
            sort=[{"alert_id": "asc"}], page_size=page_size, source=["alert_id", "rule_id", "severity"],
        )
    }
    folded, indices = triage_states(es, tenant, sorted(alerts), before=as_of, page_size=page_size)
    states = tuple(
        state.model_copy(update={"rule_id": str(alerts[alert_id]["rule_id"]),
                                 "severity": Severity(alerts[alert_id]["severity"])})
        for alert_id, state in sorted(folded.items())
    )
    return Dispositions(states=states, as_of=as_of, indices=indices,
                        carried=_carried_over(es, tenant, month, as_of, page_size))


def _carried_over(es: Elasticsearch, tenant: str, month: Month, as_of: dt.datetime,
                  page_size: int) -> tuple[SeverityCount, ...]:
    """Alerts of the twelve months before `month` not resolved by `as_of`, per severity (most severe first)."""
    since = month.start
    for _ in range(CARRIED_OVER_MONTHS):
        since = (since - dt.timedelta(days=1)).replace(day=1)
    earlier = {
        str(hit["_source"]["alert_id"]): Severity(hit["_source"]["severity"]) for hit in _scan(
            es, alerts_pattern(tenant), {"range": {"@timestamp": {"gte": since.isoformat(),
                                                                  "lt": month.start.isoformat()}}},
            sort=[{"alert_id": "asc"}], page_size=page_size, source=["alert_id", "severity"],
        )
    }
    states, _ = triage_states(es, tenant, sorted(earlier), before=as_of, page_size=page_size)
    unresolved = [severity for alert_id, severity in earlier.items()
                  if alert_id not in states or states[alert_id].status is not AlertStatus.RESOLVED]
    return tuple(SeverityCount(severity=s, count=unresolved.count(s))
                 for s in sorted(set(unresolved), key=lambda s: -s.rank))


def triage_states(
    es: Elasticsearch, tenant: str, alert_ids: Sequence[str], before: dt.datetime, page_size: int = 1000,
) -> tuple[dict[str, TriageState], tuple[str, ...]]:
    """Each listed alert's state from its triage entries with `at` before `before` (alerts without one are left
    out: open), and the triage indices read."""
    states: dict[str, TriageState] = {}
    indices: set[str] = set()
    for start in range(0, len(alert_ids), _REQUEST_ID_BATCH):
        query = {"bool": {"filter": [
            {"terms": {"alert_id": list(alert_ids[start:start + _REQUEST_ID_BATCH])}},
            {"range": {"at": {"lt": before.isoformat()}}},
        ]}}
        history: list[Mapping[str, Any]] = []
        for hit in _scan(es, triage_index(tenant), query, sort=[{"alert_id": "asc"}, {"seq": "asc"}],
                         page_size=page_size, source=_TRIAGE_FIELDS):
            indices.add(str(hit["_index"]))
            entry: Mapping[str, Any] = hit["_source"]
            if history and history[-1]["alert_id"] != entry["alert_id"]:
                states[str(history[-1]["alert_id"])] = _fold(history)
                history = []
            history.append(entry)
        if history:
            states[str(history[-1]["alert_id"])] = _fold(history)
    return states, tuple(sorted(indices))


_TRIAGE_FIELDS = ["alert_id", "seq", "at", "by", "action", "status", "note", "resolution", "incident", "rule_id",
                  "severity", "alert_detected_at"]


def _fold(history: Sequence[Mapping[str, Any]]) -> TriageState:
    """One alert's entries in seq order -> its state: the latest entry's status; while resolved, the resolution,
    incident class, time and officer of the latest resolve step, and its note with any note added after it."""
    latest = history[-1]
    status = AlertStatus(latest["status"])
    fields: dict[str, Any] = {}
    resolves = [n for n, e in enumerate(history) if e["action"] == TriageAction.RESOLVE.value]
    if status is AlertStatus.RESOLVED and resolves:
        at = resolves[-1]
        resolve = history[at]
        notes = [str(resolve.get("note") or "")] + [
            str(e.get("note") or "") for e in history[at + 1:] if e["action"] == TriageAction.NOTE.value]
        fields = {
            "resolution": Resolution(resolve["resolution"]) if resolve.get("resolution") else None,
            "incident": IncidentClass(resolve["incident"]) if resolve.get("incident") else None,
            "closed_at": _parse_time(resolve["at"]), "closed_by": str(resolve["by"]),
            "note": " / ".join(n.strip() for n in notes if n.strip()),
        }
    return TriageState(
        alert_id=str(latest["alert_id"]), rule_id=str(latest["rule_id"]), severity=Severity(latest["severity"]),
        status=status, seq=int(latest["seq"]), detected_at=_parse_time(latest["alert_detected_at"]), **fields,
    )


def median_and_max(values: Iterable[int]) -> tuple[int, int] | None:
    """Median (rounded down to the second) and maximum, or None for no values."""
    found = sorted(values)
    if not found:
        return None
    return int(statistics.median(found)), found[-1]


class RegisterEntry(_Frozen):
    """One line of the incident register (assessment III-7 ②)."""

    occurred_at: dt.datetime  # JST
    rule_id: str
    severity: Severity
    title_ja: str
    title_en: str
    actor_id: str
    alert_id: str
    status: AlertStatus  # resolved for an incident; open or acknowledged for an unclassified critical alert
    incident: IncidentClass | None = None  # incident or serious for an incident; None when unclassified
    closed_at: dt.datetime | None = None
    closed_by: str | None = None
    note: str = ""


class IncidentRegister(_Frozen):
    """Alerts of a span, as triaged by `as_of`: those resolved as true positives and classified 事案 or 重大事故,
    and, so that none is silently dropped, every critical alert not resolved yet; oldest first."""

    incidents: tuple[RegisterEntry, ...] = ()
    unclassified: tuple[RegisterEntry, ...] = ()
    critical: int = 0  # critical alerts in the span
    critical_not_incident: int = 0  # of those, resolved as false positive, benign or a true positive but no incident


_INCIDENT_CLASSES = (IncidentClass.INCIDENT.value, IncidentClass.SERIOUS.value)
_REGISTER_FIELDS = ["alert_id", "@timestamp", "rule_id", "severity", "title", "user.id"]


def incident_register(
    es: Elasticsearch, tenant: str, start: dt.datetime, end: dt.datetime, as_of: dt.datetime, page_size: int = 1000,
) -> IncidentRegister:
    """The register of alerts that occurred in [start, end), with their triage as of `as_of` (exclusive)."""
    span = {"range": {"@timestamp": {"gte": start.isoformat(), "lt": end.isoformat()}}}
    # Alerts ever resolved as an incident before as_of; a later step may have reopened one, which the fold shows.
    classified = sorted({str(hit["_source"]["alert_id"]) for hit in _scan(
        es, triage_index(tenant), {"bool": {"filter": [
            {"term": {"action": TriageAction.RESOLVE.value}}, {"terms": {"incident": list(_INCIDENT_CLASSES)}},
            {"range": {"at": {"lt": as_of.isoformat()}}},
        ]}}, sort=[{"alert_id": "asc"}, {"seq": "asc"}], page_size=page_size, source=["alert_id"])})
    alerts: dict[str, Mapping[str, Any]] = {}
    critical = {"bool": {"filter": [{"term": {"severity": Severity.CRITICAL.value}}, span]}}
    queries = [critical] + [
        {"bool": {"filter": [{"terms": {"alert_id": classified[n:n + _REQUEST_ID_BATCH]}}, span]}}
        for n in range(0, len(classified), _REQUEST_ID_BATCH)
    ]
    for query in queries:
        for hit in _scan(es, alerts_pattern(tenant), query, sort=[{"alert_id": "asc"}], page_size=page_size,
                         source=_REGISTER_FIELDS):
            alerts[str(hit["_source"]["alert_id"])] = hit["_source"]
    states, _ = triage_states(es, tenant, sorted(alerts), before=as_of, page_size=page_size)
    incidents, unclassified, not_incident = [], [], 0
    for alert_id, doc in alerts.items():
        state = states.get(alert_id)
        resolved = state is not None and state.status is AlertStatus.RESOLVED
        entry = RegisterEntry(
            occurred_at=_parse_time(doc["@timestamp"]), rule_id=str(doc["rule_id"]),
            severity=Severity(doc["severity"]), title_ja=str(doc["title"]["ja"]), title_en=str(doc["title"]["en"]),
            actor_id=str(doc["user"]["id"]), alert_id=alert_id,
            status=state.status if state else AlertStatus.OPEN,
            incident=state.incident if resolved and state else None,
            closed_at=state.closed_at if resolved and state else None,
            closed_by=state.closed_by if resolved and state else None,
            note=state.note if resolved and state else "",
        )
        if (resolved and state and state.resolution is Resolution.TRUE_POSITIVE
                and state.incident in (IncidentClass.INCIDENT, IncidentClass.SERIOUS)):
            incidents.append(entry)
        elif entry.severity is Severity.CRITICAL and not resolved:
            unclassified.append(entry)
        elif entry.severity is Severity.CRITICAL:
            not_incident += 1

    def order(e: RegisterEntry) -> tuple[dt.datetime, str]:
        return e.occurred_at, e.alert_id

    return IncidentRegister(
        incidents=tuple(sorted(incidents, key=order)), unclassified=tuple(sorted(unclassified, key=order)),
        critical=sum(Severity(d["severity"]) is Severity.CRITICAL for d in alerts.values()),
        critical_not_incident=not_incident,
    )


def audit_activity(es: Elasticsearch, tenant: str, month: Month) -> AuditActivity:
    query = {"bool": {"filter": [_month_range(month), {"term": {"event.category": AUDIT_FAMILY}}]}}
    sources: list[dict[str, Any]] = [
        {"officer": {"terms": {"field": "user.id", "missing_bucket": True}}},
        {"action": {"terms": {"field": "event.action"}}},
    ]
    per_officer: dict[str, dict[str, int]] = defaultdict(dict)
    results: dict[str, int] = defaultdict(int)
    sub_aggs = {"results": {"sum": {"field": "kansa.result_count"}}}
    for bucket in _composite(es, events_pattern(tenant, month.label), query, sources, sub_aggs):
        action = str(bucket["key"]["action"])
        per_officer[str(bucket["key"]["officer"] or "(none)")][action] = int(bucket["doc_count"])
        results[action] += int(bucket["results"]["value"] or 0)
    return AuditActivity(
        officers=tuple(
            OfficerActivity(officer=officer, actions=tuple(ActionCount(action=a, count=n)
                                                           for a, n in sorted(actions.items())))
            for officer, actions in sorted(per_officer.items())
        ),
        results=tuple(ActionCount(action=a, count=n) for a, n in sorted(results.items())),
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
