"""The month's benign activity, and the building blocks scenarios reuse to inject theirs.

Order of work (see `run.simulate`): plan leave and HR changes, let scenarios claim days, build every working day's
sessions, let scenarios inject, add exports, HR/IAM events, contractor work and heartbeats, and finally fill the
remaining event budget with ordinary case work. Benign traffic stays well inside the five rules' limits:
one terminal at a time per person, at most 60 My Number searches a day spread over hours, every export approved
by the applicant's 上長 (or 所属長 when the 上長 is away), nobody active after leaving, every lookup inside a case
of the person's own section, and every late shift under an overtime order (`overtime_roster`, in the reference).
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kansa_ingest.simulator.stream import SYSTEM_HR, SYSTEM_LOG_COLLECTOR, ActorRef, EventDraft, EventStream
from kansa_ingest.simulator.world import (
    BUSINESS_UNITS,
    IT_UNIT,
    JST,
    Rank,
    StaffMember,
    TerminalKind,
    World,
    business_info,
    safe_hex,
)
from kansa_schemas.events.hr import HrChangeType
from kansa_schemas.reference.models import OvertimeEntry

OVERTIME_SHARE = 0.12
CASE_WEIGHT = {Rank.CLERK: 1.0, Rank.SUPERVISOR: 0.4}  # heads and admins do no case work
MAX_CASES_PER_DAY = 30  # at ≤ 2 searches a case an ordinary day stays far below DR-24's floor of 100
SECOND_SEARCH_SHARE = 0.3
UPDATE_SHARE = 0.45
PRINT_SHARE = 0.2
HARDCOPY_SHARE = 0.02
# received + opened + closed, a search and a view per search, 0-2 extra views, and the optional steps.
MEAN_EVENTS_PER_CASE = 3 + 2 * (1 + SECOND_SEARCH_SHARE) + 1 + UPDATE_SHARE + PRINT_SHARE + HARDCOPY_SHARE
DEPARTURES = (HrChangeType.RETIREMENT, HrChangeType.SECONDMENT, HrChangeType.DISMISSAL)
MONITORED_SOURCES = (
    "face-auth", "active-directory", "kodomo-iryo-system", "fukushi-iryo-system", "kokuho-system",
    "jumin-kiroku-system", "common-platform",
)
HEARTBEAT_SHARE = 0.06
EXPORT_PURPOSES = (
    "国保連合会への資格異動データ送付",
    "審査支払機関への受給者データ提出",
    "受給者数調査の統計資料作成",
    "県補助金対象者リストの提出",
)
Window = tuple[dt.datetime, dt.datetime]


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


def secs(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=int(n))


def order_end(end: dt.datetime) -> dt.datetime:
    """Where an overtime order for a shift ending at `end` stops: the next half hour after it (same day)."""
    half = end.replace(minute=30, second=0, microsecond=0)
    return min(half if end < half else half + dt.timedelta(minutes=30), end.replace(hour=23, minute=59, second=0))


def heartbeat_interval_minutes(events: int, days: int) -> int:
    for minutes in (15, 30, 60, 120, 240, 480, 720):
        if len(MONITORED_SOURCES) * days * 1440 / minutes <= HEARTBEAT_SHARE * events:
            return minutes
    return 1440


# --- Plans ------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Visit:
    """A stint on another terminal: log out of one's own, log in there, and maybe come back."""

    terminal_id: str
    start: dt.time
    end: dt.time
    gap_before_s: int
    gap_after_s: int | None  # None: the day ends on the visited terminal


@dataclass(frozen=True)
class DayPlan:
    visit: Visit | None = None
    overtime: bool | None = None  # None: the usual chance
    busy_searches: int | None = None  # the DR-24 scenario fills such a day itself; the case filler skips it


@dataclass(frozen=True)
class HrPlan:
    staff_id: str
    change_type: HrChangeType
    effective: dt.date  # effective from 00:00 JST of this day
    announced_at: dt.datetime
    from_org: str
    to_org: str | None = None
    new_terminal: str | None = None
    deprovisioned: bool = True  # False: IT never disabled the account or revoked the role (how DR-01 happens)

    @property
    def effective_at(self) -> dt.datetime:
        return dt.datetime.combine(self.effective, dt.time(0), JST)

    @property
    def departs(self) -> bool:
        return self.change_type in DEPARTURES


