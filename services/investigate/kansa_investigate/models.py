"""Request and response models of the investigation API: every boundary is a pydantic model that forbids unknown
fields, so a misspelt filter is a 422 naming it rather than a search that silently ignores it."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from kansa_schemas import mynumber
from kansa_schemas.alert import Severity
from kansa_schemas.envelope import Outcome
from kansa_schemas.events import ACTION_FAMILIES
from kansa_schemas.triage import AlertStatus, TriageEntry

FAMILIES = tuple(sorted(set(ACTION_FAMILIES.values())))


def _personal_number(value: str | None) -> str | None:
    if value is None:
        return None
    digits = value.replace("-", "").replace(" ", "")
    if not mynumber.is_valid(digits):
        # Never echo the value: it may be a real number with one digit mistyped.
        raise ValueError("not a valid 12-digit personal number (length or check digit); check and retype it")
    return digits


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EventFilters(Strict):
    """What to look for. Every filter given must match; `text` searches the fields that hold free text."""

    actor: str | None = Field(default=None, max_length=128, description="Staff or contractor user id.")
    subject_ref: str | None = Field(default=None, max_length=128, description="Resident token (mnt_…).")
    number: str | None = Field(default=None, description=(
        "A raw 12-digit personal number (officer role): tokenised on the server with the tenant key, then "
        "searched as subject_ref. Never logged or stored."))
    terminal: str | None = Field(default=None, max_length=128)
    family: str | None = Field(default=None, description=f"Action family: one of {', '.join(FAMILIES)}.")
    action: str | None = Field(default=None, max_length=64, description="e.g. mynumber.search, export.executed.")
    business: str | None = Field(default=None, max_length=64, description="Business (事務) code.")
    case: str | None = Field(default=None, max_length=128, description="Case (案件) id.")
    outcome: Outcome | None = None
    from_: AwareDatetime | None = Field(default=None, alias="from", description="Inclusive, with a time zone.")
    to: AwareDatetime | None = Field(default=None, description="Exclusive, with a time zone.")
    text: str | None = Field(default=None, max_length=200, description="Free text over the event's text fields.")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("number")
    @classmethod
    def _valid_number(cls, value: str | None) -> str | None:
        return _personal_number(value)

    @field_validator("family")
    @classmethod
    def _known_family(cls, value: str | None) -> str | None:
        if value is not None and value not in FAMILIES:
            raise ValueError(f"unknown family {value!r}; use one of {', '.join(FAMILIES)}")
        return value

    @field_validator("action")
    @classmethod
    def _known_action(cls, value: str | None) -> str | None:
        if value is not None and value not in ACTION_FAMILIES:
            raise ValueError(f"unknown action {value!r}; see the event schema (schemas/json/event.schema.json)")
        return value

    @model_validator(mode="after")
    def _ordered(self) -> EventFilters:
        if self.from_ and self.to and self.from_ >= self.to:
            raise ValueError("'from' must be before 'to'")
        if self.number and self.subject_ref:
            raise ValueError("give either number or subject_ref, not both")
        return self


class SearchRequest(EventFilters):
    size: int = Field(default=50, ge=1, description="Hits per page (at most the server's max_page_size).")
    cursor: str | None = Field(default=None, description="next_cursor of the previous page; same filters.")


class SearchPage(Strict):
    total: int = Field(description="Every event that matches, not only this page.")
    hits: list[dict[str, Any]]
    next_cursor: str | None = Field(description="Pass as cursor for the next page; null on the last page.")


class CountsRequest(EventFilters):
    by: Literal["day", "actor"] = "day"


class Bucket(Strict):
    key: str
    count: int


class Counts(Strict):
    by: Literal["day", "actor"]
    total: int
    buckets: list[Bucket]


class HistoryRequest(Strict):
    number: str | None = None
    subject_ref: str | None = Field(default=None, max_length=128)
    from_: AwareDatetime | None = Field(default=None, alias="from")
    to: AwareDatetime | None = None
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("number")
    @classmethod
    def _valid_number(cls, value: str | None) -> str | None:
        return _personal_number(value)

    @model_validator(mode="after")
    def _one_subject(self) -> HistoryRequest:
        if bool(self.number) == bool(self.subject_ref):
            raise ValueError("give exactly one of number or subject_ref")
        if self.from_ and self.to and self.from_ >= self.to:
            raise ValueError("'from' must be before 'to'")
        return self


class HistoryRow(Strict):
    at: dt.datetime
    event_id: str
    actor: str
    department: str | None
    terminal: str | None
    action: str
    business: str | None
    outcome: str
    case_id: str | None = Field(description="The case that justified the access; null when none matched.")
    case_basis: Literal["recorded", "window", "none"] = Field(description=(
        "recorded: the event named its case; window: a case for this resident within -90/+7 days; none."))


class History(Strict):
    tenant: str
    subject_ref: str
    period_from: dt.datetime | None
    period_to: dt.datetime | None
    rows: list[HistoryRow]
    without_case: int


class AlertFilters(Strict):
    rule: str | None = Field(default=None, max_length=16)
    severity: Severity | None = None
    status: AlertStatus | None = None
    actor: str | None = Field(default=None, max_length=128)
    assignee: str | None = Field(default=None, max_length=128)
    from_: AwareDatetime | None = Field(default=None, alias="from")
    to: AwareDatetime | None = None
    size: int = Field(default=50, ge=1)
    cursor: str | None = None
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AlertView(Strict):
    alert: dict[str, Any]
    status: AlertStatus
    assignee: str | None
    seq: int = Field(description="Triage steps so far; send as expected_seq with the next step.")


class AlertPage(Strict):
    total: int
    alerts: list[AlertView]
    next_cursor: str | None


class AlertDetail(AlertView):
    history: list[TriageEntry]
    events: list[dict[str, Any]]


class ErrorBody(Strict):
    path: str
    message: str


class ErrorResponse(Strict):
    error: ErrorBody
