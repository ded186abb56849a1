"""Cases (applications, 届出) that justify looking at a resident's data."""

from __future__ import annotations

from typing import Literal

from kansa_schemas.envelope import EventEnvelope, Identifier


class CaseEvent(EventEnvelope):
    action: Literal["case.received", "case.opened", "case.closed"]
    case_id: Identifier
    channel: Literal["counter", "mail", "online", "internal"] = "counter"
