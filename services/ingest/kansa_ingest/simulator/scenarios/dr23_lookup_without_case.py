"""DR-23 lookup with no matching case, application or reception (000 L323, 002 L246 受付簿).

The detector's product defaults: a lookup (My Number search or record view) of a resident needs a case event
(received, or opened by the user) for that resident by the same user from 90 days before until 7 days after it, so
the detector decides a lookup 7 days later. Every benign lookup (generate.py `fill_cases`) sits inside a case.
Violations, by a clerk in the middle of an ordinary day, early enough in the month to be decided within it:
- lookup_without_case: a resident (a neighbour, say) searched by My Number and the record opened, no case at all;
- view_without_case: a resident's record opened with no case.
Look-alikes (quiet):
- case_received_after_lookup: a pre-check at the counter, the formal application received 1-4 working days later;
- follow_up_after_case: a case received, the resident's record looked at again 3-8 working days later.

Other scenarios whose lookups have no case behind them (DR-24's bulk enumeration) record DR-23 truth too, for the
lookups the detector can decide before the month's stream ends (`decided_in_month`).
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, Session, Shift, at
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day, require_slot
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import StaffMember

RULE_ID = "DR-23"
AFTER = dt.timedelta(days=7)  # the rule's `after`: a lookup is decided this long after it
VARIANTS = ("lookup_without_case", "view_without_case")
LOOKALIKES = ("case_received_after_lookup", "follow_up_after_case")
_SPAN = dt.timedelta(minutes=6)


def decided_in_month(builder: MonthBuilder, lookup: EventDraft) -> bool:
    """Whether DR-23 decides `lookup` within the month's stream: its window closes by the last event (call in
    `finish`, once the month is complete)."""
    return lookup.occurred_at + AFTER <= max(e.occurred_at for e in builder.stream)


class LookupWithoutCase(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._violations: list[tuple[str, StaffMember, dt.date]] = []
        self._lookalikes: list[tuple[str, StaffMember, dt.date]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        world = builder.world
        # Decided 7 days later: leave 9 days before the month ends (the last events come on its last day).
        early = [d for d in world.working_days if d + dt.timedelta(days=9) <= world.days[-1]]
        for number in range(violations):
            member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=False)), days=early,
                                             what=f"a {RULE_ID} violation")
            self._violations.append((VARIANTS[number % len(VARIANTS)], member, day))
        for variant in LOOKALIKES:
            member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=False)), days=early[:-5],
                                             what=f"a {RULE_ID} look-alike")
            self._lookalikes.append((variant, member, day))
            ledger.lookalike(RULE_ID, variant, member.staff_id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, world = self._rng, builder.world
        for variant, member, day in self._violations:
            shift = builder.shifts[(member.staff_id, day)]
            business = world.unit_by_id[member.org_unit].business_codes[0]
            subject = rng.choice(world.residents[business])
            start, session = _slot(builder, shift, rng)
            actor = builder.actor(member.staff_id, day)
            view_at = start + dt.timedelta(seconds=rng.randint(40, 150))
            view = builder.record("record.view", actor, session, view_at, business, subject,
                                  contains_mynumber=rng.random() < 0.5)
            if variant == "view_without_case":
                ledger.violation(RULE_ID, variant, [view])
                continue
            search = builder.search(actor, session, start, business, subject)
            ledger.violation(RULE_ID, variant, [search, view])

        for variant, member, day in self._lookalikes:
            self._lookalike(builder, variant, member, day)

    def _lookalike(self, builder: MonthBuilder, variant: str, member: StaffMember, day: dt.date) -> None:
        rng, world = self._rng, builder.world
        business = world.unit_by_id[member.org_unit].business_codes[0]
        subject = rng.choice(world.residents[business])
        later_days = [d for d in world.working_days if d > day and (member.staff_id, d) in builder.shifts]
        if variant == "case_received_after_lookup":  # well inside the 7 days, whatever the times of day
            later = [d for d in later_days[:4] if d - day <= dt.timedelta(days=5)]
        else:
            later = later_days[2:8]
        if not later:
            return  # leave, or the month ends: the look-alike is skipped rather than forced
        next_day = rng.choice(later)
        first, second = builder.shifts[(member.staff_id, day)], builder.shifts[(member.staff_id, next_day)]
        case_id = builder.next_id(f"CASE-{member.org_unit}", 5)
        if variant == "case_received_after_lookup":
            start, session = _slot(builder, first, rng)
            actor = builder.actor(member.staff_id, day)
            builder.search(actor, session, start, business, subject)
            builder.record("record.view", actor, session, start + dt.timedelta(minutes=1), business, subject)
            start, session = _slot(builder, second, rng)
            actor = builder.actor(member.staff_id, next_day)
            builder.case("case.received", actor, session, start, business, subject, case_id)
            builder.case("case.opened", actor, session, start + dt.timedelta(minutes=2), business, subject, case_id)
            return
        start, session = _slot(builder, first, rng)
        actor = builder.actor(member.staff_id, day)
        builder.case("case.received", actor, session, start, business, subject, case_id, "mail")
        builder.case("case.opened", actor, session, start + dt.timedelta(minutes=2), business, subject, case_id)
        start, session = _slot(builder, second, rng)
        builder.record("record.view", builder.actor(member.staff_id, next_day), session, start, business, subject,
                       case_id=case_id)


def _slot(builder: MonthBuilder, shift: Shift, rng: random.Random) -> tuple[dt.datetime, Session]:
    return require_slot(builder, shift, at(shift.day, 9, 30), at(shift.day, 16, 30), _SPAN, rng, what=RULE_ID)
