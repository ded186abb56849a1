"""DR-32 export without supervisor approval (000 L341 「上長の承認が必要」, L63, L468 イ).

Violations, each executed by the applicant on a registered, encrypted device (so only DR-32 applies):
- no_approval: requested, never decided, executed anyway;
- executed_after_rejection: the 上長 rejected it, executed anyway;
- approved_after_execution: executed first, approved afterwards (事後承認: no approval *before* the write);
- no_request: written to media with no request at all.
Look-alikes: rejected and never executed; rejected, re-requested, approved, executed (a new request id).
Benign months carry about one approved export a week per applicant (generate.py).
"""

from __future__ import annotations

import random
from typing import Any

from kansa_ingest.simulator.generate import ExportFlow, MonthBuilder
from kansa_ingest.simulator.scenarios.base import InjectLater
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger

RULE_ID = "DR-32"
VARIANTS = ("no_approval", "executed_after_rejection", "approved_after_execution", "no_request")
_FLOWS: dict[str, dict[str, Any]] = {
    "no_approval": {"decision": None},
    "executed_after_rejection": {"decision": "export.rejected"},
    "approved_after_execution": {"decision": "export.approved", "execute_first": True},
    "no_request": {"decision": None, "with_request": False},
    "rejected_not_executed": {"decision": "export.rejected", "execute": False},
}
_ATTEMPTS = 300


def export_somewhere(builder: MonthBuilder, rng: random.Random, flow: str) -> ExportFlow:
    """Run one export flow for some applicant on some day when the people involved are in."""
    world = builder.world
    for _ in range(_ATTEMPTS):
        applicant, day = rng.choice(world.applicants), rng.choice(world.working_days)
        if (applicant.staff_id, day) not in builder.shifts:
            continue
        result = builder.export_flow(applicant, day, approver=builder.approver_for(applicant, day), **_FLOWS[flow])
        if result is not None:
            return result
    raise RuntimeError(f"{RULE_ID}: no room for a {flow} export in {world.label}")


class ExportWithoutApproval(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, world = builder.fork(RULE_ID), builder.world
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]
            flow = export_somewhere(builder, rng, variant)
            assert flow.executed is not None
            # A later approval is evidence, not part of the violation; a prior rejection is.
            earlier = [] if variant == "approved_after_execution" else [flow.decision]
            events = [e for e in (flow.executed, *earlier, flow.requested) if isinstance(e, EventDraft)]
            ledger.violation(RULE_ID, variant, events)

        rejected = export_somewhere(builder, rng, "rejected_not_executed")
        assert rejected.requested is not None
        ledger.lookalike(RULE_ID, "rejected_not_executed", rejected.requested.actor.id)

        first = export_somewhere(builder, rng, "rejected_not_executed")
        assert first.requested is not None
        applicant = world.staff_by_id[first.requested.actor.id]
        later = [d for d in world.working_days if d > first.requested.occurred_at.date()]
        for day in later:
            retry = builder.export_flow(applicant, day, approver=builder.approver_for(applicant, day))
            if retry is not None:
                ledger.lookalike(RULE_ID, "rejected_then_reapproved", applicant.staff_id)
                break
