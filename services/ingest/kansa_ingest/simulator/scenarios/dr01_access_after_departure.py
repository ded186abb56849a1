"""DR-01 access after departure (000 III-3 リスク2, 002 L253 「異動職員及び退職職員のユーザーID…停止」).

Violations:
- retiree_login: a retiree logs in on their old terminal some evening after the effective date and views records;
- dismissed_login: a dismissed employee logs in as usual on the effective morning and searches, before IT disables
  the account later that morning (in time for DR-02: DR-01's finding alone);
- secondee_record_view: a secondee logs in a few days after leaving and searches;
- transferee_old_business: a transferee, working in the new section, searches in the old section's business.
In all but dismissed_login the account was never disabled (or the old role never revoked), which is also a
deprovisioning lag: those carry a DR-02 truth record too (one fact each: DR-01 the use, DR-02 the lag).
Look-alikes: a retiree whose account was disabled tries to log in and is denied; a transferee who works late in
the old business on the eve of the move and then only in the new one; a retirement announced in the month but
effective next month (the person keeps working).
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import DayPlan, HrPlan, MonthBuilder, Session, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario
from kansa_ingest.simulator.stream import ActorRef, EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESSES
from kansa_schemas.events.hr import HrChangeType

RULE_ID = "DR-01"
LAG_RULE_ID = "DR-02"
VARIANTS = ("retiree_login", "transferee_old_business", "secondee_record_view", "dismissed_login")
_CHANGE = {
    "retiree_login": HrChangeType.RETIREMENT,
    "transferee_old_business": HrChangeType.TRANSFER,
    "secondee_record_view": HrChangeType.SECONDMENT,
    "dismissed_login": HrChangeType.DISMISSAL,
}


class AccessAfterDeparture(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._violations: list[tuple[str, HrPlan]] = []
        self._denied: HrPlan | None = None
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        for number in range(violations):
            variant = VARIANTS[number % len(VARIANTS)]
            plan = builder.plan_hr(rng, _CHANGE[variant], window=(0.25, 0.55),
                                   deprovisioned=variant == "dismissed_login")
            self._violations.append((variant, plan))

        self._denied = builder.plan_hr(rng, HrChangeType.RETIREMENT, window=(0.3, 0.6))
        ledger.lookalike(RULE_ID, "retiree_denied_after_effective", self._denied.staff_id)
        transfer = builder.plan_hr(rng, HrChangeType.TRANSFER, window=(0.3, 0.6))
        eve = max((d for d in builder.world.working_days if d < transfer.effective), default=None)
        if eve is not None:
            builder.timeline.claim_day(transfer.staff_id, eve, DayPlan(overtime=True))
        ledger.lookalike(RULE_ID, "transferee_new_business_after_move", transfer.staff_id)
        later = builder.plan_hr(rng, HrChangeType.RETIREMENT, next_month=True)
        ledger.lookalike(RULE_ID, "retirement_effective_next_month", later.staff_id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        for variant, plan in self._violations:
            hr_event = builder.hr_events[plan.staff_id]
            if variant == "transferee_old_business":
                events = self._old_business(builder, plan)
            else:
                events = self._after_departure(builder, variant, plan)
            ledger.violation(RULE_ID, variant, [*events, hr_event])
            if not plan.deprovisioned:
                ledger.violation(LAG_RULE_ID, f"never_deprovisioned_{variant}", [hr_event])
        if self._denied is not None:
            self._denied_attempt(builder, self._denied)

    def _after_departure(self, builder: MonthBuilder, variant: str, plan: HrPlan) -> list[EventDraft]:
        """A whole session on the person's old terminal; the first login is the first success after leaving."""
        rng, world = self._rng, builder.world
        after = [d for d in world.working_days if d >= plan.effective]
        if variant == "retiree_login":
            day = after[rng.randint(0, min(2, len(after) - 1))]
            start = at(day, 19) + secs(rng.randint(0, 5400))
        elif variant == "dismissed_login":
            day = after[0]
            start = at(day, 8, 35) + secs(rng.randint(0, 900))
        else:
            day = after[min(rng.randint(1, 3), len(after) - 1)]
            start = at(day, 10) + secs(rng.randint(0, 5 * 3600))
        member = world.staff_by_id[plan.staff_id]
        actor = ActorRef(member.staff_id, "staff", plan.from_org)
        business = world.unit_by_id[plan.from_org].business_codes[0]
        system = BUSINESSES[business].system
        session_id = f"{member.staff_id}-{day:%Y%m%d}-1"
        logins = builder.login_chain(actor, member.terminal_id, session_id, start, system)
        session = Session(member.staff_id, member.terminal_id, session_id, start, start, logins)
        moment = logins[-1].occurred_at
        used: list[EventDraft] = []
        first_step = "record.view" if variant == "retiree_login" else "mynumber.search"
        steps: tuple[str, ...] = (first_step, "record.view")
        for step in steps:
            moment += secs(rng.randint(40, 150))
            subject = rng.choice(world.residents[business])
            if step == "mynumber.search":
                used.append(builder.search(actor, session, moment, business, subject))
            else:
                used.append(builder.record(step, actor, session, moment, business, subject, contains_mynumber=True))
        builder.logout_chain(actor, member.terminal_id, session_id, moment + secs(rng.randint(300, 1200)), system)
        return [*logins, *used]

    def _old_business(self, builder: MonthBuilder, plan: HrPlan) -> list[EventDraft]:
        """In the new section's session, open the old section's application and look someone up there."""
        rng, world = self._rng, builder.world
        days = [d for d in world.working_days if d >= plan.effective and (plan.staff_id, d) in builder.shifts]
        for day in days[:5]:
            shift = builder.shifts[(plan.staff_id, day)]
            start = builder.pick_time(shift, at(day, 10), at(day, 15, 30))
            if start is None:
                continue
            shift.blocked.append((start, start + dt.timedelta(minutes=8)))
            terminal = shift.session_at(start).terminal_id
            actor = builder.actor(plan.staff_id, day)
            business = world.unit_by_id[plan.from_org].business_codes[0]
            system = BUSINESSES[business].system
            session_id = f"{plan.staff_id}-{day:%Y%m%d}-old"
            emit = builder.stream.emit
            login = emit(start, "auth.login", actor, system, terminal_id=terminal, session_id=session_id,
                         layer="app", factors=("password",))
            session = Session(plan.staff_id, terminal, session_id, start, start, [login])
            subject = rng.choice(world.residents[business])
            search = builder.search(actor, session, start + secs(rng.randint(30, 90)), business, subject)
            view = builder.record("record.view", actor, session, search.occurred_at + secs(rng.randint(20, 60)),
                                  business, subject, contains_mynumber=True)
            emit(view.occurred_at + secs(rng.randint(60, 240)), "auth.logout", actor, system, terminal_id=terminal,
                 session_id=session_id, layer="app")
            return [search, view, login]
        raise RuntimeError(f"DR-01: transferee {plan.staff_id} never works after the move in {world.label}")

    def _denied_attempt(self, builder: MonthBuilder, plan: HrPlan) -> None:
        """After IT disabled the account: face not recognised, Windows refuses. Nothing succeeds."""
        rng, world = self._rng, builder.world
        effective_day = next((d for d in world.working_days if d >= plan.effective), None)
        later = [d for d in world.working_days if effective_day is not None and d > effective_day]
        if not later:
            return
        day = later[0]
        member = world.staff_by_id[plan.staff_id]
        actor = ActorRef(member.staff_id, "staff", plan.from_org)
        start = at(day, 8, 40) + secs(rng.randint(0, 900))
        builder.stream.emit(start, "auth.failure", actor, "face-auth", terminal_id=member.terminal_id,
                            outcome="denied", layer="biometric", reason="unknown_user")
        builder.stream.emit(start + secs(rng.randint(20, 60)), "auth.failure", actor, "active-directory",
                            terminal_id=member.terminal_id, outcome="denied", layer="os", reason="locked")
