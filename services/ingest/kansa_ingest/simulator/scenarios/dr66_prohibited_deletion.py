"""DR-66 prohibited deletion (002 L300: 過去の助成履歴が確認できず重複助成のおそれがあるため「消去は行わない」).

Violations:
- eligibility_hard_deleted: a clerk hard-deletes a resident's eligibility record (受給資格) in the business system;
- payment_history_purged_by_job: the nightly retention job is configured to purge payment history (支払履歴);
- manual_deletion_outside_job: a clerk deletes application images (申請書画像) by hand instead of by the job;
- logical_deletion_without_correction: a clerk withdraws a subsidy-history row (助成履歴) citing no correction record.
Look-alikes: the nightly retention job purges application images past their retention period; a clerk corrects an
eligibility record logically and cites the correction record.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day
from kansa_ingest.simulator.stream import ActorRef, EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESSES, StaffMember

RULE_ID = "DR-66"
VARIANTS = (
    "eligibility_hard_deleted", "payment_history_purged_by_job", "manual_deletion_outside_job",
    "logical_deletion_without_correction",
)
_BY_HAND = {  # variant -> (record type, mode, correction record?)
    "eligibility_hard_deleted": ("受給資格", "physical", False),
    "manual_deletion_outside_job": ("申請書画像", "physical", False),
    "logical_deletion_without_correction": ("助成履歴", "logical", False),
    "logical_correction_with_record": ("受給資格", "logical", True),
}
JOB_ACCOUNT = ActorRef("batch-retention", "system")
JOB_SYSTEM = "fukushi-iryo-system"
PURGE_LOOKALIKE = "retention_job_purges_expired_images"
CORRECTION_LOOKALIKE = "logical_correction_with_record"


class ProhibitedDeletion(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._by_hand: list[tuple[str, StaffMember, dt.date]] = []
        self._jobs: list[str] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        # A day without a counter stint or overtime, so the deletion happens on the clerk's own terminal in hours.
        quiet = always(DayPlan(overtime=False))
        for number in range(violations):
            variant = VARIANTS[number % len(VARIANTS)]
            if variant in _BY_HAND:
                member, day, _ = claim_clerk_day(builder, rng, quiet, what=f"a {RULE_ID} violation")
                self._by_hand.append((variant, member, day))
            else:
                self._jobs.append(variant)
        member, day, _ = claim_clerk_day(builder, rng, quiet, what=f"a {RULE_ID} look-alike")
        self._by_hand.append((CORRECTION_LOOKALIKE, member, day))
        ledger.lookalike(RULE_ID, CORRECTION_LOOKALIKE, member.staff_id)
        self._jobs.append(PURGE_LOOKALIKE)
        ledger.lookalike(RULE_ID, PURGE_LOOKALIKE, JOB_ACCOUNT.id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        for variant, member, day in self._by_hand:
            deleted = self._delete_by_hand(builder, variant, member, day)
            if variant != CORRECTION_LOOKALIKE:
                ledger.violation(RULE_ID, variant, [deleted])
        nights = self._rng.sample(builder.world.working_days[2:-2], len(self._jobs))
        for variant, day in zip(self._jobs, nights, strict=True):
            record_type = "支払履歴" if variant == "payment_history_purged_by_job" else "申請書画像"
            run, deleted = self._job(builder, day, record_type)
            if variant != PURGE_LOOKALIKE:
                ledger.violation(RULE_ID, variant, [deleted, run])

    def _delete_by_hand(self, builder: MonthBuilder, variant: str, member: StaffMember, day: dt.date) -> EventDraft:
        rng, world = self._rng, builder.world
        shift = builder.shifts[(member.staff_id, day)]
        moment = builder.pick_time(shift, at(day, 10), at(day, 16))
        if moment is None:
            raise RuntimeError(f"{RULE_ID}: {member.staff_id} has no time on {day} in {world.label}")
        shift.blocked.append((moment, moment + dt.timedelta(minutes=5)))
        session = shift.session_at(moment)
        business = world.unit_by_id[member.org_unit].business_codes[0]
        record_type, mode, corrected = _BY_HAND[variant]
        extra: dict[str, Any] = {"correction_id": builder.next_id("COR", 3)} if corrected else {}
        return builder.stream.emit(
            moment, "retention.record_deleted", builder.actor(member.staff_id, day), BUSINESSES[business].system,
            terminal_id=session.terminal_id, session_id=session.session_id, business_code=business,
            subject_ref=rng.choice(world.residents[business]), record_type=record_type, mode=mode, **extra,
        )

    def _job(self, builder: MonthBuilder, day: dt.date, record_type: str) -> tuple[EventDraft, EventDraft]:
        """The nightly retention batch: the run's summary, then what it deleted, under the run's job id."""
        start = at(day, 2) + secs(self._rng.randint(0, 1800))
        count = self._rng.randint(80, 900)
        job: dict[str, Any] = {"record_type": record_type, "record_count": count, "job_id": builder.next_id("JOB", 3),
                               "retention_rule_id": "RR-FUKUSHI-01"}
        emit = builder.stream.emit
        run = emit(start, "retention.job_run", JOB_ACCOUNT, JOB_SYSTEM, network_zone="closed", **job)
        deleted = emit(start + secs(self._rng.randint(60, 600)), "retention.record_deleted", JOB_ACCOUNT, JOB_SYSTEM,
                       network_zone="closed", **job)
        return run, deleted
