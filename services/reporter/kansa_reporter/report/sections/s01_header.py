"""§4.2 item 1: who, which month, which period and which indices the report was built from."""

from __future__ import annotations

import datetime as dt

from kansa_reporter.es_queries import MonthlyData
from kansa_reporter.report.sections import SectionView
from kansa_schemas.indices import JST, alerts_pattern, events_pattern, triage_index

ASSESSMENT_ITEMS = ("requirements §4.2-1",)


class Header(SectionView):
    tenant: str
    month: str
    period_first: dt.date
    period_last: dt.date
    period_start: dt.datetime
    period_end: dt.datetime  # exclusive
    events_pattern: str
    alerts_pattern: str
    triage_index: str
    indices: tuple[str, ...]
    generated_at: dt.datetime | None  # only when the caller passes one, so the same data renders the same bytes


def build(data: MonthlyData, generated_at: dt.datetime | None = None) -> Header:
    return Header(
        assessment_items=ASSESSMENT_ITEMS, tenant=data.tenant, month=data.month.label,
        period_first=data.month.first_day, period_last=data.month.last_day,
        period_start=data.month.start, period_end=data.month.end,
        events_pattern=events_pattern(data.tenant, data.month.label),
        alerts_pattern=alerts_pattern(data.tenant, data.month.label),
        triage_index=triage_index(data.tenant),
        indices=data.indices,
        generated_at=None if generated_at is None else generated_at.astimezone(JST),
    )
