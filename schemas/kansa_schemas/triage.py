"""Alert triage: open → acknowledged → resolved, kept as an append-only history per alert.

Each step is one `TriageEntry`; the alert's state is its latest entry (highest `seq`), and an alert with no entry
is open. Entries are never updated: the store writes each with a create-only id `<alert_id>:<seq>`, so two officers
acting on one alert at once cannot both win (the second gets a conflict and must reload).
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, Field, model_validator

from kansa_schemas.alert import Severity
from kansa_schemas.envelope import Identifier, Model, TenantCode


class AlertStatus(StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class Resolution(StrEnum):
    TRUE_POSITIVE = "true_positive"
    FALSE_POSITIVE = "false_positive"
    BENIGN = "benign"


class IncidentClass(StrEnum):
    """What a true positive was, for the three-year incident register (assessment III-7 ②)."""

    NONE = "none"
    INCIDENT = "incident"  # 事案 (e.g. 漏えい等事案 reported internally)
    SERIOUS = "serious"  # 重大事故 / 重大事態: reported to the Personal Information Protection Commission


class TriageAction(StrEnum):
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    ASSIGN = "assign"
    NOTE = "note"


# action -> (states it may start from, state it leaves); assign and note keep the state.
TRANSITIONS: dict[TriageAction, tuple[frozenset[AlertStatus], AlertStatus | None]] = {
    TriageAction.ACKNOWLEDGE: (frozenset({AlertStatus.OPEN}), AlertStatus.ACKNOWLEDGED),
    TriageAction.RESOLVE: (frozenset({AlertStatus.ACKNOWLEDGED}), AlertStatus.RESOLVED),
    TriageAction.REOPEN: (frozenset({AlertStatus.RESOLVED}), AlertStatus.OPEN),
    TriageAction.ASSIGN: (frozenset({AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED}), None),
    TriageAction.NOTE: (frozenset(AlertStatus), None),
}


class TriageError(ValueError):
    """A step that does not fit the alert's state; the message says what to do instead."""


class TriageRequest(Model):
    """What an officer asks for; the store turns it into the next `TriageEntry`."""

    action: TriageAction
    note: str = Field(default="", max_length=4000)
    assignee: Identifier | None = None
    resolution: Resolution | None = None
    incident: IncidentClass | None = None
    expected_seq: int | None = Field(default=None, ge=0, description=(
        "The seq the officer last saw; when given and the alert moved on since, the step is refused."))

    @model_validator(mode="after")
    def _consistent(self) -> TriageRequest:
        if self.action is TriageAction.RESOLVE and self.resolution is None:
            raise ValueError("resolve needs a resolution: true_positive, false_positive or benign")
        if self.action is not TriageAction.RESOLVE and (self.resolution or self.incident):
            raise ValueError("resolution and incident are given only with the resolve action")
        if self.incident not in (None, IncidentClass.NONE) and self.resolution is not Resolution.TRUE_POSITIVE:
            raise ValueError("only a true_positive can be classified as an incident")
        if self.action is TriageAction.ASSIGN and not self.assignee:
            raise ValueError("assign needs an assignee")
        if self.action is TriageAction.NOTE and not self.note.strip():
            raise ValueError("note needs a non-empty note")
        return self


class TriageEntry(Model):
    tenant: TenantCode
    alert_id: Identifier
    seq: int = Field(ge=1)
    at: AwareDatetime
    by: Identifier
    action: TriageAction
    status: AlertStatus = Field(description="The alert's state after this step.")
    note: str = ""
    assignee: Identifier | None = None
    resolution: Resolution | None = None
    incident: IncidentClass | None = None
    # Copied from the alert so the report can measure time to close from the triage index alone.
    rule_id: Identifier
    severity: Severity
    alert_detected_at: AwareDatetime


def next_entry(request: TriageRequest, previous: TriageEntry | None, *, tenant: str, alert_id: str, by: str,
               at: AwareDatetime, rule_id: str, severity: Severity, alert_detected_at: AwareDatetime) -> TriageEntry:
    """The entry `request` appends after `previous` (None: the alert is untouched and open)."""
    current = previous.status if previous else AlertStatus.OPEN
    seq = previous.seq if previous else 0
    if request.expected_seq is not None and request.expected_seq != seq:
        raise TriageError(f"the alert changed since you loaded it (now at step {seq}, you saw {request.expected_seq});"
                          " reload it and try again")
    allowed_from, target = TRANSITIONS[request.action]
    if current not in allowed_from:
        allowed = ", ".join(sorted(s.value for s in allowed_from))
        raise TriageError(f"cannot {request.action.value} an alert that is {current.value}; "
                          f"{request.action.value} applies to: {allowed}")
    assignee = request.assignee if request.action is TriageAction.ASSIGN else (previous.assignee if previous else None)
    if request.action is TriageAction.ACKNOWLEDGE and assignee is None:
        assignee = by  # acknowledging takes the alert unless it was already assigned
    return TriageEntry(
        tenant=tenant, alert_id=alert_id, seq=seq + 1, at=at, by=by, action=request.action,
        status=target or current, note=request.note, assignee=assignee,
        resolution=request.resolution, incident=request.incident if request.resolution else None,
        rule_id=rule_id, severity=severity, alert_detected_at=alert_detected_at,
    )
