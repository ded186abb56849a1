"""DR-27 screen hard copies and prints of specific personal info (002 L258 「事務処理に必要となる範囲にとどめる」).

The detector's product defaults: per user and day, more prints and hard copies showing the My Number than
max(floor 20, k=2 × the user's trailing P95), or any such output with no case behind it.
Violations, each on its own clerk-day:
- print_volume: late in the month a clerk with an ordinary print history works a few cases in the afternoon and
  prints or hard-copies every screen of them, taking the day past the limit;
- print_without_case: a clerk hard-copies or prints a resident's record with no case open for it.
Look-alikes (quiet):
- heavy_usual_printer: a clerk who prints 14-18 a day on their first three days and 22-30 after, all inside cases:
  above the floor on most days, never above twice their own usual;
- twenty_prints_in_a_day: a clerk with an ordinary history prints exactly 20 in one day, all inside cases.
Background case work prints now and then (generate.py PRINT_SHARE, HARDCOPY_SHARE), always inside a case.
The volumes are settled in `finish`, once the background month is known, so each day lands where it should.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import Counter
from collections.abc import Iterable

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, Shift, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario, free_clerks
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESSES, JST, StaffMember

RULE_ID = "DR-27"
PRINTS = ("record.print", "screen.hardcopy")
FLOOR, FACTOR, TRAILING_DAYS, PERCENTILE = 20, 2, 30, 95  # the rule's defaults
_ATTEMPTS = 500


def _counts(drafts: Iterable[EventDraft]) -> Counter[tuple[str, dt.date]]:
    """Successful outputs showing the My Number per (actor, local day): what the rule's `prints` measure counts."""
    return Counter((d.actor.id, d.occurred_at.astimezone(JST).date()) for d in drafts if _counted(d))


def _counted(draft: EventDraft) -> bool:
    return (draft.action in PRINTS and draft.fields.get("contains_mynumber") is True
            and draft.envelope.get("outcome", "success") == "success" and draft.actor.type != "system")


def _limit(history: list[int]) -> float:
    """The day's limit from the counts of the working days before it (days before the month count 0)."""
    trailing = history[-TRAILING_DAYS:]
    values = sorted(trailing + [0] * (TRAILING_DAYS - len(trailing)))
    p = values[max(1, math.ceil(PERCENTILE / 100 * len(values))) - 1]
    return max(FACTOR * p, FLOOR)


