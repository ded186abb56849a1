"""DR-63 contractor access outside the contract term (000 L349 「委託契約終了後の特定個人情報の消去」; 001 L329,
002 L263 return or disposal at the end: nobody of the contractor should be working after it).

Two contracts besides the main one (world.other_contracts): a data migration that ended on the 9th of the month and
a build contract that starts on the 22nd, each with one named worker. The IT admin issues work orders under them as
usual (nobody checked the term), so the sessions are ordered and in scope: only the date is wrong.
Violations (a whole session on the maintenance terminal):
- after_term_end: the migration worker works after the contract ended;
- before_term_start: the build worker starts before the contract does.
Look-alikes (quiet): last_days_of_term (the migration worker on or before the 9th), from_term_start (the build
worker from the 22nd on), refused_after_end (Windows refuses the migration worker's disabled account after the end).
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import MonthBuilder, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario
from kansa_ingest.simulator.scenarios.dr60_contractor_outside_scope_or_work_order import (
    claim_worker_days,
    close_order,
    contractor_actor,
    day_order,
    maintenance_terminal,
    work_session,
)
from kansa_ingest.simulator.truth import TruthLedger

RULE_ID = "DR-63"
VARIANTS = ("after_term_end", "before_term_start")


class ContractorOutsideTerm(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._sessions: list[tuple[str, str, dt.date]] = []  # (variant, worker, day)
        self._refused: tuple[str, dt.date] | None = None
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        world = builder.world
        ended, starting = world.other_contracts
        migrator, builder_worker = ended.workers[0], starting.workers[0]
        after_end = [d for d in world.working_days if d > ended.term_end]
        before_start = [d for d in world.working_days if d < starting.term_start]
        wanted = {"after_term_end": (violations + 1) // 2, "before_term_start": violations // 2}
        for variant, worker, days in (("after_term_end", migrator, after_end),
                                      ("before_term_start", builder_worker, before_start)):
            if wanted[variant]:
                spare = variant == "after_term_end"  # one more day of the ended contract's worker, for the refusal
                picked = claim_worker_days(builder, rng, worker, wanted[variant] + spare, days=days)
                self._sessions += [(variant, worker, d) for d in picked[:wanted[variant]]]
                if spare:
                    self._refused = (worker, picked[-1])
        for variant, worker, days in (
            ("last_days_of_term", migrator, [d for d in world.working_days if ended.term_start <= d <= ended.term_end]),
            ("from_term_start", builder_worker, [d for d in world.working_days if d >= starting.term_start]),
        ):
            if days:
                self._sessions.append((variant, worker, claim_worker_days(builder, rng, worker, 1, days=days)[0]))
                ledger.lookalike(RULE_ID, variant, worker)
        if self._refused is not None:
            ledger.lookalike(RULE_ID, "refused_after_end", migrator)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, world = self._rng, builder.world
        for variant, worker, day in self._sessions:
            system = next(c for c in world.other_contracts if worker in c.workers).systems[0]
            order, start, end = day_order(builder, rng, worker, day, (system,))
            session = work_session(builder, worker, start, end, system)
            close_order(builder, order, end)
            if variant in VARIANTS:
                ledger.violation(RULE_ID, variant, list(session.logins))
        if self._refused is not None:
            worker, day = self._refused
            builder.stream.emit(
                at(day, 10) + secs(rng.randint(0, 3600)), "auth.failure", contractor_actor(world, worker),
                "active-directory", terminal_id=maintenance_terminal(world), outcome="denied", layer="os",
                reason="locked",
            )
