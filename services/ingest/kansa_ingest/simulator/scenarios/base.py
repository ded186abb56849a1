"""What every scenario does: claim people and days before the month is built, inject after, settle its truth."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from typing import ClassVar

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESS_UNITS, Rank, StaffMember

_ATTEMPTS = 500


class Scenario:
    """Injects `violations` violations of one rule plus benign look-alikes (the look-alikes also in a clean month)."""

    rule_id: ClassVar[str] = ""

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        """Claim people, days and terminals while nobody's sessions exist yet."""

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        """Emit events into the built sessions."""

    def finish(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        """Runs once the benign month is complete, for truth that depends on it (e.g. a baseline)."""


def free_clerks(builder: MonthBuilder) -> list[StaffMember]:
    """Clerks of the business sections that no HR change or scenario owns."""
    business = {u.org_unit for u in BUSINESS_UNITS}
    return [
        s for s in builder.world.staff
        if s.rank is Rank.CLERK and s.org_unit in business and s.staff_id not in builder.timeline.reserved
    ]


def always(plan: DayPlan) -> Callable[[StaffMember, dt.date], DayPlan]:
    """The same plan whoever and whenever it is."""
    return lambda _member, _day: plan


def claim_clerk_day(
    builder: MonthBuilder,
    rng: random.Random,
    make_plan: Callable[[StaffMember, dt.date], DayPlan | None],
    *,
    days: Sequence[dt.date] | None = None,
    what: str,
) -> tuple[StaffMember, dt.date, DayPlan]:
    """A free clerk and working day that `make_plan` can plan (None when, e.g., no terminal is free that day)."""
    clerks = free_clerks(builder)
    candidates = list(days if days is not None else builder.world.working_days)
    for _ in range(_ATTEMPTS):
        member, day = rng.choice(clerks), rng.choice(candidates)
        if not builder.timeline.is_free(member.staff_id, day):
            continue
        plan = make_plan(member, day)
        if plan is not None and builder.timeline.claim_day(member.staff_id, day, plan):
            return member, day, plan
    raise RuntimeError(f"no free clerk and day for {what} in {builder.world.label}")