class Timeline:
    """Who is where on which day: leave, HR changes, and the days and terminals scenarios have claimed."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.hr: dict[str, HrPlan] = {}
        self.leave: set[tuple[str, dt.date]] = set()
        self.plans: dict[tuple[str, dt.date], DayPlan] = {}
        self.reserved: set[str] = set()  # staff whose month an HR change or a scenario owns
        self._working = frozenset(world.working_days)
        self._terminal_days: set[tuple[str, dt.date]] = set()

    def add_hr(self, plan: HrPlan) -> None:
        self.hr[plan.staff_id] = plan
        self.reserved.add(plan.staff_id)

    def org_on(self, staff_id: str, day: dt.date) -> str:
        plan = self.hr.get(staff_id)
        if plan is not None and plan.to_org is not None and day >= plan.effective:
            return plan.to_org
        return self.world.staff_by_id[staff_id].org_unit

    def terminal_on(self, staff_id: str, day: dt.date) -> str:
        plan = self.hr.get(staff_id)
        if plan is not None and plan.new_terminal is not None and day >= plan.effective:
            return plan.new_terminal
        return self.world.staff_by_id[staff_id].terminal_id

    def departed(self, staff_id: str, day: dt.date) -> bool:
        plan = self.hr.get(staff_id)
        return plan is not None and plan.departs and day >= plan.effective

    def works_on(self, staff_id: str, day: dt.date) -> bool:
        return day in self._working and not self.departed(staff_id, day) and (staff_id, day) not in self.leave

    def is_free(self, staff_id: str, day: dt.date) -> bool:
        return (staff_id, day) not in self.plans and self.works_on(staff_id, day)

    def claim_day(self, staff_id: str, day: dt.date, plan: DayPlan) -> bool:
        if not self.is_free(staff_id, day):
            return False
        self.plans[(staff_id, day)] = plan
        return True

    def claim_terminal(self, terminal_id: str, days: Iterable[dt.date]) -> bool:
        keys = [(terminal_id, d) for d in days]
        if any(k in self._terminal_days for k in keys):
            return False
        self._terminal_days.update(keys)
        return True

    def free_terminal(self, org_unit: str, kind: TerminalKind, days: Iterable[dt.date]) -> str | None:
        wanted = list(days)
        for terminal in self.world.terminals_of(org_unit, kind):
            if self.claim_terminal(terminal.terminal_id, wanted):
                return terminal.terminal_id
        return None


# --- Sessions and shifts ----------------------------------------------------------------------------------------

@dataclass(eq=False)
class Session:
    staff_id: str
    terminal_id: str
    session_id: str
    start: dt.datetime
    end: dt.datetime
    logins: list[EventDraft]  # biometric, OS, application; the first opens the session


@dataclass(eq=False)
class Shift:
    """One person's working day: the sessions, and the windows in which they are logged in and unlocked."""

    staff_id: str
    day: dt.date
    plan: DayPlan
    sessions: list[Session]
    windows: list[tuple[dt.datetime, dt.datetime, Session]]
    blocked: list[Window] = field(default_factory=list)  # time scenarios took for their own events
    overtime: bool = False  # planned to run past the end of hours, under the 所属長's order (overtime_roster)

    def free_windows(self) -> list[tuple[dt.datetime, dt.datetime, Session]]:
        free: list[tuple[dt.datetime, dt.datetime, Session]] = []
        for start, end, session in self.windows:
            pieces = [(start, end)]
            for block in self.blocked:
                pieces = [p for piece in pieces for p in _subtract(piece, block)]
            free.extend((s, e, session) for s, e in pieces if e > s)
        return free

    def session_at(self, moment: dt.datetime) -> Session:
        for session in self.sessions:
            if session.start <= moment <= session.end:
                return session
        raise ValueError(f"{self.staff_id} is not logged in at {moment.isoformat()}")


def _subtract(piece: Window, block: Window) -> list[Window]:
    start, end = piece
    b_start, b_end = block
    if b_end <= start or b_start >= end:
        return [piece]
    return [w for w in ((start, b_start), (b_end, end)) if w[1] > w[0]]


@dataclass(frozen=True)
class ExportFlow:
    requested: EventDraft | None
    decision: EventDraft | None
    executed: EventDraft | None


# --- The builder ------------------------------------------------------------------------------------------------

