"""DR-09 login without the required second factor (000 L334 顔認証 → AD ID/パスワード = 二要素; 002 L255).

Violations, on a free clerk's ordinary day, in the first session on their own terminal:
- biometric_failed_password_fallback: face recognition fails and Windows lets the clerk in on the password alone;
- password_only_login: no face recognition at all; Windows accepts the password alone (a bypass path).
Look-alikes (quiet, every factor present):
- biometric_retry: face recognition fails once, succeeds on the retry, then Windows with face + password;
- refused_password_only: Windows refuses a password-only attempt, then the normal chain follows.
The business application's own password login (the third stage) is benign everywhere in the month.
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import StaffMember

RULE_ID = "DR-09"
VARIANTS = ("biometric_failed_password_fallback", "password_only_login")
LOOKALIKES = ("biometric_retry", "refused_password_only")


class LoginWithoutSecondFactor(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._violations: list[tuple[str, StaffMember, dt.date]] = []
        self._lookalikes: list[tuple[str, StaffMember, dt.date]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        for number in range(violations):
            variant = VARIANTS[number % len(VARIANTS)]
            member, day, _ = claim_clerk_day(builder, rng, always(DayPlan()), what=f"a {RULE_ID} violation")
            self._violations.append((variant, member, day))
        for variant in LOOKALIKES:
            member, day, _ = claim_clerk_day(builder, rng, always(DayPlan()), what=f"a {RULE_ID} look-alike")
            self._lookalikes.append((variant, member, day))
            ledger.lookalike(RULE_ID, variant, member.staff_id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, stream = self._rng, builder.stream
        for variant, member, day in self._violations:
            session = builder.shifts[(member.staff_id, day)].sessions[0]
            face, windows = session.logins[0], session.logins[1]
            windows.fields["factors"] = ("password",)
            if variant == "password_only_login":
                stream.discard(face)
                ledger.violation(RULE_ID, variant, [windows])
                continue
            face.action = "auth.failure"
            face.envelope["outcome"] = "denied"
            face.fields = {"layer": "biometric", "reason": "factor_mismatch"}
            ledger.violation(RULE_ID, variant, [windows, face])

        for variant, member, day in self._lookalikes:
            session = builder.shifts[(member.staff_id, day)].sessions[0]
            face = session.logins[0]
            actor = builder.actor(member.staff_id, day)
            before = face.occurred_at - secs(rng.randint(20, 90))
            common = {"terminal_id": session.terminal_id, "session_id": session.session_id, "outcome": "denied"}
            if variant == "biometric_retry":
                stream.emit(before, "auth.failure", actor, face.source_system, layer="biometric",
                            reason="factor_mismatch", **common)
            else:
                stream.emit(before, "auth.failure", actor, "active-directory", layer="os", reason="factor_mismatch",
                            **common)
