"""DR-22 lookup outside the user's business (000 L536 所掌する事務以外は閲覧できない; 001 L307, L372 業務外利用の禁止).

A clerk's business is that of their section at the time (the roster, then the HR feed's transfers in force).
Violations, by a clerk in the middle of a case of their own business, so that the resident has a case behind them
(no DR-23) and the business is a My Number one (no DR-21):
- other_section_search: the clerk searches the same resident in another section's business by My Number;
- other_section_view: the clerk opens the resident's record in another section's business.
Look-alikes (quiet): a ward-office clerk (two businesses) working a case of the second one; the month's
transferees working in their new section's business after the move (generate.py, DR-01's scenario).
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day, require_slot
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESSES, StaffMember
from kansa_schemas.events.hr import HrChangeType

RULE_ID = "DR-22"
VARIANTS = ("other_section_search", "other_section_view")
LOOKALIKE = "ward_office_second_business"
_SPAN = dt.timedelta(minutes=10)


class LookupOutsideBusiness(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._planned: list[tuple[str, StaffMember, dt.date]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        world = builder.world
        for number in range(violations):
            member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=False)),
                                             what=f"a {RULE_ID} violation")
            self._planned.append((VARIANTS[number % len(VARIANTS)], member, day))

        def two_businesses(member: StaffMember, _day: dt.date) -> DayPlan | None:
            return DayPlan(overtime=False) if len(world.unit_by_id[member.org_unit].business_codes) > 1 else None

        member, day, _ = claim_clerk_day(builder, rng, two_businesses, what=f"a {RULE_ID} look-alike")
        self._planned.append((LOOKALIKE, member, day))
        ledger.lookalike(RULE_ID, LOOKALIKE, member.staff_id)
        for plan in sorted(builder.timeline.hr.values(), key=lambda p: p.staff_id):
            if plan.change_type is HrChangeType.TRANSFER:
                ledger.lookalike(RULE_ID, "transferee_new_business", plan.staff_id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, world = self._rng, builder.world
        for kind, member, day in self._planned:
            shift = builder.shifts[(member.staff_id, day)]
            start, session = require_slot(builder, shift, at(day, 9, 30), at(day, 16), _SPAN, rng, what=RULE_ID)
            actor = builder.actor(member.staff_id, day)
            codes = world.unit_by_id[member.org_unit].business_codes
            business = codes[1] if kind == LOOKALIKE else codes[0]
            subject = rng.choice(world.residents[business])
            case_id = builder.next_id(f"CASE-{member.org_unit}", 5)
            builder.case("case.received", actor, session, start, business, subject, case_id)
            moment = start + secs(rng.randint(60, 120))
            builder.case("case.opened", actor, session, moment, business, subject, case_id)
            moment += secs(rng.randint(60, 180))
            builder.search(actor, session, moment, business, subject, case_id=case_id)
            moment += secs(rng.randint(60, 180))
            if kind == LOOKALIKE:
                builder.record("record.view", actor, session, moment, business, subject, case_id=case_id)
                continue
            foreign = rng.choice([code for code in BUSINESSES if code not in codes])
            if kind == "other_section_search":
                outside = builder.search(actor, session, moment, foreign, subject)
            else:
                outside = builder.record("record.view", actor, session, moment, foreign, subject)
            ledger.violation(RULE_ID, kind, [outside])
