"""Audit of the auditors: what officers did through the investigation API (searches, exports, triage, refusals).

These travel the same pipeline as every other event, so they are indexed, searchable and counted in the monthly
report. `query` is the request as the server understood it, with any personal number already replaced by its token.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kansa_schemas.envelope import EventEnvelope, Identifier

AuditAction = Literal[
    "audit.search", "audit.event_view", "audit.history_export", "audit.alert_view", "audit.alert_triage",
    "audit.denied",
]


class AuditEvent(EventEnvelope):
    action: AuditAction
    endpoint: str = Field(max_length=200, description="Method and route template, e.g. 'POST /v1/.../search'.")
    query: str = Field(default="", max_length=4000, description="Canonical JSON of the request; tokens only.")
    result_count: int = Field(default=0, ge=0)
    http_status: int = Field(ge=100, le=599)
    role: Literal["viewer", "officer", "admin", "none"]
    target_ref: Identifier | None = Field(default=None, description="Alert id or event id acted on, if any.")
    export_format: Literal["json", "csv", "html", "pdf"] | None = None
