"""Every event family, joined into one discriminated union on `action`."""

from __future__ import annotations

from typing import Annotated, Any, get_args

from pydantic import Field, TypeAdapter

from kansa_schemas.events.audit import AuditEvent
from kansa_schemas.events.authentication import AuthFailure, AuthLogin, AuthLogout, SessionLock
from kansa_schemas.events.cases import CaseEvent
from kansa_schemas.events.contractors import ContractorWorkOrder
from kansa_schemas.events.data_use import MyNumberSearch, RecordAccess, RecordExtract
from kansa_schemas.events.export_media import (
    ExportDecision,
    ExportExecuted,
    ExportRequested,
    MediaEvent,
)
from kansa_schemas.events.hr import HrChange
from kansa_schemas.events.identity import IdentityChange
from kansa_schemas.events.infonet import InfonetProvide, InfonetQuery
from kansa_schemas.events.mail_transfer import MailSent, TransferExecuted
from kansa_schemas.events.retention import LogPipelineEvent, RetentionDeletion

EVENT_MODELS = (
    AuthLogin, AuthLogout, AuthFailure, SessionLock,
    IdentityChange,
    HrChange,
    MyNumberSearch, RecordAccess, RecordExtract,
    CaseEvent,
    ExportRequested, ExportDecision, ExportExecuted, MediaEvent,
    MailSent, TransferExecuted,
    InfonetQuery, InfonetProvide,
    ContractorWorkOrder,
    RetentionDeletion, LogPipelineEvent,
    AuditEvent,
)

Event = Annotated[
    AuthLogin | AuthLogout | AuthFailure | SessionLock
    | IdentityChange
    | HrChange
    | MyNumberSearch | RecordAccess | RecordExtract
    | CaseEvent
    | ExportRequested | ExportDecision | ExportExecuted | MediaEvent
    | MailSent | TransferExecuted
    | InfonetQuery | InfonetProvide
    | ContractorWorkOrder
    | RetentionDeletion | LogPipelineEvent
    | AuditEvent,
    Field(discriminator="action"),
]

EVENT_ADAPTER: TypeAdapter[Event] = TypeAdapter(Event)


def _actions() -> dict[str, str]:
    mapping: dict[str, str] = {}
    for model in EVENT_MODELS:
        for action in get_args(model.model_fields["action"].annotation):
            mapping[action] = model.__module__.rsplit(".", 1)[-1]
    return mapping


ACTION_FAMILIES: dict[str, str] = _actions()
"""action -> family module name, e.g. "export.executed" -> "export_media"."""


def partition_actor(event: Event) -> str:
    """Whom the event is about (each family decides: the staff member for HR changes, the actor otherwise)."""
    return event.partition_subject


def parse_event(data: Any) -> Event:
    return EVENT_ADAPTER.validate_python(data)


def parse_event_json(raw: str | bytes) -> Event:
    return EVENT_ADAPTER.validate_json(raw)


__all__ = [
    "ACTION_FAMILIES", "EVENT_ADAPTER", "EVENT_MODELS", "Event", "parse_event", "parse_event_json", "partition_actor",
]
