"""DR-36 export deviating from its request and approval (000 L341: the record covers terminal, device, file and
approver). The detector's product defaults: the approval is valid on its own business day, for one execution.

Violations (the deviating execution completes it), each requested by a designated applicant, approved by their
上長 or 所属長 and executed by the applicant, encrypted, on a registered device (so no other export rule applies):
- other_file: another, much larger file than the one requested (file hash and record count);
- device_differs: the section's other registered device instead of the requested one;
- outside_approval_day: executed on a later working day than the approval;
- approval_reused: executed as approved, then written a second time under the same request.
Look-alikes: routine exports executed late in the approval's day.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from kansa_ingest.simulator.generate import ExportFlow, MonthBuilder
from kansa_ingest.simulator.scenarios.base import InjectLater, approved_export, execute_again, some_export
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import StaffMember, safe_hex

RULE_ID = "DR-36"
_ATTEMPTS = 300
VARIANTS = ("other_file", "device_differs", "outside_approval_day", "approval_reused")


class ExportDeviatesFromApproval(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, world = builder.fork(RULE_ID), builder.world
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]
            what = f"a {RULE_ID} {variant} export"
            deviating: EventDraft | None
            if variant in ("outside_approval_day", "approval_reused"):
                flow, deviating = _twice(builder, rng, variant)
            else:
                fixed: dict[str, dict[str, Any]] = {
                    "other_file": {"file_hash": safe_hex(rng), "record_count": rng.randint(5_000, 20_000)},
                }

                def attempt(member: StaffMember, day: dt.date, variant: str = variant,
                            fixed: dict[str, dict[str, Any]] = fixed) -> ExportFlow | None:
                    execution = fixed.get(variant)
                    if variant == "device_differs":  # the section's second registered device
                        others = [m.device_id for m in world.media if m.org_unit == member.org_unit][1:]
                        execution = {"device_id": others[0]}
                    return approved_export(builder, execution=execution)(member, day)

                flow = some_export(builder, rng, attempt, what=what)
                deviating = flow.executed
            assert deviating is not None and flow.requested is not None and flow.decision is not None
            ledger.violation(RULE_ID, variant, [deviating, flow.requested, flow.decision])

        flow = some_export(builder, rng, approved_export(builder), what=f"a {RULE_ID} look-alike")
        assert flow.requested is not None
        ledger.lookalike(RULE_ID, "executed_as_approved", flow.requested.actor.id)


def _twice(builder: MonthBuilder, rng: random.Random, variant: str) -> tuple[ExportFlow, EventDraft]:
    """A routine export written again later that day (reuse), or an approved one first written on a later day."""
    world = builder.world
    for _ in range(_ATTEMPTS):
        if variant == "approval_reused":
            flow = some_export(builder, rng, approved_export(builder), what=f"a {RULE_ID} {variant} export")
            assert flow.executed is not None
            day = flow.executed.occurred_at.date()
            again = execute_again(builder, flow, day, after=flow.executed.occurred_at + dt.timedelta(minutes=30))
        else:  # approved, not written that day, written on a later working day
            flow = some_export(builder, rng, approved_export(builder, execute=False), what=f"a {RULE_ID} {variant}")
            assert flow.requested is not None
            day = flow.requested.occurred_at.date()
            later = [d for d in world.working_days if d > day]
            again = next((e for d in later if (e := execute_again(builder, flow, d)) is not None), None)
        if again is not None:
            return flow, again
    raise RuntimeError(f"{RULE_ID}: no room for a {variant} export in {world.label}")
