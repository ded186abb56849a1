"""DR-10 identity-chain mismatch across authentication stages (000 L334: 顔認証 → Windows → 業務システム).

The face recogniser hands whom it matched to the Windows login (`matched_user_id`), and the business application
records the Windows user it runs under (`os_user_id`). The borrowed ID belongs to a colleague of the same section
who is on leave that day, so no other rule (concurrent sessions, departed staff) sees the borrowing.
Violations, on a free clerk's own terminal, a short session with no data use:
- colleague_windows_id: in the afternoon the clerk logs out, passes face recognition as themself, logs in to
  Windows and the application with the colleague's ID (Windows records the clerk's face), and later back as
  themself;
- colleague_app_id: inside the clerk's own Windows session, the business application is opened with the
  colleague's ID for a few minutes.
Look-alikes (quiet, every stage reporting the identity it took over):
- shared_counter_handover: two clerks of a section use the second counter terminal one after the other, each
  logging out and the next logging in with their own face, Windows and application IDs;
- colleague_windows_id_refused: the same day, first thing in the morning, Windows refuses the second clerk's ID
  after the first clerk's face; the first clerk then logs in as themself.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, Session, Visit, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario, free_clerks
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESS_UNITS, Rank, StaffMember, TerminalKind

RULE_ID = "DR-10"
VARIANTS = ("colleague_windows_id", "colleague_app_id")
_ATTEMPTS = 500


def always_quiet(_clerk: StaffMember) -> DayPlan:
    return DayPlan(overtime=False)


def own_terminal_session(
    start: dt.time, end: dt.time, gap_before_s: int, gap_after_s: int,
) -> Callable[[StaffMember], DayPlan]:
    """A separate session on the clerk's own terminal, between two of their own (a `Visit` to where they sit)."""
    return lambda clerk: DayPlan(visit=Visit(clerk.terminal_id, start, end, gap_before_s, gap_after_s),
                                 overtime=False)


def _report_chain(session: Session) -> None:
    """Have a session's stages report the identity each took over (a benign chain: one person throughout)."""
    face, windows, app = session.logins
    windows.fields["matched_user_id"] = face.fields["matched_user_id"]
    app.fields["os_user_id"] = windows.actor.id


