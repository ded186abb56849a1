"""The fiscal-year roll-up (April–March): twelve months of events and alerts per rule, and the three-year
incident register that section III-7 ② of the assessment asks about (重大事故の有無): alerts triaged as true
positives and classified 事案 or 重大事故, and every critical alert not yet triaged, listed apart so none is dropped.
Triage is read as of the end of the fiscal year, so the roll-up regenerated later says the same."""

from __future__ import annotations

import datetime as dt

from elasticsearch import Elasticsearch
from pydantic import BaseModel, ConfigDict

from kansa_reporter.es_queries import IncidentRegister, RegisterEntry, incident_register
from kansa_reporter.period import Month
from kansa_schemas.indices import JST, alerts_pattern, events_pattern

__all__ = ["AnnualData", "MonthRow", "RegisterEntry", "annual_data", "fiscal_months"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class MonthRow(_Frozen):
    month: str
    events: int
    alerts: int
    alerts_by_rule: dict[str, int]


class AnnualData(_Frozen):
    tenant: str
    fiscal_year: int
    months: tuple[MonthRow, ...]
    rules: tuple[str, ...]
    # Alerts of this and the two previous fiscal years, triaged as of the end of this one.
    incident_register: IncidentRegister
    incidents_from: dt.date

    @property
    def incidents(self) -> tuple[RegisterEntry, ...]:
        """Alerts resolved as true positives and classified 事案 or 重大事故."""
        return self.incident_register.incidents

    @property
    def unclassified(self) -> tuple[RegisterEntry, ...]:
        """Critical alerts not resolved by the end of the fiscal year."""
        return self.incident_register.unclassified


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
    register = incident_register(es, tenant, start, months[-1].end, as_of=months[-1].end)
    rules = tuple(sorted({r for row in rows for r in row.alerts_by_rule}))
    return AnnualData(tenant=tenant, fiscal_year=fiscal_year, months=tuple(rows), rules=rules,
                      incident_register=register, incidents_from=register_from)
