"""What every scenario does: claim people and days before the month is built, inject after, settle its truth."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

from kansa_ingest.simulator.generate import DayPlan, ExportFlow, MonthBuilder, Session, Shift
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESS_UNITS, Rank, StaffMember

_ATTEMPTS = 500


class Scenario:
    """Injects `violations` violations of one rule plus benign look-alikes (the look-alikes also in a clean month)."""

    rule_id: ClassVar[str] = ""

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        """Claim people, days and terminals while nobody's sessions exist yet."""

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        """Emit events into the built sessions."""

    def finish(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        """Runs once the benign month is complete, for truth that depends on it (e.g. a baseline)."""


class InjectLater(Scenario):
    """A scenario that claims nothing up front: it only remembers how many violations to inject."""

    def __init__(self) -> None:
        self._violations = 0

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._violations = violations


def free_clerks(builder: MonthBuilder) -> list[StaffMember]:
    """Clerks of the business sections that no HR change or scenario owns."""
    business = {u.org_unit for u in BUSINESS_UNITS}
    return [
        s for s in builder.world.staff
        if s.rank is Rank.CLERK and s.org_unit in business and s.staff_id not in builder.timeline.reserved
    ]


def always(plan: DayPlan) -> Callable[[StaffMember, dt.date], DayPlan]:
    """The same plan whoever and whenever it is."""
    return lambda _member, _day: plan


def claim_clerk_day(
    builder: MonthBuilder,
    rng: random.Random,
    make_plan: Callable[[StaffMember, dt.date], DayPlan | None],
    *,
    days: Sequence[dt.date] | None = None,
    what: str,
) -> tuple[StaffMember, dt.date, DayPlan]:
    """A free clerk and working day that `make_plan` can plan (None when, e.g., no terminal is free that day)."""
    clerks = free_clerks(builder)
    candidates = list(days if days is not None else builder.world.working_days)
    for _ in range(_ATTEMPTS):
        member, day = rng.choice(clerks), rng.choice(candidates)
        if not builder.timeline.is_free(member.staff_id, day):
            continue
        plan = make_plan(member, day)
        if plan is not None and builder.timeline.claim_day(member.staff_id, day, plan):
            return member, day, plan
    raise RuntimeError(f"no free clerk and day for {what} in {builder.world.label}")


def some_export(
    builder: MonthBuilder,
    rng: random.Random,
    attempt: Callable[[StaffMember, dt.date], ExportFlow | None],
    *,
    people: Sequence[StaffMember] | None = None,
    what: str,
) -> ExportFlow:
    """`attempt` an export flow for some person (default: a designated applicant) on some working day until one fits."""
    candidates = list(people if people is not None else builder.world.applicants)
    for _ in range(_ATTEMPTS):
        member, day = rng.choice(candidates), rng.choice(builder.world.working_days)
        if (member.staff_id, day) not in builder.shifts:
            continue
        flow = attempt(member, day)
        if flow is not None:
            return flow
    raise RuntimeError(f"no room for {what} in {builder.world.label}")


def execute_again(
    builder: MonthBuilder, flow: ExportFlow, day: dt.date, *, after: dt.datetime | None = None
) -> EventDraft | None:
    """Write the requested file (again), by whoever executed it or else the applicant, on `day` (after `after`).

    None if they are not in that day."""
    if flow.executed is not None:
        first, fields = flow.executed, dict(flow.executed.fields)
    else:
        assert flow.requested is not None
        first, asked = flow.requested, flow.requested.fields
        fields = {"request_id": asked["request_id"], "device_id": asked["device_id"], "device_registered": True,
                  "encrypted": True, "file_id": asked["file_id"], "file_hash": asked["file_hash"],
                  "record_count": asked["record_count"]}
    shift = builder.shifts.get((first.actor.id, day))
    if shift is None:
        return None
    earliest = after or dt.datetime.combine(day, dt.time(9), first.occurred_at.tzinfo)
    moment = builder.pick_time(shift, earliest, dt.datetime.combine(day, dt.time(17), first.occurred_at.tzinfo))
    if moment is None or not within_session(shift, moment - dt.timedelta(minutes=1), moment + dt.timedelta(minutes=6)):
        return None
    session = shift.session_at(moment)
    envelope: dict[str, Any] = {"terminal_id": session.terminal_id, "session_id": session.session_id,
                "business_code": first.envelope.get("business_code")}
    actor = builder.actor(first.actor.id, day)
    device = fields["device_id"]
    emit = builder.stream.emit
    emit(moment - dt.timedelta(seconds=30), "media.connected", actor, first.source_system, device_id=device,
         registered=True, **envelope)
    executed = emit(moment, "export.executed", actor, first.source_system, **fields, **envelope)
    emit(moment + dt.timedelta(minutes=5), "media.wiped", actor, first.source_system, device_id=device,
         registered=True, **envelope)
    return executed


def approved_export(builder: MonthBuilder, **options: Any) -> Callable[[StaffMember, dt.date], ExportFlow | None]:
    """An export flow approved by the person's 上長 (or 所属長), with `export_flow` options."""
    return lambda member, day: builder.export_flow(member, day, approver=builder.approver_for(member, day), **options)


def within_session(shift: Shift, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether one session of the shift covers [start, end], so events there never outlive their session."""
    return any(session.start <= start and end <= session.end for session in shift.sessions)


def require_slot(
    builder: MonthBuilder, shift: Shift, earliest: dt.datetime, latest: dt.datetime, span: dt.timedelta,
    rng: random.Random, *, what: str,
) -> tuple[dt.datetime, Session]:
    """`MonthBuilder.slot` for a day a scenario planned and cannot do without: no room is a bug, said loudly."""
    found = builder.slot(shift, earliest, latest, span, rng)
    if found is None:
        raise RuntimeError(f"{what}: no free time for {shift.staff_id} on {shift.day}")
    return found
