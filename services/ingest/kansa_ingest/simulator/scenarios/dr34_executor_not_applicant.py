"""DR-34 export executed by someone other than the applicant (000 L448 「申請した者しか持ち出しが出来ない」; L341
reads the opposite, see the requirements' caveat 1; the detector's default is L448's executor == applicant).

Violations (the execution completes it; its actor, the executor, is the truth's actor_id), each approved by the
applicant's 上長 or 所属長 on a registered device, encrypted, as requested (so no other export rule applies):
- colleague_executes: a clerk of the applicant's section writes the approved file;
- approver_executes: the approver writes it (also "executor is the approver").
DR-33's self_approval scenario records a third kind (the self-approving applicant executes = the approver executes).
Look-alikes: routine exports executed by the applicant after approval.
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import ExportFlow, MonthBuilder
from kansa_ingest.simulator.scenarios.base import InjectLater, approved_export, some_export
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import Rank, StaffMember

RULE_ID = "DR-34"
VARIANTS = ("colleague_executes", "approver_executes")


class ExecutorNotApplicant(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng = builder.fork(RULE_ID)
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]

            def attempt(member: StaffMember, day: dt.date, variant: str = variant) -> ExportFlow | None:
                return _other_executes(builder, rng, member, day, variant)

            flow = some_export(builder, rng, attempt, what=f"a {RULE_ID} {variant} export")
            assert flow.executed is not None and flow.requested is not None and flow.decision is not None
            ledger.violation(RULE_ID, variant, [flow.executed, flow.requested, flow.decision])

        flow = some_export(builder, rng, approved_export(builder),
                           what=f"a {RULE_ID} look-alike")
        assert flow.requested is not None
        ledger.lookalike(RULE_ID, "applicant_executes", flow.requested.actor.id)


def _other_executes(
    builder: MonthBuilder, rng: random.Random, applicant: StaffMember, day: dt.date, variant: str
) -> ExportFlow | None:
    approver = builder.approver_for(applicant, day)
    if variant == "approver_executes":
        executor = approver
    else:
        colleagues = [
            s for s in builder.world.staff
            if s.rank is Rank.CLERK and s.staff_id != applicant.staff_id and (s.staff_id, day) in builder.shifts
            and builder.timeline.org_on(s.staff_id, day) == applicant.org_unit
            and not builder.timeline.departed(s.staff_id, day)
            and s.staff_id not in builder.timeline.reserved  # e.g. a DR-24 burster exporting would be a CX-01
        ]
        if not colleagues:
            return None
        executor = rng.choice(colleagues)
    return builder.export_flow(applicant, day, approver=approver, executor=executor)
