"""Event drafts: emitted in any order while the month is built, then sorted by time and numbered once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class ActorRef:
    id: str
    type: str = "staff"
    org_unit: str | None = None
    contractor_org: str | None = None

    def as_json(self) -> dict[str, str]:
        data = {"id": self.id, "type": self.type}
        if self.org_unit is not None:
            data["org_unit"] = self.org_unit
        if self.contractor_org is not None:
            data["contractor_org"] = self.contractor_org
        return data


SYSTEM_HR = ActorRef("jinji-feed", "system")
SYSTEM_LOG_COLLECTOR = ActorRef("log-collector", "system")


@dataclass(slots=True, eq=False)
class EventDraft:
    occurred_at: dt.datetime
    seq: int  # emission order; breaks ties between equal timestamps deterministically
    action: str
    actor: ActorRef
    source_system: str
    envelope: dict[str, Any]  # optional envelope fields, None already dropped
    fields: dict[str, Any]  # the action's own fields
    event_id: str = ""

    def as_json(self, tenant: str) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema_version": "1.0",
            "event_id": self.event_id,
            "occurred_at": self.occurred_at.isoformat(),
            "tenant": tenant,
            "source_system": self.source_system,
            "actor": self.actor.as_json(),
            "action": self.action,
        }
        data.update(self.envelope)
        data.update({k: _json_value(v) for k, v in self.fields.items() if v is not None})
        return data


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, tuple):
        return [_json_value(v) for v in value]
    return value


class EventStream:
    def __init__(self) -> None:
        self._drafts: list[EventDraft] = []

    def __len__(self) -> int:
        return len(self._drafts)

    def __iter__(self) -> Iterator[EventDraft]:
        return iter(self._drafts)

    def emit(
        self,
        at: dt.datetime,
        action: str,
        actor: ActorRef,
        source_system: str,
        *,
        terminal_id: str | None = None,
        session_id: str | None = None,
        network_zone: str | None = "closed",
        outcome: str = "success",
        business_code: str | None = None,
        subject_ref: str | None = None,
        **fields: Any,
    ) -> EventDraft:
        envelope = {
            "terminal_id": terminal_id,
            "network_zone": network_zone,
            "session_id": session_id,
            "outcome": outcome,
            "business_code": business_code,
            "subject_ref": subject_ref,
        }
        draft = EventDraft(
            occurred_at=at, seq=len(self._drafts), action=action, actor=actor, source_system=source_system,
            envelope={k: v for k, v in envelope.items() if v is not None}, fields=fields,
        )
        self._drafts.append(draft)
        return draft

    def discard(self, draft: EventDraft) -> None:
        """Withdraw an emitted draft (a scenario replacing part of a benign chain, e.g. a skipped face login)."""
        self._drafts.remove(draft)

    def finalize(self, tenant: str, id_prefix: str) -> list[dict[str, Any]]:
        """Sort by time and number the events; ids follow time order so they are stable for a given seed."""
        ordered = sorted(self._drafts, key=lambda d: (d.occurred_at, d.seq))
        for number, draft in enumerate(ordered, start=1):
            draft.event_id = f"{id_prefix}-{number:08d}"
        return [d.as_json(tenant) for d in ordered]