class IdentityChainMismatch(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        # (variant, clerk, colleague on leave, day)
        self._violations: list[tuple[str, StaffMember, StaffMember, dt.date]] = []
        self._handover: tuple[StaffMember, StaffMember, dt.date] | None = None
        self._used: set[tuple[str, dt.date]] = set()  # (colleague, day of leave) already borrowed
        self._rng = random.Random()

    # -- planning --

    def _borrow(
        self, builder: MonthBuilder, rng: random.Random, make_plan: Callable[[StaffMember], DayPlan],
    ) -> tuple[StaffMember, StaffMember, dt.date]:
        """A clerk at work, and a colleague of the same section on leave that day whose ID the clerk borrows.

        Clerks free for a whole month are scarce, so the borrower only claims the day (as DR-07..DR-09 do), and the
        colleague is preferably someone already reserved (by any scenario) with no HR change this month; a colleague
        reserved here stays out of later HR changes, which would turn the borrowing into a DR-01 finding."""
        timeline, staff = builder.timeline, builder.world.staff_by_id
        business = {u.org_unit for u in BUSINESS_UNITS}
        absent = sorted(
            (s, d) for s, d in timeline.leave
            if staff[s].rank is Rank.CLERK and staff[s].org_unit in business and s not in timeline.hr
            and (s, d) not in self._used
        )
        rng.shuffle(absent)
        absent.sort(key=lambda pair: pair[0] not in timeline.reserved)  # stable: random within each group
        clerks = free_clerks(builder)
        for owner_id, day in absent:
            owner = staff[owner_id]
            mates = [c for c in clerks if c.org_unit == owner.org_unit and c.staff_id != owner_id
                     and timeline.is_free(c.staff_id, day)]
            if not mates:
                continue
            clerk = rng.choice(mates)
            if timeline.claim_day(clerk.staff_id, day, make_plan(clerk)):
                self._used.add((owner_id, day))
                timeline.reserved.add(owner_id)
                return clerk, owner, day
        raise RuntimeError(f"no clerk with a colleague on leave for {RULE_ID} in {builder.world.label}")

    def _pair_on_one_day(self, builder: MonthBuilder, rng: random.Random) -> tuple[StaffMember, StaffMember, dt.date]:
        """Two clerks of one section at work on a day the section's second counter terminal is free."""
        world, timeline = builder.world, builder.timeline
        clerks = free_clerks(builder)
        for _ in range(_ATTEMPTS):
            first, day = rng.choice(clerks), rng.choice(world.working_days)
            mates = [c for c in clerks if c.org_unit == first.org_unit and c.staff_id != first.staff_id
                     and timeline.is_free(c.staff_id, day)]
            if not timeline.is_free(first.staff_id, day) or not mates:
                continue
            second = rng.choice(mates)
            counter = world.terminals_of(first.org_unit, TerminalKind.COUNTER)[1].terminal_id
            if not timeline.claim_terminal(counter, [day]):
                continue
            handover = 14 * 60 + 30 + rng.randint(0, 20)  # minutes after midnight
            visits = (
                Visit(counter, dt.time(13, 30), dt.time(handover // 60, handover % 60), rng.randint(60, 300), 120),
                Visit(counter, dt.time(handover // 60, handover % 60 + 1), dt.time(15, 40), rng.randint(60, 300),
                      rng.randint(60, 300)),
            )
            timeline.claim_day(first.staff_id, day, DayPlan(visit=visits[0], overtime=False))
            timeline.claim_day(second.staff_id, day, DayPlan(visit=visits[1], overtime=False))
            return first, second, day
        raise RuntimeError(f"no two clerks and a counter terminal for {RULE_ID} in {world.label}")

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        for number in range(violations):
            variant = VARIANTS[number % len(VARIANTS)]
            make_plan: Callable[[StaffMember], DayPlan] = always_quiet
            if variant == "colleague_windows_id":
                start = dt.datetime.combine(dt.date(2000, 1, 1), dt.time(14)) + secs(rng.randint(0, 3600))
                end = start + dt.timedelta(minutes=rng.randint(20, 40))
                make_plan = own_terminal_session(start.time(), end.time(), rng.randint(30, 120), rng.randint(60, 180))
            clerk, owner, day = self._borrow(builder, rng, make_plan)
            self._violations.append((variant, clerk, owner, day))

        # Both look-alikes on one day: in the morning the first clerk's Windows login with the second's ID is
        # refused; in the afternoon they hand the counter terminal over.
        self._handover = self._pair_on_one_day(builder, rng)
        ledger.lookalike(RULE_ID, "shared_counter_handover", self._handover[0].staff_id)
        ledger.lookalike(RULE_ID, "colleague_windows_id_refused", self._handover[0].staff_id)

    # -- injection --

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        for variant, clerk, owner, day in self._violations:
            if variant == "colleague_windows_id":
                events = self._borrowed_windows_session(builder, clerk, owner, day)
            else:
                events = self._borrowed_application(builder, clerk, owner, day)
            ledger.violation(RULE_ID, variant, events)

        if self._handover is not None:
            first, second, day = self._handover
            for member in (first, second):
                for session in builder.shifts[(member.staff_id, day)].sessions:
                    _report_chain(session)
            session = builder.shifts[(first.staff_id, day)].sessions[0]
            face = session.logins[0]
            builder.stream.emit(
                face.occurred_at + secs(2), "auth.login", builder.actor(second.staff_id, day), "active-directory",
                terminal_id=session.terminal_id, session_id=session.session_id, outcome="denied", layer="os",
                factors=("face", "password"), matched_user_id=first.staff_id,
            )

    def _borrowed_windows_session(
        self, builder: MonthBuilder, clerk: StaffMember, owner: StaffMember, day: dt.date,
    ) -> list[EventDraft]:
        """The clerk's second session of the day (face as themself) becomes the colleague's Windows session."""
        shift = builder.shifts[(clerk.staff_id, day)]
        session = shift.sessions[1]
        face, windows, app = session.logins
        account = builder.actor(owner.staff_id, day)
        windows.actor = app.actor = account
        windows.fields["matched_user_id"] = clerk.staff_id
        app.fields["os_user_id"] = owner.staff_id
        for draft in builder.stream:
            if draft.envelope.get("session_id") == session.session_id and draft.action == "auth.logout":
                draft.actor = account
        shift.blocked.append((session.start, session.end))  # the clerk's own work never runs under that ID
        return [windows, face, app]

    def _borrowed_application(
        self, builder: MonthBuilder, clerk: StaffMember, owner: StaffMember, day: dt.date,
    ) -> list[EventDraft]:
        """A few minutes in the business application under the colleague's ID, in the clerk's Windows session."""
        rng, shift = self._rng, builder.shifts[(clerk.staff_id, day)]
        minutes = rng.randint(5, 15)
        moment = None
        for _ in range(_ATTEMPTS):
            moment = builder.pick_time(shift, at(day, 10), at(day, 16))
            if moment is not None and any(s <= moment and moment + dt.timedelta(minutes=minutes + 1) <= e
                                          for s, e, _ in shift.free_windows()):
                break
            moment = None
        if moment is None:
            raise RuntimeError(f"no quiet {minutes} minutes in {clerk.staff_id}'s day for {RULE_ID}")
        session = shift.session_at(moment)
        account = builder.actor(owner.staff_id, day)
        system = builder.system_of(clerk.org_unit)
        common = {"terminal_id": session.terminal_id, "session_id": session.session_id}
        login = builder.stream.emit(moment, "auth.login", account, system, layer="app", factors=("password",),
                                    os_user_id=clerk.staff_id, **common)
        end = moment + dt.timedelta(minutes=minutes)
        builder.stream.emit(end, "auth.logout", account, system, layer="app", **common)
        shift.blocked.append((moment - secs(30), end + secs(30)))
        return [login]
