"""DR-11 authentication failure bursts (000 L334 パスワード流出時の報告・変更; 000 L384 侵入検知・通知).

Violations (product default: 5 failures of one account within 15 minutes):
- password_guessing: at lunchtime someone tries a clerk's ID on a spare terminal of the section, six bad passwords
  within a few minutes, and gives up (the fifth completes the burst);
- face_mismatch_burst: five face-recognition mismatches on the clerk's own terminal, then the normal chain.
Look-alikes (quiet):
- mistyped_then_success: three mistyped Windows passwords, then the normal chain;
- spread_app_failures: five mistyped business-application passwords spread over the day, 25+ minutes apart.
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import StaffMember, TerminalKind

RULE_ID = "DR-11"
VARIANTS = ("password_guessing", "face_mismatch_burst")
LOOKALIKES = ("mistyped_then_success", "spread_app_failures")
BURST = 5


class AuthenticationFailureBurst(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._violations: list[tuple[str, StaffMember, dt.date, str | None]] = []
        self._lookalikes: list[tuple[str, StaffMember, dt.date]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        timeline = builder.timeline
        for number in range(violations):
            variant = VARIANTS[number % len(VARIANTS)]
            chosen: list[str] = []

            def spare(member: StaffMember, day: dt.date, variant: str = variant,
                      chosen: list[str] = chosen) -> DayPlan | None:
                if variant == "password_guessing":
                    terminal = timeline.free_terminal(member.org_unit, TerminalKind.SPARE, [day])
                    if terminal is None:
                        return None
                    chosen.append(terminal)
                return DayPlan(overtime=False)

            member, day, _ = claim_clerk_day(builder, rng, spare, what=f"a {RULE_ID} violation")
            self._violations.append((variant, member, day, chosen[-1] if chosen else None))
        for variant in LOOKALIKES:
            member, day, _ = claim_clerk_day(builder, rng, always(DayPlan(overtime=False)),
                                             what=f"a {RULE_ID} look-alike")
            self._lookalikes.append((variant, member, day))
            ledger.lookalike(RULE_ID, variant, member.staff_id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, emit = self._rng, builder.stream.emit
        for variant, member, day, spare in self._violations:
            actor = builder.actor(member.staff_id, day)
            failures: list[EventDraft] = []
            if variant == "password_guessing":
                assert spare is not None
                moment = at(day, 12, 8) + secs(rng.randint(0, 600))
                for _ in range(BURST + 1):
                    failures.append(emit(moment, "auth.failure", actor, "active-directory", terminal_id=spare,
                                         outcome="denied", layer="os", reason="bad_password"))
                    moment += secs(rng.randint(15, 50))
            else:
                session = builder.shifts[(member.staff_id, day)].sessions[0]
                moment = session.start - secs(rng.randint(150, 240))
                for _ in range(BURST):
                    failures.append(emit(moment, "auth.failure", actor, "face-auth", terminal_id=session.terminal_id,
                                         session_id=session.session_id, outcome="denied", layer="biometric",
                                         reason="factor_mismatch"))
                    moment += secs(rng.randint(15, 30))
            completing = failures[BURST - 1]
            ledger.violation(RULE_ID, variant, [completing, *(f for f in failures if f is not completing)])

        for variant, member, day in self._lookalikes:
            shift = builder.shifts[(member.staff_id, day)]
            session = shift.sessions[0]
            actor = builder.actor(member.staff_id, day)
            common = {"terminal_id": session.terminal_id, "session_id": session.session_id, "outcome": "denied"}
            if variant == "mistyped_then_success":
                moment = session.start - secs(rng.randint(90, 150))
                for _ in range(3):
                    emit(moment, "auth.failure", actor, "active-directory", layer="os", reason="bad_password",
                         **common)
                    moment += secs(rng.randint(15, 30))
                continue
            system = builder.system_of(member.org_unit)
            moment = session.start + dt.timedelta(minutes=5)
            for _ in range(BURST):
                emit(moment, "auth.failure", actor, system, layer="app", reason="bad_password", **common)
                moment += dt.timedelta(minutes=rng.randint(25, 60))
