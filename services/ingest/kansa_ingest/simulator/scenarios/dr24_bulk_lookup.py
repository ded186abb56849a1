"""DR-24 bulk My Number lookups (Sakai's ex-employee exfiltration, 000 L456; 001 L307 抽出の監査).

The detector's product defaults: more than max(floor 100, k=3 × the actor's trailing P95) searches in a day, or
more than 30 within one hour.
Violation (bulk_mynumber_lookup): in the second half of the month a clerk, after an ordinary morning, enumerates
150-200 consecutive residents by My Number in about two hours, no case behind them.
With no case behind them the lookups are DR-23 violations too, recorded as such where DR-23 (7 days later) can
decide them within the month.
Look-alike (busy_day_below_floor): a clerk's heavy but ordinary day, 80-95 searches, each for a case, spread
evenly over the day (about 12 an hour): above 3 × their baseline, below the floor and the hourly limit.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random
from collections.abc import Callable

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day
from kansa_ingest.simulator.scenarios.dr23_lookup_without_case import RULE_ID as DR23
from kansa_ingest.simulator.scenarios.dr23_lookup_without_case import decided_in_month
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import StaffMember

RULE_ID = "DR-24"
DAILY_FLOOR = 100
BASELINE_FACTOR = 3
HOURLY_LIMIT = 30
BUSY_DAYS = 2


class BulkLookup(Scenario):
    """Subclasses (composites built on DR-24) change who bursts when, and add what follows the burst."""

    rule_id = RULE_ID
    busy_days = BUSY_DAYS

    def __init__(self) -> None:
        self._busy: list[tuple[StaffMember, dt.date, int]] = []
        self._bursts: list[tuple[StaffMember, dt.date, int, dt.time]] = []
        self._injected: list[tuple[StaffMember, dt.date, list[EventDraft]]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(self.rule_id)
        working = builder.world.working_days
        for _ in range(self.busy_days):
            searches = rng.randint(80, 95)
            busy = DayPlan(overtime=False, busy_searches=searches)
            member, day, _ = claim_clerk_day(builder, rng, always(busy), days=working[3:], what="a DR-24 busy day")
            builder.timeline.reserved.add(member.staff_id)
            self._busy.append((member, day, searches))
            ledger.lookalike(RULE_ID, "busy_day_below_floor", member.staff_id)
        # Late in the month, so the actor has a few weeks of ordinary days as a baseline.
        late = working[max(8, int(len(working) * 0.45)):]
        for _ in range(violations):
            member, day, _ = claim_clerk_day(builder, rng, self._burst_plan(builder), days=late,
                                             what=f"a {self.rule_id} violation")
            builder.timeline.reserved.add(member.staff_id)
            self._bursts.append((member, day, self._burst_size(rng), self._burst_start(rng, day)))

    def _burst_plan(self, builder: MonthBuilder) -> Callable[[StaffMember, dt.date], DayPlan | None]:
        """Not a designated export applicant: their routine exports could follow the burst and make it a CX-01."""
        applicants = {a.staff_id for a in builder.world.applicants}
        return lambda member, _day: None if member.staff_id in applicants else DayPlan(overtime=False)

    def _burst_size(self, rng: random.Random) -> int:
        return rng.randint(150, 200)

    def _burst_start(self, rng: random.Random, day: dt.date) -> dt.time:
        return (dt.datetime.combine(day, dt.time(13, 15)) + secs(rng.randint(0, 1800))).time()

    def _after_burst(self, builder: MonthBuilder, member: StaffMember, day: dt.date) -> None:
        """What the burster does next (nothing, for DR-24 alone)."""

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, world = self._rng, builder.world
        for member, day, searches in self._busy:
            builder.fill_cases(builder.shifts[(member.staff_id, day)], searches, searches_per_case=1)
        for member, day, size, clock in self._bursts:
            shift = builder.shifts[(member.staff_id, day)]
            actor = builder.actor(member.staff_id, day)
            business = world.unit_by_id[member.org_unit].business_codes[0]
            pool = world.residents[business]
            first = rng.randrange(len(pool))
            moment = start = dt.datetime.combine(day, clock, shift.sessions[0].start.tzinfo)
            burst: list[EventDraft] = []
            for offset in range(size):
                moment += secs(rng.randint(30, 45))
                session = shift.session_at(moment)
                subject = pool[(first + offset) % len(pool)]
                burst.append(builder.search(actor, session, moment, business, subject))
                if rng.random() < 0.3:
                    builder.record("record.view", actor, session, moment + secs(rng.randint(5, 15)), business, subject,
                                   contains_mynumber=True)
            shift.blocked.append((start, moment + secs(60)))
            self._injected.append((member, day, burst))
            self._after_burst(builder, member, day)

    def finish(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        """The completing search: the first that takes the hour above 30 or the day above its limit."""
        for member, day, burst in self._injected:
            prior = [
                len(builder.searches.get((member.staff_id, d), []))
                for d in builder.world.working_days
                if d < day and (member.staff_id, d) in builder.shifts
            ]
            daily_limit = max(DAILY_FLOOR, BASELINE_FACTOR * _p95(prior))
            day_searches = sorted(builder.searches[(member.staff_id, day)], key=lambda e: (e.occurred_at, e.seq))
            times = [e.occurred_at for e in day_searches]
            completing = next(
                event for index, event in enumerate(day_searches)
                if index + 1 > daily_limit
                or index + 1 - bisect.bisect_right(times, event.occurred_at - dt.timedelta(hours=1)) > HOURLY_LIMIT
            )
            ledger.violation(RULE_ID, "bulk_mynumber_lookup", [completing, *(e for e in burst if e is not completing)])
            # No case behind the enumerated residents either: a DR-23 finding, decided 7 days after each lookup.
            if decided_in_month(builder, burst[0]):
                ledger.violation(DR23, "bulk_lookup_without_case", burst)


def _p95(values: list[int]) -> int:
    """Nearest-rank 95th percentile."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
