"""DR-21 My Number accessed from a non-permitted business or by a user not permitted to use it (000 L328
「個人番号を利用できる業務からは個人番号にアクセスする」; 002 L44).

The reference data list the businesses permitted to use My Number (the four simulated ones); 市民課 also runs the seal
register (印鑑登録, INKAN), which may not use it (world.NON_MYNUMBER_BUSINESSES), and the roster permits clerks and
上長 to use My Number but not 所属長. Violations, each inside a case so that no other rule applies:
- business_not_permitted: a 市民課 clerk handling a seal registration searches the resident by My Number and opens
  the record with the number shown;
- user_not_permitted: a 所属長 covering the counter takes an application and searches the resident by My Number;
- no_business_code: a clerk working a case looks the resident up by My Number in the common platform's inquiry
  screen, which records no business.
Look-alikes (quiet): a seal registration searched by name with the record shown without the number; a 所属長 who
takes an application and opens the record without the number.
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, Session, Shift, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day, require_slot
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import (
    BUSINESS_UNITS,
    NON_MYNUMBER_BUSINESSES,
    SEAL_REGISTRATION,
    Rank,
    StaffMember,
)

RULE_ID = "DR-21"
VARIANTS = ("business_not_permitted", "user_not_permitted", "no_business_code")
LOOKALIKES = ("seal_register_by_name", "section_head_without_number")
INQUIRY_SYSTEM = "common-platform"  # 統合宛名 inquiry: a search there names no business
_ATTEMPTS = 500
_SPAN = dt.timedelta(minutes=10)


class MyNumberNonPermittedBusiness(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._planned: list[tuple[str, StaffMember, dt.date]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        kinds = [VARIANTS[n % len(VARIANTS)] for n in range(violations)]

        def seal_section(member: StaffMember, _day: dt.date) -> DayPlan | None:
            return DayPlan(overtime=False) if member.org_unit in NON_MYNUMBER_BUSINESSES else None

        for kind in (*kinds, *LOOKALIKES):
            if kind in ("business_not_permitted", "seal_register_by_name"):
                member, day, _ = claim_clerk_day(builder, rng, seal_section, what=f"a {RULE_ID} {kind}")
            elif kind in ("user_not_permitted", "section_head_without_number"):
                member, day = _head_day(builder, rng, f"a {RULE_ID} {kind}")
            else:
                member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=False)),
                                                 what=f"a {RULE_ID} {kind}")
            self._planned.append((kind, member, day))
            if kind in LOOKALIKES:
                ledger.lookalike(RULE_ID, kind, member.staff_id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, world = self._rng, builder.world
        for kind, member, day in self._planned:
            shift = builder.shifts[(member.staff_id, day)]
            start, session = _slot(builder, shift, rng)
            actor = builder.actor(member.staff_id, day)
            seal = kind in ("business_not_permitted", "seal_register_by_name")
            business = SEAL_REGISTRATION.code if seal else world.unit_by_id[member.org_unit].business_codes[0]
            subject = rng.choice(world.residents["JUMIN" if seal else business])
            case_id = builder.next_id(f"CASE-{member.org_unit}", 5)
            builder.case("case.received", actor, session, start, business, subject, case_id)
            moment = start + secs(rng.randint(60, 120))
            builder.case("case.opened", actor, session, moment, business, subject, case_id)
            moment += secs(rng.randint(60, 180))
            by_number = kind in VARIANTS
            used: list[EventDraft] = []
            if kind == "no_business_code":
                used.append(builder.search(actor, session, moment, None, subject, system=INQUIRY_SYSTEM))
            elif kind != "section_head_without_number":
                used.append(builder.search(actor, session, moment, business, subject, case_id=case_id,
                                           query_type="mynumber" if by_number else "name"))
            moment += secs(rng.randint(20, 90))
            view = builder.record("record.view", actor, session, moment, business, subject, case_id=case_id,
                                  contains_mynumber=by_number)
            if kind in VARIANTS:
                # The view in the business's own application is a permitted one for the inquiry-screen variant.
                ledger.violation(RULE_ID, kind, used if kind == "no_business_code" else [*used, view])


def _head_day(builder: MonthBuilder, rng: random.Random, what: str) -> tuple[StaffMember, dt.date]:
    """A business section's 所属長 on a working day nobody has claimed for them."""
    heads = [s for u in BUSINESS_UNITS for s in builder.world.members(u.org_unit, Rank.SECTION_HEAD)]
    for _ in range(_ATTEMPTS):
        head, day = rng.choice(heads), rng.choice(builder.world.working_days)
        if builder.timeline.claim_day(head.staff_id, day, DayPlan(overtime=False)):
            return head, day
    raise RuntimeError(f"no free section head and day for {what} in {builder.world.label}")


def _slot(builder: MonthBuilder, shift: Shift, rng: random.Random) -> tuple[dt.datetime, Session]:
    return require_slot(builder, shift, at(shift.day, 9, 30), at(shift.day, 16), _SPAN, rng, what=RULE_ID)
