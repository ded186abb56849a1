"""DR-35 export requested by someone not on the export-applicant list (000 L341 「持出し申請者を限定」).

Violations (the request completes it; its actor, the applicant, is the truth's actor_id): a clerk, or a 上長, who
is not a designated applicant requests an export; it is then approved by their own 上長 or 所属長 and executed by
them on the section's registered device, encrypted (so no other export rule applies).
Look-alikes: routine requests by designated applicants.
"""

from __future__ import annotations

from kansa_ingest.simulator.generate import MonthBuilder
from kansa_ingest.simulator.scenarios.base import InjectLater, approved_export, free_clerks, some_export
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESS_UNITS, Rank

RULE_ID = "DR-35"
VARIANTS = ("clerk_not_designated", "supervisor_not_designated")


class NonDesignatedApplicant(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, world = builder.fork(RULE_ID), builder.world
        business = {u.org_unit for u in BUSINESS_UNITS}
        reserved = builder.timeline.reserved
        people = {
            "clerk_not_designated": [s for s in free_clerks(builder) if not s.export_applicant],
            "supervisor_not_designated": [s for s in world.staff if s.rank is Rank.SUPERVISOR
                                          and s.org_unit in business and s.staff_id not in reserved],
        }
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]
            flow = some_export(builder, rng, approved_export(builder),
                               people=people[variant], what=f"a {RULE_ID} {variant} export")
            assert flow.requested is not None
            ledger.violation(RULE_ID, variant, [flow.requested])

        flow = some_export(builder, rng, approved_export(builder),
                           what=f"a {RULE_ID} look-alike")
        assert flow.requested is not None
        ledger.lookalike(RULE_ID, "designated_applicant", flow.requested.actor.id)
