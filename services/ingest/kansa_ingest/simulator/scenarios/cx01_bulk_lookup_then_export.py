"""CX-01 bulk My Number lookup, then an export by the same person within 24 hours (domain.md: → Critical).

Violation (bulk_then_export): a designated export applicant enumerates 150-200 residents in the morning (itself a
DR-24 violation, recorded as such) and then requests, gets approved and executes an ordinary export that day.
Look-alikes: every routine export by an applicant with no bulk lookup before it (the benign month), and DR-24's
bursts, whose clerks export nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, secs
from kansa_ingest.simulator.scenarios.dr24_bulk_lookup import BulkLookup
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import StaffMember

RULE_ID = "CX-01"


class BulkLookupThenExport(BulkLookup):
    rule_id = RULE_ID
    busy_days = 0  # DR-24's own scenario brings the busy-day look-alikes

    def __init__(self) -> None:
        super().__init__()
        self._exports: list[EventDraft] = []

    def _burst_plan(self, builder: MonthBuilder) -> Callable[[StaffMember, dt.date], DayPlan | None]:
        applicants = {a.staff_id for a in builder.world.applicants}
        return lambda member, _day: DayPlan(overtime=False) if member.staff_id in applicants else None

    def _burst_size(self, rng: random.Random) -> int:
        return rng.randint(110, 130)  # above the floor of 100, and over by about 10:30 to leave room for the export

    def _burst_start(self, rng: random.Random, day: dt.date) -> dt.time:
        # Early, so the export (requested from 09:00 on, outside the burst) always comes after it.
        return (dt.datetime.combine(day, dt.time(8, 50)) + secs(rng.randint(0, 600))).time()

    def _after_burst(self, builder: MonthBuilder, member: StaffMember, day: dt.date) -> None:
        flow = builder.export_flow(member, day, approver=builder.approver_for(member, day))
        if flow is None or flow.executed is None:
            raise RuntimeError(f"no room for the {RULE_ID} export of {member.staff_id} on {day}")
        self._exports.append(flow.executed)

    def finish(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        super().finish(builder, ledger)  # the bursts, as DR-24 violations
        for (_, _, burst), executed in zip(self._injected, self._exports, strict=True):
            ledger.violation(RULE_ID, "bulk_then_export", [executed, *burst])
        bursters = {member.staff_id for member, _, _ in self._injected}
        routine = next((e for e in builder.stream if e.action == "export.executed" and e.actor.id not in bursters),
                       None)
        if routine is not None:
            ledger.lookalike(RULE_ID, "export_after_ordinary_lookups", routine.actor.id)
