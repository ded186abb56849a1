"""DR-04 rights that do not match the current assignment (002 L253; 001 L307 「ICカード毎に…必要な業務権限のみ付与」).

The 権限者 (a system administrator of 情報政策課) grants roles in the afternoon, on a request from a 所属長. Clerks are
scarce in a small month, so this scenario reuses the month's transfers (deprovisioned on the day) and picks 上長 and
所属長, whom no HR change moves.
Violations:
- old_role_regranted_after_transfer: days after a transfer (old role revoked, new one granted on the day), the old
  section's role is granted back "for the handover";
- role_of_unrelated_section: a 上長 gets the clerk role of a section with no business in common with theirs;
- mynumber_role_to_non_permitted: a 所属長, whom the roster does not permit to use My Number, gets the section's
  (My Number) clerk role.
Look-alikes: the new section's role granted the working day before an announced transfer takes effect
(pre-provisioning); a 上長's own section role granted again after an IC card reissue.
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import HrPlan, MonthBuilder, at
from kansa_ingest.simulator.scenarios.base import Scenario
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESS_UNITS, Rank, StaffMember
from kansa_schemas.events.hr import HrChangeType

RULE_ID = "DR-04"
VARIANTS = ("old_role_regranted_after_transfer", "role_of_unrelated_section", "mynumber_role_to_non_permitted")
PRE_PROVISIONED = "new_role_before_announced_transfer"
REISSUE = "own_role_after_card_reissue"


class RightsNotMatchingAssignment(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._violations: list[tuple[str, StaffMember, HrPlan | None]] = []
        self._pre: HrPlan | None = None
        self._reissue: StaffMember | None = None
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        world = builder.world
        heads = [world.members(u.org_unit, Rank.SECTION_HEAD)[0] for u in BUSINESS_UNITS]
        supervisors = [s for u in BUSINESS_UNITS for s in world.members(u.org_unit, Rank.SUPERVISOR)]
        transfers = self._transfers(builder)
        for number in range(violations):
            variant = VARIANTS[number % len(VARIANTS)]
            plan = None
            if variant == "old_role_regranted_after_transfer":
                plan = transfers[number % len(transfers)] if transfers else None
                if plan is None:
                    plan = builder.plan_hr(rng, HrChangeType.TRANSFER, window=(0.2, 0.5))
                member = world.staff_by_id[plan.staff_id]
            elif variant == "role_of_unrelated_section":
                member = rng.choice(supervisors)
            else:
                member = heads[number % len(heads)]
            self._violations.append((variant, member, plan))
        # Pre-provisioning follows the HR notice: only where the eve of the move comes after the announcement.
        noticed = [p for p in transfers if p.announced_at + dt.timedelta(hours=1) <= at(_eve(builder, p), 16)]
        if noticed:
            self._pre = rng.choice(noticed)
            ledger.lookalike(RULE_ID, PRE_PROVISIONED, self._pre.staff_id)
        self._reissue = rng.choice(supervisors)
        ledger.lookalike(RULE_ID, REISSUE, self._reissue.staff_id)

    @staticmethod
    def _transfers(builder: MonthBuilder) -> list[HrPlan]:
        """Transfers planned so far that IT handles on the day, with working days before and after to spare."""
        working = builder.world.working_days
        return [
            p for p in builder.timeline.hr.values()
            if p.change_type is HrChangeType.TRANSFER and p.deprovisioned and working[1] < p.effective <= working[-6]
        ]

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        world, rng = builder.world, self._rng
        regrants: dict[str, int] = {}  # a transfer reused for a second violation gets its own (later) day
        for variant, member, plan in self._violations:
            if plan is not None:
                days = [d for d in world.working_days if d > plan.effective]
                used = regrants[plan.staff_id] = regrants.get(plan.staff_id, -1) + 1
                grant = self._grant(builder, member, f"{plan.from_org}:clerk", days[min(1 + 2 * used, len(days) - 1)])
            elif variant == "role_of_unrelated_section":
                own = set(world.unit_by_id[member.org_unit].business_codes)
                other = rng.choice([u for u in BUSINESS_UNITS if not own & set(u.business_codes)])
                grant = self._grant(builder, member, f"{other.org_unit}:clerk", rng.choice(world.working_days[3:-3]))
            else:
                grant = self._grant(builder, member, f"{member.org_unit}:clerk", rng.choice(world.working_days[3:-3]))
            ledger.violation(RULE_ID, variant, [grant])
        if self._pre is not None:
            plan = self._pre
            after = plan.announced_at + dt.timedelta(minutes=30)
            self._grant(builder, world.staff_by_id[plan.staff_id], f"{plan.to_org}:clerk", _eve(builder, plan),
                        after=after)
        if self._reissue is not None:
            member = self._reissue
            self._grant(builder, member, f"{member.org_unit}:clerk", rng.choice(world.working_days[3:-3]))

    def _grant(
        self, builder: MonthBuilder, member: StaffMember, role_id: str, day: dt.date, *,
        after: dt.datetime | None = None,
    ) -> EventDraft:
        """An afternoon grant by the 権限者, on a request from the 所属長 of the section the role belongs to."""
        shift = builder.admin_shift(day)
        earliest = max(at(day, 13, 30), after or at(day, 13, 30))
        moment = builder.pick_time(shift, earliest, at(day, 17)) if shift is not None else None
        if shift is None or moment is None:
            raise RuntimeError(f"{RULE_ID}: no administrator free on {day} in {builder.world.label}")
        shift.blocked.append((moment, moment + dt.timedelta(minutes=5)))
        session = shift.session_at(moment)
        head = builder.world.members(role_id.split(":", 1)[0], Rank.SECTION_HEAD)[0].staff_id
        return builder.stream.emit(
            moment, "iam.role_granted", builder.actor(shift.staff_id, day), "active-directory",
            terminal_id=session.terminal_id, session_id=session.session_id, target_user_id=member.staff_id,
            role_id=role_id, request_id=builder.next_id("IAM", 3), requested_by=head,
        )


def _eve(builder: MonthBuilder, plan: HrPlan) -> dt.date:
    """The last working day before the change takes effect."""
    return max(d for d in builder.world.working_days if d < plan.effective)