class MonthBuilder:
    def __init__(self, world: World, timeline: Timeline) -> None:
        self.world = world
        self.timeline = timeline
        self.stream = EventStream()
        self.rng = self.fork("benign")
        self.shifts: dict[tuple[str, dt.date], Shift] = {}
        self.searches: dict[tuple[str, dt.date], list[EventDraft]] = {}
        self.hr_events: dict[str, EventDraft] = {}
        self.duty_orders: list[OvertimeEntry] = []  # orders scenarios add, e.g. for holiday duty
        self._counters: dict[str, itertools.count[int]] = {}
        self._month_tag = f"{world.year:04d}{world.month:02d}"

    def fork(self, name: str) -> random.Random:
        """An independent, seeded random stream, so one scenario's choices do not shift another's."""
        w = self.world
        return random.Random(f"kansa-sim:{w.tenant}:{w.label}:{w.seed}:{name}")

    def next_id(self, prefix: str, width: int = 4) -> str:
        counter = self._counters.setdefault(prefix, itertools.count(1))
        return f"{prefix}-{self._month_tag}-{next(counter):0{width}d}"

    def actor(self, staff_id: str, day: dt.date) -> ActorRef:
        return ActorRef(staff_id, "staff", self.timeline.org_on(staff_id, day))

    def system_of(self, org_unit: str) -> str:
        return self.world.unit_by_id[org_unit].system

    # -- planning --

    def plan_hr(
        self,
        rng: random.Random,
        change_type: HrChangeType,
        *,
        window: tuple[float, float] = (0.35, 0.65),
        deprovisioned: bool = True,
        next_month: bool = False,
    ) -> HrPlan:
        """An HR change for a clerk nobody else has claimed, never an export applicant or anyone's approver."""
        world, timeline = self.world, self.timeline
        transfer = change_type is HrChangeType.TRANSFER
        candidates = [
            s for s in world.staff
            if s.rank is Rank.CLERK and not s.export_applicant and s.staff_id not in timeline.reserved
            and (not transfer or world.unit_by_id[s.org_unit].site == "honcho")
        ]
        if not candidates:
            raise RuntimeError(f"no clerk left for a {change_type} in {world.label}")
        member = rng.choice(candidates)
        if next_month:
            effective = world.next_month_start.date()
        else:
            working = world.working_days
            low, high = int(len(working) * window[0]), int(len(working) * window[1])
            effective = working[rng.randint(low, max(low, high))]
        announced = at(effective - dt.timedelta(days=rng.randint(3, 7)), 10) + secs(rng.randint(0, 6 * 3600))
        announced = max(announced, world.month_start + dt.timedelta(hours=9))
        to_org = new_terminal = None
        if transfer:
            source_codes = set(world.unit_by_id[member.org_unit].business_codes)
            # Only between sections with no business in common, so "a from_org business after the move" is clear.
            destination = rng.choice([
                u for u in BUSINESS_UNITS if u.site == "honcho" and not source_codes & set(u.business_codes)
            ])
            to_org = destination.org_unit
            new_terminal = timeline.free_terminal(to_org, TerminalKind.SPARE, [d for d in world.days if d >= effective])
            if new_terminal is None:
                raise RuntimeError(f"no spare terminal left in {to_org} for a transferee")
        plan = HrPlan(
            staff_id=member.staff_id, change_type=change_type, effective=effective, announced_at=announced,
            from_org=member.org_unit, to_org=to_org, new_terminal=new_terminal, deprovisioned=deprovisioned,
        )
        timeline.add_hr(plan)
        # Emitted now, so a scenario can cite it in its ground truth.
        self.hr_events[plan.staff_id] = self.stream.emit(
            plan.announced_at, "hr.changed", SYSTEM_HR, "jinji-system", network_zone="internal",
            staff_id=plan.staff_id, change_type=plan.change_type.value, effective_at=plan.effective_at,
            from_org=plan.from_org, to_org=plan.to_org,
        )
        return plan

    # -- sessions --

    def login_chain(
        self, actor: ActorRef, terminal_id: str, session_id: str, start: dt.datetime, app_system: str,
    ) -> list[EventDraft]:
        """Face before Windows, then the business application (Sakai's three stages; 二要素 = face + password)."""
        rng, emit = self.rng, self.stream.emit
        return [
            emit(start, "auth.login", actor, "face-auth", terminal_id=terminal_id, session_id=session_id,
                 layer="biometric", factors=("face",), matched_user_id=actor.id),
            emit(start + secs(rng.randint(4, 9)), "auth.login", actor, "active-directory", terminal_id=terminal_id,
                 session_id=session_id, layer="os", factors=("face", "password"), matched_user_id=actor.id),
            emit(start + secs(rng.randint(20, 45)), "auth.login", actor, app_system, terminal_id=terminal_id,
                 session_id=session_id, layer="app", factors=("password",), os_user_id=actor.id),
        ]

    def logout_chain(
        self, actor: ActorRef, terminal_id: str, session_id: str, end: dt.datetime, app_system: str,
    ) -> list[EventDraft]:
        emit = self.stream.emit
        return [
            emit(end - secs(self.rng.randint(15, 30)), "auth.logout", actor, app_system, terminal_id=terminal_id,
                 session_id=session_id, layer="app"),
            emit(end, "auth.logout", actor, "active-directory", terminal_id=terminal_id, session_id=session_id,
                 layer="os"),
        ]

    def open_session(
        self, actor: ActorRef, terminal_id: str, session_id: str, start: dt.datetime, end: dt.datetime,
        app_system: str,
    ) -> tuple[Session, list[Window]]:
        """A whole session, locked over lunch if it spans it; returns it with the windows work can happen in."""
        rng = self.rng
        logins = self.login_chain(actor, terminal_id, session_id, start, app_system)
        logouts = self.logout_chain(actor, terminal_id, session_id, end, app_system)
        work: list[Window] = [(logins[-1].occurred_at + secs(60), logouts[0].occurred_at - secs(30))]
        day = start.date()
        if start <= at(day, 11, 55) and end >= at(day, 13, 5):
            lock = at(day, 12) + secs(rng.randint(0, 180))
            unlock = at(day, 12, 55) + secs(rng.randint(0, 290))
            self.stream.emit(lock, "session.lock", actor, "active-directory", terminal_id=terminal_id,
                             session_id=session_id)
            self.stream.emit(unlock, "session.unlock", actor, "active-directory", terminal_id=terminal_id,
                             session_id=session_id, reauth_factors=("face", "password"))
            work = [p for piece in work for p in _subtract(piece, (lock, unlock + secs(30)))]
        session = Session(actor.id, terminal_id, session_id, start, end, logins)
        return session, [w for w in work if w[1] > w[0]]

    def build_shifts(self) -> None:
        for day in self.world.working_days:
            self._assign_counter_duty(day)
            for member in self.world.staff:
                if self.timeline.works_on(member.staff_id, day):
                    plan = self.timeline.plans.get((member.staff_id, day), DayPlan())
                    self.shifts[(member.staff_id, day)] = self._build_shift(member, day, plan)

    def _assign_counter_duty(self, day: dt.date) -> None:
        """One clerk per section on the counter terminal 10:00-12:00: logout on A, then login on B."""
        timeline, rng = self.timeline, self.rng
        for unit in BUSINESS_UNITS:
            candidates = [
                s for s in self.world.staff
                if s.rank is Rank.CLERK and timeline.org_on(s.staff_id, day) == unit.org_unit
                and (s.staff_id, day) not in timeline.plans and timeline.works_on(s.staff_id, day)
            ]
            if candidates:
                counter = self.world.terminals_of(unit.org_unit, TerminalKind.COUNTER)[0].terminal_id
                visit = Visit(counter, dt.time(10), dt.time(12), rng.randint(60, 300), 3600)
                timeline.claim_day(rng.choice(candidates).staff_id, day, DayPlan(visit=visit))

    def _build_shift(self, member: StaffMember, day: dt.date, plan: DayPlan) -> Shift:
        rng = self.rng
        start = at(day, 8, 10) + secs(rng.randint(0, 1800))
        overtime = plan.overtime if plan.overtime is not None else rng.random() < OVERTIME_SHARE
        end = at(day, 18) + secs(rng.randint(0, 8100)) if overtime else at(day, 17, 16) + secs(rng.randint(0, 2040))
        own = self.timeline.terminal_on(member.staff_id, day)
        segments = [(own, start, end)]
        if plan.visit is not None:
            visit = plan.visit
            visit_start = dt.datetime.combine(day, visit.start, JST)
            visit_end = dt.datetime.combine(day, visit.end, JST)
            segments = [
                (own, start, visit_start - secs(visit.gap_before_s)),
                (visit.terminal_id, visit_start, visit_end),
            ]
            if visit.gap_after_s is not None:
                back = visit_end + secs(visit.gap_after_s)
                segments.append((own, back, max(end, back + dt.timedelta(minutes=30))))
        actor = self.actor(member.staff_id, day)
        app_system = self.system_of(actor.org_unit or member.org_unit)
        sessions: list[Session] = []
        windows: list[tuple[dt.datetime, dt.datetime, Session]] = []
        for number, (terminal, seg_start, seg_end) in enumerate(segments, start=1):
            session_id = f"{member.staff_id}-{day:%Y%m%d}-{number}"
            session, work = self.open_session(actor, terminal, session_id, seg_start, seg_end, app_system)
            sessions.append(session)
            windows.extend((s, e, session) for s, e in work)
        return Shift(member.staff_id, day, plan, sessions, windows, overtime=overtime)

    def pick_time(self, shift: Shift, earliest: dt.datetime, latest: dt.datetime) -> dt.datetime | None:
        """A moment, to the second, when the person is logged in, unlocked and not busy with a scenario."""
        spans = [(max(s, earliest), min(e, latest)) for s, e, _ in shift.free_windows()]
        spans = [(s, e) for s, e in spans if (e - s).total_seconds() >= 1]
        total = sum((e - s).total_seconds() for s, e in spans)
        if total < 1:
            return None
        offset = self.rng.uniform(0, total)
        for s, e in spans:
            length = (e - s).total_seconds()
            if offset <= length:
                return s + secs(offset)
            offset -= length
        return spans[-1][0]

    def slot(
        self, shift: Shift, earliest: dt.datetime, latest: dt.datetime, span: dt.timedelta, rng: random.Random,
    ) -> tuple[dt.datetime, Session] | None:
        """A start between earliest and latest with `span` of free time after it in one session (events placed there
        never outlive it), drawn from a scenario's `rng`; the span is then blocked for everything else."""
        spans = [(max(s, earliest), min(e - span, latest), session) for s, e, session in shift.free_windows()]
        spans = [(s, e, session) for s, e, session in spans if (e - s).total_seconds() >= 1]
        if not spans:
            return None
        offset = rng.uniform(0, sum((e - s).total_seconds() for s, e, _ in spans))
        start, session = spans[-1][0], spans[-1][2]
        for s, e, candidate in spans:
            length = (e - s).total_seconds()
            if offset <= length:
                start, session = s + secs(offset), candidate
                break
            offset -= length
        shift.blocked.append((start, start + span))
        return start, session

    # -- data use --

    def search(
        self, actor: ActorRef, session: Session, moment: dt.datetime, business: str | None, subject: str, *,
        case_id: str | None = None, query_type: str = "mynumber", system: str | None = None,
    ) -> EventDraft:
        """A search in the business's application (or in `system`, e.g. a common inquiry screen with no business)."""
        draft = self.stream.emit(
            moment, "mynumber.search", actor, system or business_info(business or "").system,
            terminal_id=session.terminal_id, session_id=session.session_id, business_code=business,
            subject_ref=subject, query_type=query_type, result_count=1, case_id=case_id,
        )
        self.searches.setdefault((actor.id, moment.date()), []).append(draft)
        return draft

    def record(
        self, action: str, actor: ActorRef, session: Session, moment: dt.datetime, business: str, subject: str, *,
        case_id: str | None = None, contains_mynumber: bool = False,
    ) -> EventDraft:
        info = business_info(business)
        return self.stream.emit(
            moment, action, actor, info.system, terminal_id=session.terminal_id,
            session_id=session.session_id, business_code=business, subject_ref=subject,
            contains_mynumber=contains_mynumber, case_id=case_id, record_type=info.record_type,
        )

    def fill_cases(self, shift: Shift, n_cases: int, *, searches_per_case: int | None = None) -> None:
        """Lay `n_cases` cases end to end over the free windows, each in its own slot so they never overlap."""
        windows = shift.free_windows()
        spans = [(e - s).total_seconds() for s, e, _ in windows]
        total = sum(spans)
        n_cases = min(n_cases, int(total // 120))
        if n_cases <= 0:
            return
        ends = list(itertools.accumulate(spans))
        slot = total / n_cases
        rng = self.rng
        actor = self.actor(shift.staff_id, shift.day)
        codes = self.world.unit_by_id[actor.org_unit or ""].business_codes
        for number in range(n_cases):
            business = codes[0] if len(codes) == 1 or rng.random() < 0.7 else rng.choice(codes[1:])
            steps = self._case_steps(searches_per_case)
            begin = number * slot + rng.uniform(0, 0.15) * slot
            gap = slot * rng.uniform(0.5, 0.8) / (len(steps) - 1)
            case_id = self.next_id(f"CASE-{actor.org_unit}", 5)
            subject = rng.choice(self.world.residents[business])
            channel = rng.choices(("counter", "mail", "online", "internal"), weights=(50, 25, 20, 5))[0]
            for index, step in enumerate(steps):
                offset = begin + index * gap
                window = min(bisect.bisect_right(ends, offset), len(windows) - 1)
                start, _, session = windows[window]
                moment = start + secs(offset - (ends[window - 1] if window else 0))
                self._case_event(step, actor, session, moment, business, subject, case_id, channel)

    def _case_steps(self, searches: int | None) -> list[str]:
        rng = self.rng
        count = searches if searches is not None else (2 if rng.random() < SECOND_SEARCH_SHARE else 1)
        steps = ["case.received", "case.opened"]
        steps += ["mynumber.search", "record.view"] * count
        steps += ["record.view"] * rng.randint(0, 2)
        if rng.random() < UPDATE_SHARE:
            steps.append("record.update")
        if rng.random() < PRINT_SHARE:
            steps.append("record.print")
        if rng.random() < HARDCOPY_SHARE:
            steps.append("screen.hardcopy")
        steps.append("case.closed")
        return steps

    def case(
        self, step: str, actor: ActorRef, session: Session, moment: dt.datetime, business: str, subject: str,
        case_id: str, channel: str = "counter", *, system: str | None = None,
    ) -> EventDraft:
        """A case event (case.received, case.opened, case.closed) in the business's application."""
        return self.stream.emit(
            moment, step, actor, system or business_info(business).system, terminal_id=session.terminal_id,
            session_id=session.session_id, business_code=business, subject_ref=subject, case_id=case_id,
            channel=channel,
        )

    def _case_event(
        self, step: str, actor: ActorRef, session: Session, moment: dt.datetime, business: str, subject: str,
        case_id: str, channel: str,
    ) -> None:
        rng = self.rng
        if step.startswith("case."):
            self.case(step, actor, session, moment, business, subject, case_id, channel)
        elif step == "mynumber.search":
            query_type = rng.choices(("mynumber", "atena_no", "name"), weights=(50, 30, 20))[0]
            self.search(actor, session, moment, business, subject, case_id=case_id, query_type=query_type)
        else:
            shows_number = {"record.view": 0.4, "record.print": 0.1, "screen.hardcopy": 0.3}.get(step, 0.0)
            self.record(step, actor, session, moment, business, subject, case_id=case_id,
                        contains_mynumber=rng.random() < shows_number)

    def fill_benign_cases(self, target_events: int) -> None:
        """Spend what is left of the event budget on ordinary case work, in proportion to each rank's load."""
        eligible = [
            (shift, CASE_WEIGHT[rank])
            for shift in self.shifts.values()
            if shift.plan.busy_searches is None
            and (rank := self.world.staff_by_id[shift.staff_id].rank) in CASE_WEIGHT
            and self.world.unit_by_id[self.timeline.org_on(shift.staff_id, shift.day)].business_codes
        ]
        weight = sum(w for _, w in eligible)
        if not eligible or weight <= 0:
            return
        mean = max(0, target_events - len(self.stream)) / MEAN_EVENTS_PER_CASE / weight
        rng = self.rng
        for shift, share in eligible:
            expected = mean * share
            self.fill_cases(shift, min(MAX_CASES_PER_DAY, max(0, round(rng.gauss(expected, expected * 0.25)))))

    # -- exports --

    def approver_for(self, applicant: StaffMember, day: dt.date) -> StaffMember:
        """The 上長, or the 所属長 when the 上長 is away that day."""
        supervisor = self.world.staff_by_id[applicant.supervisor_id or ""]
        if (supervisor.staff_id, day) in self.shifts:
            return supervisor
        return self.world.staff_by_id[applicant.section_head_id or ""]

    def export_flow(
        self,
        applicant: StaffMember,
        day: dt.date,
        *,
        approver: StaffMember | None,
        decision: str | None = "export.approved",
        execute: bool = True,
        execute_first: bool = False,
        with_request: bool = True,
        executor: StaffMember | None = None,
        execution: Mapping[str, Any] | None = None,
        device: str | None = None,
    ) -> ExportFlow | None:
        """Request → decision → execution by the applicant on a registered, encrypted device, or part of it.

        Scenarios may request another device (`device`), have someone else execute (`executor`) or override fields
        of the execution (`execution`: device_id, device_registered, encrypted, file_hash, record_count).
        Returns None when the people involved are not in that day with room for it; callers try another day.
        """
        shift = self.shifts.get((applicant.staff_id, day))
        approver_shift = self.shifts.get((approver.staff_id, day)) if approver is not None else None
        executor = executor or applicant
        exec_shift = self.shifts.get((executor.staff_id, day))
        if shift is None or exec_shift is None or (decision is not None and approver_shift is None):
            return None
        t_request = self.pick_time(shift, at(day, 9), at(day, 11, 30)) if with_request else at(day, 9)
        if t_request is None:
            return None
        t_decision: dt.datetime | None = None
        t_execute: dt.datetime | None = None
        later = dt.timedelta(hours=3)
        if decision is not None and approver_shift is not None and not execute_first:
            t_decision = self.pick_time(approver_shift, t_request + dt.timedelta(minutes=10), t_request + later)
            if t_decision is not None and execute:
                t_execute = self.pick_time(exec_shift, t_decision + dt.timedelta(minutes=5), t_decision + later)
        else:
            t_execute = self.pick_time(exec_shift, t_request + dt.timedelta(minutes=20), t_request + later)
            if decision is not None and approver_shift is not None and t_execute is not None:
                t_decision = self.pick_time(approver_shift, t_execute + dt.timedelta(minutes=10), t_execute + later)
        if (decision is not None and t_decision is None) or (execute and t_execute is None):
            return None

        rng, emit = self.rng, self.stream.emit
        actor = self.actor(applicant.staff_id, day)
        business = self.world.unit_by_id[applicant.org_unit].business_codes[0]
        request_id = self.next_id("EXP")
        file_id = request_id.replace("EXP", "FILE")
        file_hash = safe_hex(rng)
        device = device or self.world.medium_of(applicant.org_unit)
        record_count = rng.randint(20, 600)

        requested = decided = executed = None
        if with_request:
            session = shift.session_at(t_request)
            requested = emit(
                t_request, "export.requested", actor, "common-platform", terminal_id=session.terminal_id,
                session_id=session.session_id, business_code=business, request_id=request_id,
                applicant_id=applicant.staff_id, file_id=file_id, file_hash=file_hash, device_id=device,
                record_count=record_count, purpose=rng.choice(EXPORT_PURPOSES),
            )
        if decision is not None and approver is not None and approver_shift is not None and t_decision is not None:
            session = approver_shift.session_at(t_decision)
            decided = emit(
                t_decision, decision, self.actor(approver.staff_id, day), "common-platform",
                terminal_id=session.terminal_id, session_id=session.session_id, business_code=business,
                request_id=request_id, applicant_id=applicant.staff_id, approver_id=approver.staff_id,
            )
        if execute and t_execute is not None:
            session = exec_shift.session_at(t_execute)
            doer = self.actor(executor.staff_id, day)
            media = {"terminal_id": session.terminal_id, "session_id": session.session_id, "business_code": business}
            written: dict[str, Any] = {"device_id": device, "device_registered": True, "encrypted": True,
                                       "file_hash": file_hash, "record_count": record_count, **(execution or {})}
            registered = written["device_registered"]
            emit(t_execute - secs(rng.randint(20, 60)), "media.connected", doer, "common-platform",
                 device_id=written["device_id"], registered=registered, **media)
            executed = emit(
                t_execute, "export.executed", doer, "common-platform", request_id=request_id if with_request else None,
                device_id=written["device_id"], device_registered=registered, encrypted=written["encrypted"],
                file_id=file_id, file_hash=written["file_hash"], record_count=written["record_count"], **media,
            )
            wiped = min(t_execute + dt.timedelta(minutes=rng.randint(20, 90)), session.end - secs(90))
            emit(max(wiped, t_execute + secs(30)), "media.wiped", doer, "common-platform",
                 device_id=written["device_id"], registered=registered, **media)
        return ExportFlow(requested, decided, executed)

    # -- the rest of the benign month --

    def generate_exports(self) -> None:
        """About one export a week per designated applicant; one in ten is rejected and never executed."""
        rng = self.rng
        weeks: dict[tuple[int, int], list[dt.date]] = {}
        for day in self.world.working_days:
            weeks.setdefault(day.isocalendar()[:2], []).append(day)
        for applicant in self.world.applicants:
            for days in weeks.values():
                if rng.random() > 0.8:
                    continue
                for _ in range(4):
                    day = rng.choice(days)
                    if (applicant.staff_id, day) not in self.shifts:
                        continue
                    rejected = rng.random() < 0.1
                    flow = self.export_flow(
                        applicant, day, approver=self.approver_for(applicant, day),
                        decision="export.rejected" if rejected else "export.approved", execute=not rejected,
                    )
                    if flow is not None:
                        break

    def overtime_roster(self) -> tuple[OvertimeEntry, ...]:
        """The detector's overtime roster: an order, from the end of hours to the half hour after the shift's end,
        for every shift planned to run late (by the section head of the day), plus the orders scenarios added."""
        work_end = self.world.calendar.work_end
        orders = list(self.duty_orders)
        for (staff_id, day), shift in sorted(self.shifts.items()):
            end = max(s.end for s in shift.sessions)
            if not shift.overtime or end.time() <= work_end:
                continue  # a late shift that ended early anyway (e.g. the day ended on a visited terminal)
            until = order_end(end)
            heads = self.world.members(self.timeline.org_on(staff_id, day), Rank.SECTION_HEAD)
            head = heads[0].staff_id if heads and heads[0].staff_id != staff_id else None
            orders.append(OvertimeEntry(staff_id=staff_id, date=day, start=work_end, until=until.time(),
                                        approved_by=head))
        return tuple(sorted(orders, key=lambda o: (o.date, o.staff_id, o.start)))

    def admin_shift(self, day: dt.date) -> Shift | None:
        for admin in self.world.members(IT_UNIT.org_unit, Rank.SYSTEM_ADMIN):
            shift = self.shifts.get((admin.staff_id, day))
            if shift is not None:
                return shift
        return None

    def generate_hr_events(self) -> None:
        """IAM follows an HR change on its effective day (hr.changed itself went out when it was planned)."""
        world = self.world
        for plan in self.timeline.hr.values():
            day = next((d for d in world.working_days if d >= plan.effective), None)
            shift = self.admin_shift(day) if day is not None and plan.deprovisioned else None
            moment = self.pick_time(shift, at(shift.day, 9), at(shift.day, 11)) if shift is not None else None
            if shift is None or moment is None:
                continue
            session = shift.session_at(moment)
            admin = self.actor(shift.staff_id, shift.day)
            head = world.members(plan.from_org, Rank.SECTION_HEAD)[0].staff_id
            common = {"terminal_id": session.terminal_id, "session_id": session.session_id}
            request_id = self.next_id("IAM", 3)
            if plan.departs:
                self.stream.emit(moment, "iam.user_disabled", admin, "active-directory", target_user_id=plan.staff_id,
                                 request_id=request_id, requested_by=head, **common)
            else:
                self.stream.emit(moment, "iam.role_revoked", admin, "active-directory", target_user_id=plan.staff_id,
                                 role_id=f"{plan.from_org}:clerk", request_id=request_id, requested_by=head, **common)
                self.stream.emit(moment + secs(90), "iam.role_granted", admin, "active-directory",
                                 target_user_id=plan.staff_id, role_id=f"{plan.to_org}:clerk", request_id=request_id,
                                 requested_by=head, **common)

    def generate_contractor_work(self) -> None:
        """Maintenance windows on Tuesdays and Thursdays and one Saturday, each under a work order."""
        world, rng, contract = self.world, self.rng, self.world.contract
        slots = [(d, at(d, 10), at(d, 16, 30)) for d in world.working_days if d.weekday() in (1, 3)]
        saturdays = [d for d in world.days if d.weekday() == 5]
        if len(saturdays) >= 2:
            slots.append((saturdays[1], at(saturdays[1], 9), at(saturdays[1], 18)))
        terminal = world.terminals_of(IT_UNIT.org_unit, TerminalKind.MAINTENANCE)[0].terminal_id
        for number, (day, valid_from, valid_to) in enumerate(sorted(slots)):
            worker = contract.workers[number % len(contract.workers)]
            system = contract.systems[number % 2]
            order_id = self.next_id("WO", 3)
            order = {
                "contract_id": contract.contract_id, "work_order_id": order_id,
                "contractor_org": contract.contractor_org, "worker_ids": (worker,), "valid_from": valid_from,
                "valid_to": valid_to, "systems": (system,),
            }
            issue_day = max((d for d in world.working_days if d < day), default=day)
            issuer = self.admin_shift(issue_day)
            issued_at = (
                self.pick_time(issuer, at(issue_day, 13) if issue_day < day else at(day, 8, 30),
                               at(issue_day, 17) if issue_day < day else valid_from)
                if issuer is not None else None
            )
            if issuer is None or issued_at is None:
                continue
            self._admin_event(issuer, issued_at, "contract.work_order_issued", order)
            actor = ActorRef(worker, "contractor", None, contract.contractor_org)
            session_id = f"{worker}-{day:%Y%m%d}-1"
            start = valid_from + secs(rng.randint(300, 1800))
            end = valid_to - secs(rng.randint(600, 3600))
            self.login_chain(actor, terminal, session_id, start, system)
            self.logout_chain(actor, terminal, session_id, end, system)
            close_day = min((d for d in world.working_days if d >= day), default=None)
            closer = self.admin_shift(close_day) if close_day is not None else None
            if closer is not None:
                earliest = max(end + dt.timedelta(minutes=10), at(closer.day, 9))
                closed_at = self.pick_time(closer, earliest, earliest + dt.timedelta(hours=8))
                if closed_at is not None:
                    self._admin_event(closer, closed_at, "contract.work_order_closed", order)

    def _admin_event(self, shift: Shift, moment: dt.datetime, action: str, order: dict[str, Any]) -> None:
        session = shift.session_at(moment)
        self.stream.emit(moment, action, self.actor(shift.staff_id, shift.day), "contract-registry",
                         terminal_id=session.terminal_id, session_id=session.session_id, network_zone="internal",
                         **order)

    def generate_heartbeats(self, interval_minutes: int) -> None:
        step = dt.timedelta(minutes=interval_minutes)
        for index, source in enumerate(MONITORED_SOURCES):
            moment = self.world.month_start + secs(17 + 7 * index)
            while moment < self.world.next_month_start:
                self.stream.emit(moment, "log.heartbeat", SYSTEM_LOG_COLLECTOR, "log-collector",
                                 network_zone="internal", monitored_source=source)
                moment += step


def plan_benign(builder: MonthBuilder) -> None:
    """Annual leave (0-2 days for clerks and 上長; heads and admins are always in), one transfer, one retirement."""
    rng = builder.fork("benign-plan")
    world, timeline = builder.world, builder.timeline
    for member in world.staff:
        if member.rank in (Rank.CLERK, Rank.SUPERVISOR):
            days = rng.choices((0, 1, 2), weights=(4, 4, 2))[0]
            timeline.leave.update((member.staff_id, d) for d in rng.sample(world.working_days, days))
    builder.plan_hr(rng, HrChangeType.TRANSFER, window=(0.4, 0.7))
    builder.plan_hr(rng, HrChangeType.RETIREMENT, window=(0.4, 0.7))
