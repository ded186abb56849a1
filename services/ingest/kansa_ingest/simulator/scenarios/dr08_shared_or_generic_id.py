"""DR-08 shared or generic ID use (002 L253 「共用IDの利用を原則禁止」, L275 「権限の共用は行わない」; 000 L334).

Each business section has a generic 窓口共用 ID on the roster, flagged shared (world.shared_accounts), that nobody
logs in with in a benign month. Violations, on a spare terminal of a free clerk's section:
- shared_counter_id: the clerk passes face recognition as themself, then Windows and the business application
  accept the section's shared ID;
- generic_unrostered_id: the business application accepts a generic ID that is on no roster and no contract.
Look-alikes (quiet):
- shared_id_refused: Windows refuses the shared ID (locked), nothing succeeds;
- named_contractor_worker: the contractor's named workers log in under their own IDs (benign maintenance work,
  generate.py), which are on the contract register rather than the staff roster.
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day
from kansa_ingest.simulator.stream import ActorRef
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import StaffMember, TerminalKind

RULE_ID = "DR-08"
VARIANTS = ("shared_counter_id", "generic_unrostered_id")


class SharedOrGenericId(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._violations: list[tuple[str, StaffMember, dt.date, str]] = []
        self._refused: tuple[StaffMember, dt.date] | None = None
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        timeline = builder.timeline
        for number in range(violations):
            variant = VARIANTS[number % len(VARIANTS)]
            chosen: list[str] = []

            def spare(member: StaffMember, day: dt.date, chosen: list[str] = chosen) -> DayPlan | None:
                terminal = timeline.free_terminal(member.org_unit, TerminalKind.SPARE, [day])
                if terminal is None:
                    return None
                chosen.append(terminal)
                return DayPlan(overtime=False)

            member, day, _ = claim_clerk_day(builder, rng, spare, what=f"a {RULE_ID} violation")
            self._violations.append((variant, member, day, chosen[-1]))
        member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=False)), what=f"a {RULE_ID} look-alike")
        self._refused = (member, day)
        ledger.lookalike(RULE_ID, "shared_id_refused", member.staff_id)
        ledger.lookalike(RULE_ID, "named_contractor_worker", builder.world.contract.workers[0])

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, emit, world = self._rng, builder.stream.emit, builder.world
        shared = dict((org, account) for account, org in world.shared_accounts)
        for number, (variant, member, day, terminal) in enumerate(self._violations, start=1):
            system = builder.system_of(member.org_unit)
            start = at(day, 14) + secs(rng.randint(0, 5400))
            if variant == "shared_counter_id":
                account = ActorRef(shared[member.org_unit], "staff", member.org_unit)
                session_id = f"{account.id}-{day:%Y%m%d}-1"
                # Face recognition names the real person; it opens no session of its own here.
                emit(start, "auth.login", builder.actor(member.staff_id, day), "face-auth", terminal_id=terminal,
                     layer="biometric", factors=("face",), matched_user_id=member.staff_id)
                windows = emit(start + secs(rng.randint(4, 9)), "auth.login", account, "active-directory",
                               terminal_id=terminal, session_id=session_id, layer="os", factors=("face", "password"))
                app = emit(start + secs(rng.randint(20, 45)), "auth.login", account, system, terminal_id=terminal,
                           session_id=session_id, layer="app", factors=("password",))
                builder.logout_chain(account, terminal, session_id, start + secs(rng.randint(900, 2400)), system)
                ledger.violation(RULE_ID, variant, [windows, app])
                continue
            account = ActorRef(f"madoguchi{number:02d}", "staff", member.org_unit)
            session_id = f"{account.id}-{day:%Y%m%d}-1"
            app = emit(start, "auth.login", account, system, terminal_id=terminal, session_id=session_id,
                       layer="app", factors=("password",))
            emit(start + secs(rng.randint(600, 1800)), "auth.logout", account, system, terminal_id=terminal,
                 session_id=session_id, layer="app")
            ledger.violation(RULE_ID, variant, [app])

        if self._refused is not None:
            member, day = self._refused
            session = builder.shifts[(member.staff_id, day)].sessions[0]
            account = ActorRef(shared[member.org_unit], "staff", member.org_unit)
            emit(session.start - secs(rng.randint(60, 120)), "auth.failure", account, "active-directory",
                 terminal_id=session.terminal_id, outcome="denied", layer="os", reason="locked")
