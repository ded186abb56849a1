"""Data use: My Number searches, record views/updates/deletes, prints, hardcopies and extracts."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kansa_schemas.envelope import EventEnvelope, Identifier


class MyNumberSearch(EventEnvelope):
    action: Literal["mynumber.search"]
    query_type: Literal["mynumber", "name", "atena_no", "insured_no"] = "mynumber"
    result_count: int = Field(default=1, ge=0)
    case_id: Identifier | None = None


class RecordAccess(EventEnvelope):
    action: Literal["record.view", "record.update", "record.delete", "record.print", "screen.hardcopy"]
    contains_mynumber: bool = False
    case_id: Identifier | None = None
    record_type: Identifier | None = None
    reason: str | None = Field(default=None, max_length=2000)


class RecordExtract(EventEnvelope):
    action: Literal["record.extract"]
    record_count: int = Field(ge=0)
    format: Literal["csv", "pdf", "xlsx", "fixed", "other"] = "csv"
    contains_mynumber: bool = False
