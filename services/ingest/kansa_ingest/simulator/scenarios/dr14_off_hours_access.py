"""DR-14 off-hours use without an overtime order (no document gives office hours: the tenant calendar, 08:30-17:15
with a product-default grace of 45 minutes, and the overtime roster in the reference bundle).

The background month (generate.py) has late shifts, each under an order in the roster (from 17:15 to the half hour
after the shift ends); early arrivals from 08:10 and wrap-ups until 17:50 stay inside the grace.
Violations, each continuing a case the clerk received in hours (so only the hour is wrong, no other rule applies):
- evening_without_order: after an ordinary day the clerk logs in again at 19:30-21:00 and looks the resident up;
- holiday_session: on a weekend or holiday the clerk logs in and looks up the resident of a case received on the
  working day before;
- beyond_overtime_order: after a late shift under an order, the clerk logs in again 30-60 minutes after it ends.
Look-alikes (quiet):
- overtime_with_order: a late shift whose case work after 18:00 lies inside its order;
- holiday_duty_with_order: Saturday duty (休日出勤) under an order the scenario adds to the roster, with a case
  received and worked that morning.
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, Session, Shift, at, order_end, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day, require_slot
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import StaffMember, business_info
from kansa_schemas.reference.models import OvertimeEntry

RULE_ID = "DR-14"
VARIANTS = ("evening_without_order", "holiday_session", "beyond_overtime_order")
_CASE_SPAN = dt.timedelta(minutes=4)


class OffHoursAccess(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        # (variant, clerk, the working day the case is received, the off-hours day or None for that same day)
        self._planned: list[tuple[str, StaffMember, dt.date, dt.date | None]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        world = builder.world
        closed = [d for d in world.days if not world.calendar.is_working_day(d) and d > world.working_days[0]]
        for number in range(violations):
            variant = VARIANTS[number % len(VARIANTS)]
            late = variant == "beyond_overtime_order"
            if variant == "holiday_session":
                member, day, off = self._before_closed_day(builder, rng, closed, f"a {RULE_ID} violation")
            else:
                member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=late)),
                                                 what=f"a {RULE_ID} violation")
                off = None
            self._planned.append((variant, member, day, off))

        member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=True)), what=f"a {RULE_ID} look-alike")
        self._planned.append(("overtime_with_order", member, day, None))
        saturdays = [d for d in closed if d.weekday() == 5] or closed
        member, day, duty = self._before_closed_day(builder, rng, saturdays, f"a {RULE_ID} look-alike")
        builder.duty_orders.append(OvertimeEntry(staff_id=member.staff_id, date=duty, start=dt.time(9),
                                                 until=dt.time(12), approved_by=member.section_head_id))
        self._planned.append(("holiday_duty_with_order", member, day, duty))
        ledger.lookalike(RULE_ID, "holiday_duty_with_order", member.staff_id)

    def _before_closed_day(
        self, builder: MonthBuilder, rng: random.Random, closed: list[dt.date], what: str
    ) -> tuple[StaffMember, dt.date, dt.date]:
        """A clerk free on the last working day before one of the `closed` days."""
        off = rng.choice(closed)
        eve = max(d for d in builder.world.working_days if d < off)
        member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=False)), days=[eve], what=what)
        return member, day, off

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        for variant, member, day, off in self._planned:
            shift = builder.shifts[(member.staff_id, day)]
            if variant == "holiday_duty_with_order":
                assert off is not None
                self._holiday_duty(builder, member, off)
                continue
            if variant == "overtime_with_order":
                if self._overtime_with_order(builder, member, shift):
                    ledger.lookalike(RULE_ID, variant, member.staff_id)
                continue
            subject, case_id = self._receive_case(builder, member, shift)
            end = max(s.end for s in shift.sessions)
            if variant == "evening_without_order":
                start = at(day, 19, 30) + secs(self._rng.randint(0, 5400))
            elif variant == "beyond_overtime_order":
                start = order_end(end) + secs(self._rng.randint(1800, 3600))
            else:
                assert off is not None
                start = at(off, 10) + secs(self._rng.randint(0, 4 * 3600))
            lookups = self._session(builder, member, start, subject, case_id)
            ledger.violation(RULE_ID, variant, lookups)

    @staticmethod
    def _business(builder: MonthBuilder, member: StaffMember) -> str:
        return builder.world.unit_by_id[member.org_unit].business_codes[0]

    def _receive_case(self, builder: MonthBuilder, member: StaffMember, shift: Shift) -> tuple[str, str]:
        """A case received and opened at the counter in hours; its resident is the one looked up later."""
        rng, day = self._rng, shift.day
        start, session = require_slot(builder, shift, at(day, 9, 30), at(day, 16), _CASE_SPAN, rng, what=RULE_ID)
        business = self._business(builder, member)
        subject = rng.choice(builder.world.residents[business])
        case_id = builder.next_id(f"CASE-{member.org_unit}", 5)
        actor = builder.actor(member.staff_id, day)
        builder.case("case.received", actor, session, start, business, subject, case_id)
        builder.case("case.opened", actor, session, start + secs(rng.randint(60, 180)), business, subject, case_id)
        return subject, case_id

    def _session(
        self, builder: MonthBuilder, member: StaffMember, start: dt.datetime, subject: str, case_id: str
    ) -> list[EventDraft]:
        """A session of its own on the clerk's terminal: log in, search the case's resident, open the record, leave.
        Returns the lookups, the first off-hours one first."""
        rng, day = self._rng, start.date()
        actor = builder.actor(member.staff_id, day)
        business = self._business(builder, member)
        system = business_info(business).system
        terminal = builder.timeline.terminal_on(member.staff_id, day)
        session_id = f"{member.staff_id}-{day:%Y%m%d}-x"
        logins = builder.login_chain(actor, terminal, session_id, start, system)
        session = Session(member.staff_id, terminal, session_id, start, start, logins)
        search_at = logins[-1].occurred_at + secs(rng.randint(60, 150))
        search = builder.search(actor, session, search_at, business, subject, case_id=case_id)
        view = builder.record("record.view", actor, session, search_at + secs(rng.randint(20, 90)), business, subject,
                              case_id=case_id, contains_mynumber=True)
        builder.logout_chain(actor, terminal, session_id, view.occurred_at + secs(rng.randint(300, 900)), system)
        return [search, view]

    def _overtime_with_order(self, builder: MonthBuilder, member: StaffMember, shift: Shift) -> bool:
        """Case work after 18:00 inside the late shift (and so inside its order); False if the shift ends too soon
        after 18:00 for it (the background's late shifts are look-alikes too)."""
        rng, day = self._rng, shift.day
        end = max(s.end for s in shift.sessions)
        found = builder.slot(shift, at(day, 18, 5), end, dt.timedelta(minutes=8), rng)
        if found is None:
            return False
        start, session = found
        business = self._business(builder, member)
        subject = rng.choice(builder.world.residents[business])
        case_id = builder.next_id(f"CASE-{member.org_unit}", 5)
        actor = builder.actor(member.staff_id, day)
        builder.case("case.received", actor, session, start, business, subject, case_id, "mail")
        builder.case("case.opened", actor, session, start + secs(60), business, subject, case_id)
        builder.search(actor, session, start + secs(rng.randint(120, 200)), business, subject, case_id=case_id)
        builder.record("record.update", actor, session, start + secs(rng.randint(240, 420)), business, subject,
                       case_id=case_id)
        return True

    def _holiday_duty(self, builder: MonthBuilder, member: StaffMember, duty: dt.date) -> None:
        """Saturday duty at the counter under the order: a case received and worked in one morning session."""
        rng = self._rng
        start = at(duty, 9, 5) + secs(rng.randint(0, 1800))
        business = self._business(builder, member)
        subject = rng.choice(builder.world.residents[business])
        case_id = builder.next_id(f"CASE-{member.org_unit}", 5)
        actor = builder.actor(member.staff_id, duty)
        system = business_info(business).system
        terminal = builder.timeline.terminal_on(member.staff_id, duty)
        session_id = f"{member.staff_id}-{duty:%Y%m%d}-1"
        logins = builder.login_chain(actor, terminal, session_id, start, system)
        session = Session(member.staff_id, terminal, session_id, start, start, logins)
        moment = logins[-1].occurred_at + secs(rng.randint(120, 600))
        builder.case("case.received", actor, session, moment, business, subject, case_id)
        builder.case("case.opened", actor, session, moment + secs(90), business, subject, case_id)
        search = builder.search(actor, session, moment + secs(rng.randint(150, 300)), business, subject,
                                case_id=case_id)
        builder.record("record.view", actor, session, search.occurred_at + secs(rng.randint(20, 90)), business,
                       subject, case_id=case_id, contains_mynumber=True)
        builder.logout_chain(actor, terminal, session_id, search.occurred_at + secs(rng.randint(900, 1800)), system)
