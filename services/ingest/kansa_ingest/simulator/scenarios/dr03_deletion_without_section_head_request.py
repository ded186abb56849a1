"""DR-03 account deletion/suspension without the 所属長's request (000 L323 III-2: 「所属長がユーザ削除の依頼を行い、
権限者はその内容を十分確認したうえで削除」).

Violations, by the 権限者 (a system administrator of 情報政策課) against a free clerk's account, in the afternoon:
- disabled_without_request: suspended with no request at all (and re-enabled ten minutes later);
- requested_by_supervisor: suspended on a request from the clerk's 上長 rather than the 所属長.
Look-alikes (quiet):
- head_requested_suspension: suspended on the 所属長's request (long leave), after an iam.deletion_requested;
- benign HR changes (generate.py): the retiree's account is disabled on the 所属長's request on the effective day,
  and the transferee's roles are revoked and granted (no deletion).
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import StaffMember

RULE_ID = "DR-03"
VARIANTS = ("disabled_without_request", "requested_by_supervisor")
LOOKALIKE = "head_requested_suspension"


class DeletionWithoutSectionHeadRequest(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._planned: list[tuple[str, StaffMember, dt.date]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        # Admins are in every working day; any day but the month's last leaves room for the re-enablement.
        days = builder.world.working_days[:-1]
        for number in range(violations):
            member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=False)), days=days,
                                             what=f"a {RULE_ID} violation")
            self._planned.append((VARIANTS[number % len(VARIANTS)], member, day))
        member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=False)), days=days,
                                         what=f"a {RULE_ID} look-alike")
        self._planned.append((LOOKALIKE, member, day))
        ledger.lookalike(RULE_ID, LOOKALIKE, member.staff_id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, emit = self._rng, builder.stream.emit
        for variant, member, day in self._planned:
            shift = builder.admin_shift(day)
            moment = builder.pick_time(shift, at(day, 15), at(day, 17)) if shift is not None else None
            if shift is None or moment is None:
                raise RuntimeError(f"{RULE_ID}: no administrator free on {day} in {builder.world.label}")
            shift.blocked.append((moment, moment + dt.timedelta(minutes=12)))
            session = shift.session_at(moment)
            admin = builder.actor(shift.staff_id, day)
            common = {"terminal_id": session.terminal_id, "session_id": session.session_id}
            request_id = builder.next_id("IAM", 3)
            if variant == "disabled_without_request":
                disabled = emit(moment, "iam.user_disabled", admin, "active-directory", target_user_id=member.staff_id,
                                **common)
                emit(moment + secs(rng.randint(420, 660)), "iam.user_reenabled", admin, "active-directory",
                     target_user_id=member.staff_id, **common)
                ledger.violation(RULE_ID, variant, [disabled])
                continue
            requester = member.supervisor_id if variant == "requested_by_supervisor" else member.section_head_id
            assert requester is not None
            if variant == LOOKALIKE:
                head = builder.actor(requester, day)
                emit(moment - secs(rng.randint(1800, 5400)), "iam.deletion_requested", head, "iam-portal",
                     network_zone="internal", target_user_id=member.staff_id, request_id=request_id,
                     requested_by=requester)
            disabled = emit(moment, "iam.user_disabled", admin, "active-directory", target_user_id=member.staff_id,
                            request_id=request_id, requested_by=requester, **common)
            if variant != LOOKALIKE:
                ledger.violation(RULE_ID, variant, [disabled])
