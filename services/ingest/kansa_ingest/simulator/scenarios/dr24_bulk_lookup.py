"""DR-24 bulk My Number lookups (Sakai's ex-employee exfiltration, 000 L456; 001 L307 抽出の監査).

The detector's product defaults: more than max(floor 100, k=3 × the actor's trailing P95) searches in a day, or
more than 30 within one hour.
Violation (bulk_mynumber_lookup): in the second half of the month a clerk, after an ordinary morning, enumerates
150-200 consecutive residents by My Number in about two hours, no case behind them.
Look-alike (busy_day_below_floor): a clerk's heavy but ordinary day, 80-95 searches, each for a case, spread
evenly over the day (about 12 an hour): above 3 × their baseline, below the floor and the hourly limit.
"""

from __future__ import annotations

import bisect
import datetime as dt
import math
import random

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import StaffMember

RULE_ID = "DR-24"
DAILY_FLOOR = 100
BASELINE_FACTOR = 3
HOURLY_LIMIT = 30
BUSY_DAYS = 2


class BulkLookup(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._busy: list[tuple[StaffMember, dt.date, int]] = []
        self._bursts: list[tuple[StaffMember, dt.date, int, dt.time]] = []
        self._injected: list[tuple[StaffMember, dt.date, list[EventDraft]]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        working = builder.world.working_days
        for _ in range(BUSY_DAYS):
            searches = rng.randint(80, 95)
            busy = DayPlan(overtime=False, busy_searches=searches)
            member, day, _ = claim_clerk_day(builder, rng, always(busy), days=working[3:], what="a DR-24 busy day")
            builder.timeline.reserved.add(member.staff_id)
            self._busy.append((member, day, searches))
            ledger.lookalike(RULE_ID, "busy_day_below_floor", member.staff_id)
        # Late in the month, so the actor has a few weeks of ordinary days as a baseline.
        late = working[max(8, int(len(working) * 0.45)):]
        for _ in range(violations):
            member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=False)), days=late,
                                             what="a DR-24 violation")
            builder.timeline.reserved.add(member.staff_id)
            start = (dt.datetime.combine(day, dt.time(13, 15)) + secs(rng.randint(0, 1800))).time()
            self._bursts.append((member, day, rng.randint(150, 200), start))

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


def _p95(values: list[int]) -> int:
    """Nearest-rank 95th percentile."""
    if not values:
        return 0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]
