"""HR changes from the personnel system. `staff_id` is the person concerned; the actor is the HR feed."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime

from kansa_schemas.envelope import EventEnvelope, Identifier


class HrChangeType(StrEnum):
    TRANSFER = "transfer"
    RETIREMENT = "retirement"
    SECONDMENT = "secondment"
    DISMISSAL = "dismissal"
    LEAVE = "leave"


class HrChange(EventEnvelope):
    action: Literal["hr.changed"]
    staff_id: Identifier
    change_type: HrChangeType
    effective_at: AwareDatetime
    from_org: Identifier | None = None
    to_org: Identifier | None = None

    @property
    def partition_subject(self) -> str:
        return self.staff_id