class HardcopyPrintVolume(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._volume: list[tuple[StaffMember, dt.date]] = []
        self._no_case: list[tuple[StaffMember, dt.date]] = []
        self._heavy: StaffMember | None = None
        self._heavy_days: list[dt.date] = []
        self._twenty: tuple[StaffMember, dt.date] | None = None
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        """Few people, as clerks free for a whole month are scarce: each violating clerk takes one volume day and one
        print outside a case on another day; the twenty-print day is the first violating clerk's too."""
        self._rng = rng = builder.fork(RULE_ID)
        timeline, working = builder.timeline, builder.world.working_days
        late = working[max(8, int(len(working) * 0.45)):]  # a few weeks of ordinary days as the baseline
        clerks: list[StaffMember] = []
        for number in range(violations):
            if number % 2 == 0:
                clerks.append(self._clerk(builder, rng, late))
                self._volume.append((clerks[-1], self._day(builder, rng, clerks[-1], late)))
            else:
                self._no_case.append((clerks[-1], self._day(builder, rng, clerks[-1], working[1:])))

        # The heavy printer: a clerk whose free days this scenario claims (days others claimed stay ordinary).
        heavy = self._clerk(builder, rng, working, reserve=False)
        self._heavy_days = [d for d in working if timeline.claim_day(heavy.staff_id, d, DayPlan(overtime=False))]
        self._heavy = heavy
        ledger.lookalike(RULE_ID, "heavy_usual_printer", heavy.staff_id)

        member = clerks[0] if clerks else self._clerk(builder, rng, working[3:])
        self._twenty = (member, self._day(builder, rng, member, working[3:]))
        ledger.lookalike(RULE_ID, "twenty_prints_in_a_day", member.staff_id)

    @staticmethod
    def _clerk(
        builder: MonthBuilder, rng: random.Random, days: tuple[dt.date, ...], *, reserve: bool = True,
    ) -> StaffMember:
        """A free clerk with at least two free days among `days`; reserved unless told otherwise (a violating
        clerk's month is their baseline, so nobody else's story may change it)."""
        timeline = builder.timeline
        clerks = [c for c in free_clerks(builder) if sum(timeline.is_free(c.staff_id, d) for d in days) >= 2]
        if not clerks:
            raise RuntimeError(f"no free clerk for {RULE_ID} in {builder.world.label}")
        member = rng.choice(clerks)
        if reserve:
            timeline.reserved.add(member.staff_id)
        return member

    @staticmethod
    def _day(builder: MonthBuilder, rng: random.Random, member: StaffMember, days: tuple[dt.date, ...]) -> dt.date:
        """Claim one of `days` the member is free on."""
        options = [d for d in days if builder.timeline.is_free(member.staff_id, d)]
        if not options:
            raise RuntimeError(f"{member.staff_id} has no free day left for {RULE_ID} in {builder.world.label}")
        day = rng.choice(options)
        builder.timeline.claim_day(member.staff_id, day, DayPlan(overtime=False))
        return day

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng = self._rng
        for member, day in self._no_case:
            shift = builder.shifts[(member.staff_id, day)]
            outputs = rng.randint(1, 2)
            moment = self._slot(builder, shift, at(day, 10), at(day, 16, 30), outputs * 2)
            actor = builder.actor(member.staff_id, day)
            business = builder.world.unit_by_id[member.org_unit].business_codes[0]
            subject = rng.choice(builder.world.residents[business])
            made = []
            for _ in range(outputs):
                moment += secs(rng.randint(20, 90))
                made.append(builder.record(rng.choice(PRINTS), actor, shift.session_at(moment), moment, business,
                                           subject, contains_mynumber=True))
            ledger.violation(RULE_ID, "print_without_case", made)

    def finish(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        """Look-alikes first, so the violating days are measured against everything before them."""
        rng, world = self._rng, builder.world
        counts = _counts(builder.stream)

        def history(staff_id: str, day: dt.date) -> list[int]:
            return [counts[(staff_id, d)] for d in world.working_days if d < day]

        if self._twenty is not None:
            member, day = self._twenty
            missing = FLOOR - counts[(member.staff_id, day)]
            if missing > 0:
                self._case_prints(builder, builder.shifts[(member.staff_id, day)], missing, at(day, 9), at(day, 17))
                counts[(member.staff_id, day)] = FLOOR

        if self._heavy is not None:
            heavy = self._heavy.staff_id
            for number, day in enumerate(d for d in self._heavy_days if (heavy, d) in builder.shifts):
                target = rng.randint(14, 18) if number < 3 else rng.randint(22, 30)
                target = max(min(target, math.floor(_limit(history(heavy, day)))), counts[(heavy, day)])
                shift = builder.shifts[(heavy, day)]
                self._case_prints(builder, shift, target - counts[(heavy, day)], at(day, 9), at(day, 17))
                counts[(heavy, day)] = target

        for member, day in self._volume:
            shift = builder.shifts[(member.staff_id, day)]
            limit = _limit(history(member.staff_id, day))
            wanted = math.floor(limit) + 1 - counts[(member.staff_id, day)] + rng.randint(4, 12)
            made = self._case_prints(builder, shift, wanted, at(day, 13, 15), at(day, 16, 45), per_case=(5, 9))
            day_prints = sorted((d for d in builder.stream if _counted(d) and d.actor.id == member.staff_id
                                 and d.occurred_at.astimezone(JST).date() == day), key=lambda d: (d.occurred_at, d.seq))
            counts[(member.staff_id, day)] = len(day_prints)
            completing = next(d for index, d in enumerate(day_prints, start=1) if index > limit)
            ledger.violation(RULE_ID, "print_volume", [completing, *(d for d in made if d is not completing)])

    # -- building blocks --

    def _slot(self, builder: MonthBuilder, shift: Shift, earliest: dt.datetime, latest: dt.datetime,
              minutes: int) -> dt.datetime:
        """A moment from which `minutes` of free, unlocked time follow in one session; taken from the shift."""
        span = dt.timedelta(minutes=minutes)
        for _ in range(_ATTEMPTS):
            moment = builder.pick_time(shift, earliest, latest - span)
            if moment is not None and any(s <= moment and moment + span <= e for s, e, _ in shift.free_windows()):
                shift.blocked.append((moment, moment + span))
                return moment
        raise RuntimeError(f"no free {minutes} minutes for {shift.staff_id} on {shift.day} ({RULE_ID})")

    def _case_prints(
        self, builder: MonthBuilder, shift: Shift, outputs: int, earliest: dt.datetime, latest: dt.datetime,
        *, per_case: tuple[int, int] = (3, 6),
    ) -> list[EventDraft]:
        """`outputs` prints and hard copies showing the My Number, each inside a case opened and closed around it."""
        rng, world, emit = self._rng, builder.world, builder.stream.emit
        actor = builder.actor(shift.staff_id, shift.day)
        codes = world.unit_by_id[actor.org_unit or ""].business_codes
        made: list[EventDraft] = []
        while len(made) < outputs:
            size = min(rng.randint(*per_case), outputs - len(made))
            moment = self._slot(builder, shift, earliest, latest, 2 + size)
            business = rng.choice(codes)
            subject = rng.choice(world.residents[business])
            case_id = builder.next_id(f"CASE-{actor.org_unit}", 5)
            session = shift.session_at(moment)
            case = {"terminal_id": session.terminal_id, "session_id": session.session_id, "business_code": business,
                    "subject_ref": subject, "case_id": case_id, "channel": "counter"}
            system = BUSINESSES[business].system
            emit(moment, "case.received", actor, system, **case)
            emit(moment + secs(5), "case.opened", actor, system, **case)
            moment += secs(rng.randint(10, 30))
            builder.record("record.view", actor, session, moment, business, subject, case_id=case_id,
                           contains_mynumber=True)
            for _ in range(size):
                moment += secs(rng.randint(5, 12))
                made.append(builder.record(rng.choice(PRINTS), actor, session, moment, business, subject,
                                           case_id=case_id, contains_mynumber=True))
            emit(moment + secs(rng.randint(10, 30)), "case.closed", actor, system, **case)
        return made
