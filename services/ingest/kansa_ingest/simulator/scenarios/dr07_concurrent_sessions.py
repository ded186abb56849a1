"""DR-07 concurrent sessions on different terminals (000 III-3 リスク2 なりすまし; 002 共用ID禁止).

Violations: while the clerk's session on their own terminal A is open, the same ID logs in on terminal B:
- spare_terminal_same_site: a spare terminal in the clerk's own section;
- spare_terminal_other_site: a spare terminal in a ward office at another site.
Look-alikes (sessions that touch but never overlap):
- tight_handover_counter: logout on A, login on the section's second counter terminal 5-30 s later, and back;
- moved_to_other_site: logout on A at noon, login at a ward office's counter at 13:30, and the day ends there;
- relogin_same_terminal: logout and login again on A itself.
Benign counter duty (generate.py) adds the everyday A → counter → A pattern with a gap of minutes.
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, Session, Visit, secs
from kansa_ingest.simulator.scenarios.base import Scenario, claim_clerk_day
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESS_UNITS, StaffMember, TerminalKind

RULE_ID = "DR-07"
VARIANTS = ("spare_terminal_same_site", "spare_terminal_other_site")


def _clock(rng: random.Random, start: dt.time, spread_minutes: int) -> dt.time:
    moment = dt.datetime.combine(dt.date(2000, 1, 1), start) + secs(rng.randint(0, spread_minutes * 60))
    return moment.time()


class ConcurrentSessions(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._violations: list[tuple[str, StaffMember, dt.date, str, dt.time]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        world, timeline = builder.world, builder.timeline
        for number in range(violations):
            variant = VARIANTS[number % len(VARIANTS)]
            chosen: list[str] = []

            def spare_elsewhere(member: StaffMember, day: dt.date, variant: str = variant,
                                chosen: list[str] = chosen) -> DayPlan | None:
                site = world.unit_by_id[member.org_unit].site
                units = [u for u in BUSINESS_UNITS
                         if (u.org_unit == member.org_unit) == (variant == "spare_terminal_same_site")
                         and (u.site == site) == (variant == "spare_terminal_same_site")]
                terminal = timeline.free_terminal(rng.choice(units).org_unit, TerminalKind.SPARE, [day])
                if terminal is None:
                    return None
                chosen.append(terminal)
                return DayPlan(overtime=False)

            member, day, _ = claim_clerk_day(builder, rng, spare_elsewhere, what="a DR-07 violation")
            self._violations.append((variant, member, day, chosen[-1], _clock(rng, dt.time(14), 90)))

        def counter_two(member: StaffMember, day: dt.date) -> DayPlan | None:
            counter = world.terminals_of(member.org_unit, TerminalKind.COUNTER)[1].terminal_id
            if not timeline.claim_terminal(counter, [day]):
                return None
            start = _clock(rng, dt.time(14), 60)
            end = (dt.datetime.combine(day, start) + dt.timedelta(minutes=rng.randint(45, 90))).time()
            return DayPlan(visit=Visit(counter, start, end, rng.randint(5, 30), rng.randint(5, 30)))

        def ward_counter(member: StaffMember, day: dt.date) -> DayPlan | None:
            site = world.unit_by_id[member.org_unit].site
            unit = rng.choice([u for u in BUSINESS_UNITS if u.site != site])
            counter = world.terminals_of(unit.org_unit, TerminalKind.COUNTER)[1].terminal_id
            if not timeline.claim_terminal(counter, [day]):
                return None
            return DayPlan(visit=Visit(counter, dt.time(13, 30), dt.time(16, 30), 5400, None))

        def relogin(member: StaffMember, day: dt.date) -> DayPlan | None:
            start = _clock(rng, dt.time(10, 30), 30)
            end = (dt.datetime.combine(day, start) + dt.timedelta(minutes=rng.randint(20, 40))).time()
            return DayPlan(visit=Visit(member.terminal_id, start, end, rng.randint(10, 40), rng.randint(10, 40)))

        for variant, make_plan in (("tight_handover_counter", counter_two), ("moved_to_other_site", ward_counter),
                                   ("relogin_same_terminal", relogin)):
            member, _, _ = claim_clerk_day(builder, rng, make_plan, what=f"a DR-07 look-alike ({variant})")
            ledger.lookalike(RULE_ID, variant, member.staff_id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        """Session B opens inside session A; its first login completes the overlap."""
        rng, world = self._rng, builder.world
        for variant, member, day, terminal, clock in self._violations:
            shift = builder.shifts[(member.staff_id, day)]
            own = shift.sessions[0]
            start = dt.datetime.combine(day, clock, own.start.tzinfo)
            actor = builder.actor(member.staff_id, day)
            system = builder.system_of(member.org_unit)
            session_id = f"{member.staff_id}-{day:%Y%m%d}-b"
            logins = builder.login_chain(actor, terminal, session_id, start, system)
            other = Session(member.staff_id, terminal, session_id, start, start, logins)
            business = world.unit_by_id[member.org_unit].business_codes[0]
            moment = logins[-1].occurred_at + secs(rng.randint(60, 240))
            subject = rng.choice(world.residents[business])
            # The view on B continues a case received on A just before, so it is no lookup without a case (DR-23).
            case_id = builder.next_id(f"CASE-{member.org_unit}", 5)
            builder.case("case.received", actor, own, start - dt.timedelta(minutes=10), business, subject, case_id)
            view = builder.record("record.view", actor, other, moment, business, subject, case_id=case_id)
            builder.logout_chain(actor, terminal, session_id, view.occurred_at + secs(rng.randint(600, 2400)), system)
            ledger.violation(RULE_ID, variant, [*logins, own.logins[0]])
