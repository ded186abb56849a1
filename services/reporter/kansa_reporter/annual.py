"""The fiscal-year roll-up (April–March): twelve months of events and alerts per rule, and the three-year
register of critical alerts that section III-7 ② of the assessment asks about (重大事故の有無)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from elasticsearch import Elasticsearch
from pydantic import BaseModel, ConfigDict

from kansa_reporter.period import Month
from kansa_schemas.indices import JST, alerts_pattern, events_pattern


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MonthRow(_Frozen):
    month: str
    events: int
    alerts: int
    alerts_by_rule: dict[str, int]


class RegisterEntry(_Frozen):
    occurred_at: dt.datetime
    rule_id: str
    title_ja: str
    title_en: str
    actor_id: str
    alert_id: str


class AnnualData(_Frozen):
    tenant: str
    fiscal_year: int
    months: tuple[MonthRow, ...]
    rules: tuple[str, ...]
    incidents: tuple[RegisterEntry, ...]  # critical alerts of this and the two previous fiscal years
    incidents_from: dt.date


def fiscal_months(fiscal_year: int) -> list[Month]:
    return [Month(year=fiscal_year + (m < 4), month=m) for m in (*range(4, 13), *range(1, 4))]


def annual_data(es: Elasticsearch, tenant: str, fiscal_year: int) -> AnnualData:
    months = fiscal_months(fiscal_year)
    rows = []
    for month in months:
        span = {"range": {"@timestamp": {"gte": month.start.isoformat(), "lt": month.end.isoformat()}}}
        events = es.count(index=events_pattern(tenant), query=span, ignore_unavailable=True,
                          allow_no_indices=True)["count"]
        found = es.search(index=alerts_pattern(tenant), size=0, query=span, ignore_unavailable=True,
                          allow_no_indices=True, aggs={"rules": {"terms": {"field": "rule_id", "size": 500}}})
        by_rule = {str(b["key"]): int(b["doc_count"]) for b in (found.get("aggregations") or {}).get(
            "rules", {}).get("buckets", [])}
        rows.append(MonthRow(month=month.label, events=int(events), alerts=sum(by_rule.values()),
                             alerts_by_rule=by_rule))
    register_from = dt.date(fiscal_year - 2, 4, 1)
    start = dt.datetime.combine(register_from, dt.time(), JST)
    query: dict[str, Any] = {"bool": {"filter": [
        {"term": {"severity": "critical"}},
        {"range": {"@timestamp": {"gte": start.isoformat(), "lt": months[-1].end.isoformat()}}},
    ]}}
    hits = es.search(index=alerts_pattern(tenant), query=query, size=10_000, ignore_unavailable=True,
                     allow_no_indices=True, sort=[{"@timestamp": "asc"}, {"alert_id": "asc"}])["hits"]["hits"]
    register = tuple(RegisterEntry(
        occurred_at=dt.datetime.fromisoformat(h["_source"]["@timestamp"]), rule_id=h["_source"]["rule_id"],
        title_ja=h["_source"]["title"]["ja"], title_en=h["_source"]["title"]["en"],
        actor_id=h["_source"]["user"]["id"], alert_id=h["_source"]["alert_id"]) for h in hits)
    rules = tuple(sorted({r for row in rows for r in row.alerts_by_rule}))
    return AnnualData(tenant=tenant, fiscal_year=fiscal_year, months=tuple(rows), rules=rules, incidents=register,
                      incidents_from=register_from)
