"""DR-54 information-network query outside the user's business or with no case (000 L364 「番号法の規定に基づき、
認められた範囲内において特定個人情報の照会を行う」).

Every query carries an issued permit (the network checks the 事務 against the item, not the user's section), so only
the purpose is in question. Violations, by a clerk in working hours on their own session:
- outside_business: the query names a 事務 the clerk's section does not run (High);
- no_case: a query in the clerk's own business about a resident no case of theirs names (Medium).
Look-alikes (quiet): case_received_days_earlier (the application came in some days before the query, which is made
while the case is worked on); the permitted queries of DR-53's look-alikes are also inside cases.
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day
from kansa_ingest.simulator.scenarios.dr53_query_without_permit import infonet_case, newcomer
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESSES, StaffMember

RULE_ID = "DR-54"
VARIANTS = ("outside_business", "no_case")


class QueryOutsideBusinessOrCase(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._violations: list[tuple[str, StaffMember, dt.date]] = []
        self._earlier: tuple[StaffMember, dt.date, dt.date] | None = None
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        quiet = always(DayPlan(overtime=False))
        for number in range(violations):
            member, day, _ = claim_clerk_day(builder, rng, quiet, what=f"a {RULE_ID} violation")
            self._violations.append((VARIANTS[number % len(VARIANTS)], member, day))
        working = builder.world.working_days
        member, received, _ = claim_clerk_day(builder, rng, quiet, days=working[:-6], what=f"a {RULE_ID} look-alike")
        later = [d for d in working if received < d <= received + dt.timedelta(days=10)]
        queried = next((d for d in later[2:] if builder.timeline.claim_day(member.staff_id, d, DayPlan())), None)
        if queried is not None:
            self._earlier = (member, received, queried)
            ledger.lookalike(RULE_ID, "case_received_days_earlier", member.staff_id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, world = self._rng, builder.world
        for variant, member, day in self._violations:
            own = world.unit_by_id[member.org_unit].business_codes
            if variant == "outside_business":
                business = next(code for code in sorted(BUSINESSES) if code not in own)
                work = infonet_case(builder, rng, member, day, business=business, with_case=False)
            else:
                work = infonet_case(builder, rng, member, day, with_case=False)
            ledger.violation(RULE_ID, variant, [work.query])
        if self._earlier is not None:
            self._case_then_query(builder, *self._earlier)

    def _case_then_query(self, builder: MonthBuilder, member: StaffMember, received: dt.date,
                         queried: dt.date) -> None:
        """The application arrives by mail; days later, working on it, the clerk queries the network for it."""
        rng = self._rng
        business = builder.world.unit_by_id[member.org_unit].business_codes[0]
        subject = newcomer(rng)
        shift = builder.shifts[(member.staff_id, received)]
        moment = builder.pick_time(shift, at(received, 9, 30), at(received, 15, 30))
        if moment is None:
            return
        session = shift.session_at(moment)
        builder.stream.emit(
            moment, "case.received", builder.actor(member.staff_id, received), BUSINESSES[business].system,
            terminal_id=session.terminal_id, session_id=session.session_id, business_code=business,
            subject_ref=subject, case_id=builder.next_id("NWCASE", 4), channel="mail",
        )
        shift.blocked.append((moment, moment + secs(60)))
        # No case event on the day of the query: only the reception days before backs it.
        infonet_case(builder, rng, member, queried, business=business, subject=subject, with_case=False)
