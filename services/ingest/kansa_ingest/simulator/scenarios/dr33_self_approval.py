"""DR-33 self-approval or an approver who is not the applicant's 上長 or 所属長 (000 L341, L468).

Violations (the approval completes it; its actor, the approver, is the truth's actor_id):
- self_approval: the applicant approves their own request;
- peer_approval: a fellow clerk of the same section approves;
- other_unit_supervisor / other_unit_section_head: a 上長 or 所属長 of another section approves.
Each is then executed by the applicant on a registered, encrypted device (so DR-32 does not apply). A self-approved
export executed by its applicant is also executed by its approver, so its truth carries a DR-34 record as well.
Look-alikes: approved by the applicant's 上長; approved by their 所属長 (benign months also use the 所属長 when
the 上長 is on leave).
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import MonthBuilder
from kansa_ingest.simulator.scenarios.base import InjectLater
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESS_UNITS, Rank, StaffMember

RULE_ID = "DR-33"
VARIANTS = ("self_approval", "peer_approval", "other_unit_supervisor", "other_unit_section_head")
_ATTEMPTS = 300


class SelfApproval(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng = builder.fork(RULE_ID)
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]
            for _ in range(_ATTEMPTS):
                applicant, day = rng.choice(builder.world.applicants), rng.choice(builder.world.working_days)
                candidates = _approvers(builder, variant, applicant, day)
                if (applicant.staff_id, day) not in builder.shifts or not candidates:
                    continue
                flow = builder.export_flow(applicant, day, approver=rng.choice(candidates))
                if flow is not None and flow.decision is not None and flow.requested is not None:
                    ledger.violation(RULE_ID, variant, [flow.decision, flow.requested])
                    if variant == "self_approval" and flow.executed is not None:
                        # The self-approving applicant then executes: the approver executes, DR-34 in either reading.
                        ledger.violation("DR-34", "self_approved_executor", [flow.executed, flow.decision,
                                                                            flow.requested])
                    break
            else:
                raise RuntimeError(f"{RULE_ID}: no room for a {variant} export in {builder.world.label}")

        for variant in ("approved_by_supervisor", "approved_by_section_head"):
            self._lookalike(builder, rng, variant, ledger)

    def _lookalike(self, builder: MonthBuilder, rng: random.Random, variant: str, ledger: TruthLedger) -> None:
        for _ in range(_ATTEMPTS):
            applicant, day = rng.choice(builder.world.applicants), rng.choice(builder.world.working_days)
            approver_id = applicant.supervisor_id if variant == "approved_by_supervisor" else applicant.section_head_id
            approver = builder.world.staff_by_id[approver_id or ""]
            if builder.export_flow(applicant, day, approver=approver) is not None:
                ledger.lookalike(RULE_ID, variant, approver.staff_id)
                return


def _approvers(builder: MonthBuilder, variant: str, applicant: StaffMember, day: dt.date) -> list[StaffMember]:
    """People in that day who approve in the given wrong way; never the applicant's 上長 or 所属長."""
    if variant == "self_approval":
        return [applicant]
    present = [s for s in builder.world.staff if (s.staff_id, day) in builder.shifts]
    if variant == "peer_approval":
        return [s for s in present if s.rank is Rank.CLERK and s.staff_id != applicant.staff_id
                and builder.timeline.org_on(s.staff_id, day) == applicant.org_unit]
    rank = Rank.SUPERVISOR if variant == "other_unit_supervisor" else Rank.SECTION_HEAD
    others = {u.org_unit for u in BUSINESS_UNITS} - {applicant.org_unit}
    return [s for s in present if s.rank is rank and s.org_unit in others]
