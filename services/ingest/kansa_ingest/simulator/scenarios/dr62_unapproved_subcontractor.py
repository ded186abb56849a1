"""DR-62 re-subcontractor access without the city's approval (the Wako incident 001 L361 「市の承諾を得る手を怠って
委託先が再委託及び再々委託を行っていた」; 000 L351 only re-subcontractors whose party and reason the city approved).

The main contract's re-subcontractors (world.subcontractors): kinki-system-support, approved from the start of the
term; naniwa-data-entry, approved on the 20th of the month; hokusetsu-soft, never approved. The prime named all their
workers on its worker roster, so the IT admin issues them work orders like anyone else and their sessions are in
scope and in term: only the organisation is wrong. Violations (a whole session on the maintenance terminal):
- unapproved_subcontractor: a hokusetsu-soft worker works under a work order;
- before_approval: the naniwa-data-entry worker works before the approval date.
Look-alikes (quiet): approved_subcontractor (the kinki-system-support worker), after_approval_date (the
naniwa-data-entry worker from the 20th on).
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import MonthBuilder
from kansa_ingest.simulator.scenarios.base import Scenario
from kansa_ingest.simulator.scenarios.dr60_contractor_outside_scope_or_work_order import (
    claim_worker_days,
    close_order,
    day_order,
    work_session,
)
from kansa_ingest.simulator.truth import TruthLedger

RULE_ID = "DR-62"
VARIANTS = ("unapproved_subcontractor", "before_approval")


class UnapprovedSubcontractor(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._sessions: list[tuple[str, str, dt.date]] = []  # (variant, worker, day)
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        world = builder.world
        approved, dated, unapproved = world.subcontractors
        assert dated.approved_on is not None
        before = [d for d in world.working_days if d < dated.approved_on]
        after = [d for d in world.working_days if d >= dated.approved_on]
        hidden = [unapproved.workers[n % len(unapproved.workers)] for n in range((violations + 1) // 2)]
        for worker in sorted(set(hidden)):
            days = claim_worker_days(builder, rng, worker, hidden.count(worker))
            self._sessions += [("unapproved_subcontractor", worker, d) for d in days]
        early = violations // 2
        if early:
            days = claim_worker_days(builder, rng, dated.workers[0], early, days=before)
            self._sessions += [("before_approval", dated.workers[0], d) for d in days]
        for variant, worker, days_from in (("approved_subcontractor", approved.workers[0], world.working_days),
                                           ("after_approval_date", dated.workers[0], after)):
            if days_from:
                self._sessions.append((variant, worker, claim_worker_days(builder, rng, worker, 1, days=days_from)[0]))
                ledger.lookalike(RULE_ID, variant, worker)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, system = self._rng, builder.world.contract.systems[1]  # kokuho-system
        for variant, worker, day in self._sessions:
            order, start, end = day_order(builder, rng, worker, day, (system,))
            session = work_session(builder, worker, start, end, system)
            close_order(builder, order, end)
            if variant in VARIANTS:
                ledger.violation(RULE_ID, variant, list(session.logins))
