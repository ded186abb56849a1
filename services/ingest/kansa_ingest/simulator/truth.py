"""Ground truth, written from the injection plan alone (never from a detector).

One JSON line per injected violation:
`{"rule_id", "tenant", "actor_id", "event_ids", "occurred_at", "variant"}`. `event_ids[0]` is the event that
completes the violation (the one a detector should fire on) and `occurred_at` is its time; the rest are the other
events that make it up. `actor_id` is that completing event's actor (for DR-33, the approver).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kansa_ingest.simulator.stream import EventDraft


@dataclass(frozen=True)
class TruthRecord:
    rule_id: str
    tenant: str
    actor_id: str
    event_ids: tuple[str, ...]
    occurred_at: dt.datetime
    variant: str

    def as_json(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "tenant": self.tenant,
            "actor_id": self.actor_id,
            "event_ids": list(self.event_ids),
            "occurred_at": self.occurred_at.isoformat(),
            "variant": self.variant,
        }


@dataclass(frozen=True)
class _Pending:
    rule_id: str
    variant: str
    events: tuple[EventDraft, ...]


@dataclass(frozen=True)
class LookAlike:
    rule_id: str
    variant: str
    actor_id: str


class TruthLedger:
    """Scenarios record here what they injected; ids are resolved once the stream has numbered its events."""

    def __init__(self) -> None:
        self._pending: list[_Pending] = []
        self.lookalikes: list[LookAlike] = []

    def violation(self, rule_id: str, variant: str, events: Sequence[EventDraft]) -> None:
        if not events:
            raise ValueError(f"{rule_id} {variant}: a violation needs at least its completing event")
        self._pending.append(_Pending(rule_id, variant, tuple(events)))

    def lookalike(self, rule_id: str, variant: str, actor_id: str) -> None:
        self.lookalikes.append(LookAlike(rule_id, variant, actor_id))

    def resolve(self, tenant: str) -> list[TruthRecord]:
        records = []
        for item in self._pending:
            completing = item.events[0]
            if not completing.event_id:
                raise RuntimeError("resolve the truth only after the event stream is finalised")
            records.append(TruthRecord(
                rule_id=item.rule_id, tenant=tenant, actor_id=completing.actor.id,
                event_ids=tuple(dict.fromkeys(e.event_id for e in item.events)),
                occurred_at=completing.occurred_at, variant=item.variant,
            ))
        return sorted(records, key=lambda r: (r.occurred_at, r.rule_id, r.event_ids[0]))


def truth_text(records: Sequence[TruthRecord]) -> str:
    return "".join(json.dumps(r.as_json(), ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)


def write_truth(path: Path, records: Sequence[TruthRecord]) -> None:
    path.write_text(truth_text(records), encoding="utf-8", newline="\n")
