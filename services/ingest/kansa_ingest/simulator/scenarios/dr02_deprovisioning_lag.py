"""DR-02 deprovisioning lag (000 L323: 「所属長がユーザ削除の依頼を行い、権限者は…削除」, both 「速やかに」; 002 L253).

Violations (nobody uses the account afterwards, so DR-01 stays quiet; the lag is the finding):
- retiree_never_disabled: a retirement takes effect and IT never disables the account;
- request_not_executed: the 所属長 asks for a dismissed employee's account to be deleted; the 権限者 never does;
- disabled_days_late: a secondee's account is disabled three working days after the secondment took effect;
- transfer_role_not_revoked: a transferee moves, the old section's role is never revoked.
Look-alikes: the 所属長 asks late on the effective day and the 権限者 disables the next morning (inside N2); the HR
feed reports a retirement (one the month already has, disabled on the effective day) two working days late.
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import HrPlan, MonthBuilder, at
from kansa_ingest.simulator.scenarios.base import Scenario
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import Rank
from kansa_schemas.events.hr import HrChangeType

RULE_ID = "DR-02"
VARIANTS = ("retiree_never_disabled", "request_not_executed", "disabled_days_late", "transfer_role_not_revoked")
_CHANGE = {
    "retiree_never_disabled": HrChangeType.RETIREMENT,
    "request_not_executed": HrChangeType.DISMISSAL,
    "disabled_days_late": HrChangeType.SECONDMENT,
    "transfer_role_not_revoked": HrChangeType.TRANSFER,
}
NEXT_MORNING = "request_then_disabled_next_morning"
LATE_FEED = "hr_feed_after_it_disabled"


class DeprovisioningLag(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._violations: list[tuple[str, HrPlan]] = []
        self._next_morning: HrPlan | None = None
        self._late_feed: HrPlan | None = None
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        # Early enough that every deadline (and a disable three working days late) falls inside the month.
        for number in range(violations):
            variant = VARIANTS[number % len(VARIANTS)]
            plan = builder.plan_hr(rng, _CHANGE[variant], window=(0.2, 0.5), deprovisioned=False)
            self._violations.append((variant, plan))
        self._next_morning = builder.plan_hr(rng, HrChangeType.RETIREMENT, window=(0.3, 0.6), deprovisioned=False)
        ledger.lookalike(RULE_ID, NEXT_MORNING, self._next_morning.staff_id)
        # Clerks are scarce in a small month: delay the report of a retirement planned already (the benign one or
        # DR-01's look-alike; no truth cites its hr.changed) rather than retire somebody else.
        working = builder.world.working_days
        retirements = [
            p for p in builder.timeline.hr.values()
            if p.change_type is HrChangeType.RETIREMENT and p.deprovisioned and p.effective <= working[-4]
        ]
        if retirements:
            self._late_feed = retirements[0]
            ledger.lookalike(RULE_ID, LATE_FEED, self._late_feed.staff_id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        for variant, plan in self._violations:
            hr_event = builder.hr_events[plan.staff_id]
            events: list[EventDraft] = [hr_event]
            if variant == "request_not_executed":
                events.append(self._request(builder, plan, plan.effective, dt.time(13), dt.time(16)))
            elif variant == "disabled_days_late":
                late = _working_days_from(builder, plan.effective)[3]
                events.append(self._disable(builder, plan, late, request=None))
            ledger.violation(RULE_ID, variant, events)
        if self._next_morning is not None:
            plan = self._next_morning
            request = self._request(builder, plan, plan.effective, dt.time(16), dt.time(16, 50))
            self._disable(builder, plan, _working_days_from(builder, plan.effective)[1], request=request)
        if self._late_feed is not None:
            self._report_late(builder, self._late_feed)

    def _request(
        self, builder: MonthBuilder, plan: HrPlan, day: dt.date, earliest: dt.time, latest: dt.time,
    ) -> EventDraft:
        """The 所属長 of the section the person leaves files the deletion request in the IAM portal."""
        head = builder.world.members(plan.from_org, Rank.SECTION_HEAD)[0]
        shift = builder.shifts.get((head.staff_id, day))
        window = at(day, earliest.hour, earliest.minute), at(day, latest.hour, latest.minute)
        moment = builder.pick_time(shift, *window) if shift is not None else None
        if shift is None or moment is None:
            raise RuntimeError(f"{RULE_ID}: section head {head.staff_id} has no time on {day}")
        shift.blocked.append((moment, moment + dt.timedelta(minutes=5)))
        session = shift.session_at(moment)
        return builder.stream.emit(
            moment, "iam.deletion_requested", builder.actor(head.staff_id, day), "iam-portal",
            terminal_id=session.terminal_id, session_id=session.session_id, network_zone="internal",
            target_user_id=plan.staff_id, request_id=builder.next_id("IAM", 3), requested_by=head.staff_id,
        )

    def _disable(self, builder: MonthBuilder, plan: HrPlan, day: dt.date, *, request: EventDraft | None) -> EventDraft:
        """The 権限者 disables the account, citing the 所属長's request (so DR-03 has nothing to say)."""
        shift = builder.admin_shift(day)
        moment = builder.pick_time(shift, at(day, 9, 15), at(day, 11, 30)) if shift is not None else None
        if shift is None or moment is None:
            raise RuntimeError(f"{RULE_ID}: no administrator free on {day} in {builder.world.label}")
        shift.blocked.append((moment, moment + dt.timedelta(minutes=5)))
        session = shift.session_at(moment)
        head = builder.world.members(plan.from_org, Rank.SECTION_HEAD)[0].staff_id
        request_id = request.fields["request_id"] if request is not None else builder.next_id("IAM", 3)
        return builder.stream.emit(
            moment, "iam.user_disabled", builder.actor(shift.staff_id, day), "active-directory",
            terminal_id=session.terminal_id, session_id=session.session_id, target_user_id=plan.staff_id,
            request_id=request_id, requested_by=head,
        )

    def _report_late(self, builder: MonthBuilder, plan: HrPlan) -> None:
        """The personnel system's batch reaches kansa two working days after the retirement took effect."""
        old = builder.hr_events[plan.staff_id]
        builder.stream.discard(old)
        day = _working_days_from(builder, plan.effective)[2]
        builder.hr_events[plan.staff_id] = builder.stream.emit(
            at(day, 18, 30) + dt.timedelta(seconds=self._rng.randint(0, 1800)), "hr.changed", old.actor,
            old.source_system, network_zone="internal", **old.fields,
        )


def _working_days_from(builder: MonthBuilder, first: dt.date) -> list[dt.date]:
    days = [d for d in builder.world.working_days if d >= first]
    if len(days) < 4:
        raise RuntimeError(f"{RULE_ID}: the month ends too soon after {first}")
    return days
