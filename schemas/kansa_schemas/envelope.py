"""The event envelope every source writes to (domain.md, "Events")."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_VERSION = "1.0"

TenantCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]
CONTRACTOR_PARTITION = "~contractors"
"""Partition subject of every contractor or subcontractor event and of work orders (events/contractors.py): the
rules checking contractor work against its orders (DR-60, DR-64) need both in one engine, and a subcontractor's
own organisation does not name the prime whose orders cover it. Contractor traffic is small, so one key per tenant."""


class ActorType(StrEnum):
    STAFF = "staff"
    CONTRACTOR = "contractor"
    SUBCONTRACTOR = "subcontractor"
    SYSTEM = "system"
    PLATFORM_OPERATOR = "platform_operator"
    MEDICAL_INSTITUTION = "medical_institution"


class Outcome(StrEnum):
    SUCCESS = "success"
    DENIED = "denied"
    ERROR = "error"


class NetworkZone(StrEnum):
    LGWAN = "lgwan"
    CLOSED = "closed"
    INTERNAL = "internal"
    INTERNET = "internet"


class Model(BaseModel):
    """Strict base for everything that crosses a boundary: unknown fields are errors, not silently kept."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Actor(Model):
    id: Identifier
    type: ActorType = ActorType.STAFF
    org_unit: Identifier | None = None
    contractor_org: Identifier | None = None


class EventEnvelope(Model):
    """Fields common to every event. Subclasses narrow `action` to their family's literals."""

    schema_version: str = Field(default=SCHEMA_VERSION, pattern=r"^1\.\d+$")
    event_id: Identifier
    occurred_at: AwareDatetime
    tenant: TenantCode
    source_system: Identifier
    actor: Actor
    terminal_id: Identifier | None = None
    network_zone: NetworkZone | None = None
    session_id: Identifier | None = None
    action: str
    outcome: Outcome = Outcome.SUCCESS
    business_code: Identifier | None = None
    subject_ref: Identifier | None = Field(
        default=None, description="Token of the resident whose data is touched; never a raw personal number."
    )

    @property
    def partition_subject(self) -> str:
        """Whom the event is about, which decides its Kafka key and so its partition. A family overrides this
        when its rules need the events of the person acted upon together (HR changes: the staff member).
        Contractors' and subcontractors' events go with the work orders that cover them (CONTRACTOR_PARTITION)."""
        if self.actor.type in (ActorType.CONTRACTOR, ActorType.SUBCONTRACTOR):
            return CONTRACTOR_PARTITION
        return self.actor.id

    @property
    def family(self) -> str:
        return self.action.split(".", 1)[0]
