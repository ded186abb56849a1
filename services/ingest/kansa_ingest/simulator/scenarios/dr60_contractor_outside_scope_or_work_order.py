"""DR-60 contractor access outside the contract scope or outside a work order (000 L349, 001 L329, 002 L263; Yokohama
「作業内容について事前に申請を受け、管理者が承認したうえで実施し、その記録を残す」 003 L3537).

The benign month's maintenance (generate.py) runs on Tuesdays, Thursdays and one Saturday, each session under a work
order the IT admin issued beforehand. The contractor scenarios (DR-60, DR-62, DR-63, DR-64) use the helpers below:
a worker's own days (never a benign maintenance day of the prime's workers, never a day another scenario took for
that worker), work orders issued by the admin the working day before, and whole sessions (face, Windows, the
business application) on the maintenance terminal in working hours.
Violations, by the prime's named workers:
- no_work_order: a whole session on a day with no work order;
- outside_contract_scope: under a work order, the worker also signs in to the resident-register system, which no
  contract covers;
- outside_work_order_scope: under a work order for one system, the worker signs in to another of the contract's;
- after_work_order_window: a morning order; the worker comes back for a second session in the afternoon.
Look-alikes (quiet): maintenance_within_order (a session inside its order on a non-maintenance day),
refused_without_order (Windows refuses the worker on a day without an order).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario
from kansa_ingest.simulator.stream import ActorRef, EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import IT_UNIT, ContractSpec, TerminalKind, World

RULE_ID = "DR-60"
VARIANTS = ("no_work_order", "outside_contract_scope", "outside_work_order_scope", "after_work_order_window")
BENIGN_MAINTENANCE_WEEKDAYS = (1, 3)  # generate_contractor_work: Tuesdays and Thursdays (and a Saturday)
OUT_OF_CONTRACT_SYSTEM = "jumin-kiroku-system"  # the resident register: no contract covers it


# --- helpers shared by the contractor scenarios -----------------------------------------------------------------

def contractor_actor(world: World, worker: str) -> ActorRef:
    """The worker as their events name them: the prime's workers as contractors, a re-subcontractor's as
    subcontractors of their own organisation, another contract's workers as contractors of that contract."""
    for sub in world.subcontractors:
        if worker in sub.workers:
            return ActorRef(worker, "subcontractor", None, sub.contractor_org)
    return ActorRef(worker, "contractor", None, contract_of(world, worker).contractor_org)


def contract_of(world: World, worker: str) -> ContractSpec:
    """The contract under which the worker's orders are issued (a re-subcontractor works under the prime's)."""
    return next((c for c in world.other_contracts if worker in c.workers), world.contract)


def maintenance_terminal(world: World) -> str:
    return world.terminals_of(IT_UNIT.org_unit, TerminalKind.MAINTENANCE)[0].terminal_id


def claim_worker_days(
    builder: MonthBuilder, rng: random.Random, worker: str, count: int, *, days: Sequence[dt.date] | None = None,
) -> list[dt.date]:
    """`count` working days (of `days`) the worker has to themself, claimed on the timeline under the worker's id so
    that no other contractor scenario puts a second session of theirs on the same day."""
    world = builder.world
    candidates = [
        d for d in (days if days is not None else world.working_days)
        if not (worker in world.contract.workers and d.weekday() in BENIGN_MAINTENANCE_WEEKDAYS)
    ]
    rng.shuffle(candidates)
    chosen: list[dt.date] = []
    for day in candidates:
        if len(chosen) == count:
            break
        if builder.timeline.claim_day(worker, day, DayPlan()):  # the timeline takes any id: no shift is built
            chosen.append(day)
    if len(chosen) < count:
        raise RuntimeError(f"{worker}: not {count} free working days in {world.label}")
    return sorted(chosen)


@dataclass(frozen=True)
class WorkOrder:
    issued: EventDraft
    fields: dict[str, Any]


def issue_order(
    builder: MonthBuilder,
    worker: str,
    day: dt.date,
    valid_from: dt.datetime,
    valid_to: dt.datetime,
    systems: tuple[str, ...],
    *,
    copy_permitted: bool = False,
) -> WorkOrder:
    """The IT admin issues a work order for the worker, the working day before (or that morning, before it starts)."""
    world = builder.world
    contract = contract_of(world, worker)
    fields: dict[str, Any] = {
        "contract_id": contract.contract_id, "work_order_id": builder.next_id("WO", 3),
        "contractor_org": contract.contractor_org, "worker_ids": (worker,), "valid_from": valid_from,
        "valid_to": valid_to, "systems": systems, "copy_permitted": copy_permitted,
    }
    before = [d for d in world.working_days if d < day]
    windows = [(at(before[-1], 13), at(before[-1], 17))] if before else []
    windows.append((at(day, 8, 30), valid_from - secs(600)))
    for earliest, latest in windows:
        shift = builder.admin_shift(earliest.date())
        moment = builder.pick_time(shift, earliest, latest) if shift is not None else None
        if shift is not None and moment is not None:
            session = shift.session_at(moment)
            issued = builder.stream.emit(
                moment, "contract.work_order_issued", builder.actor(shift.staff_id, shift.day), "contract-registry",
                terminal_id=session.terminal_id, session_id=session.session_id, network_zone="internal", **fields,
            )
            return WorkOrder(issued, fields)
    raise RuntimeError(f"no IT admin in to issue a work order for {worker} on {day}")


def close_order(builder: MonthBuilder, order: WorkOrder, after: dt.datetime) -> None:
    """The admin closes the order once the work is done (that day, if they are still in)."""
    shift = builder.admin_shift(after.date())
    moment = builder.pick_time(shift, after + secs(600), after + dt.timedelta(hours=3)) if shift else None
    if shift is None or moment is None:
        return
    session = shift.session_at(moment)
    builder.stream.emit(
        moment, "contract.work_order_closed", builder.actor(shift.staff_id, shift.day), "contract-registry",
        terminal_id=session.terminal_id, session_id=session.session_id, network_zone="internal", **order.fields,
    )


@dataclass(frozen=True)
class WorkSession:
    actor: ActorRef
    terminal_id: str
    session_id: str
    logins: list[EventDraft]  # face, Windows, the application: the first opens the session
    end: dt.datetime


def work_session(
    builder: MonthBuilder, worker: str, start: dt.datetime, end: dt.datetime, system: str, number: int = 1,
) -> WorkSession:
    """A whole session of the worker on the maintenance terminal: face + password, then the business application."""
    world = builder.world
    actor = contractor_actor(world, worker)
    terminal = maintenance_terminal(world)
    session_id = f"{worker}-{start:%Y%m%d}-s{number}"
    logins = builder.login_chain(actor, terminal, session_id, start, system)
    builder.logout_chain(actor, terminal, session_id, end, system)
    return WorkSession(actor, terminal, session_id, logins, end)


def emit_in(builder: MonthBuilder, session: WorkSession, moment: dt.datetime, action: str, system: str,
            **fields: Any) -> EventDraft:
    """An event of the worker inside the session."""
    return builder.stream.emit(moment, action, session.actor, system, terminal_id=session.terminal_id,
                               session_id=session.session_id, **fields)


def day_order(builder: MonthBuilder, rng: random.Random, worker: str, day: dt.date, systems: tuple[str, ...], *,
              copy_permitted: bool = False) -> tuple[WorkOrder, dt.datetime, dt.datetime]:
    """An order for 09:30-16:30 and a session inside it, between 10:00 and 15:30; returns the order and the session
    start and end."""
    order = issue_order(builder, worker, day, at(day, 9, 30), at(day, 16, 30), systems, copy_permitted=copy_permitted)
    start = at(day, 10) + secs(rng.randint(0, 3600))
    end = start + dt.timedelta(minutes=rng.randint(100, 240))
    return order, start, min(end, at(day, 15, 30))


# --- the scenario -----------------------------------------------------------------------------------------------

class ContractorOutsideScopeOrWorkOrder(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._violations: list[tuple[str, str, dt.date]] = []
        self._lookalikes: list[tuple[str, str, dt.date]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        first, second = builder.world.contract.workers[:2]
        wanted = [(VARIANTS[n % len(VARIANTS)], first if n % 2 == 0 else second) for n in range(violations)]
        wanted += [("maintenance_within_order", second), ("refused_without_order", first)]
        for worker in (first, second):
            mine = [variant for variant, w in wanted if w == worker]
            for variant, day in zip(mine, claim_worker_days(builder, rng, worker, len(mine)), strict=True):
                target = self._violations if variant in VARIANTS else self._lookalikes
                target.append((variant, worker, day))
        for variant, worker, _ in self._lookalikes:
            ledger.lookalike(RULE_ID, variant, worker)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        for variant, worker, day in self._violations:
            ledger.violation(RULE_ID, variant, self._violation(builder, variant, worker, day))
        for variant, worker, day in self._lookalikes:
            self._lookalike(builder, variant, worker, day)

    def _violation(self, builder: MonthBuilder, variant: str, worker: str, day: dt.date) -> list[EventDraft]:
        rng, world = self._rng, builder.world
        system = world.contract.systems[1]  # kokuho-system
        if variant == "no_work_order":
            start = at(day, 13) + secs(rng.randint(0, 5400))
            session = work_session(builder, worker, start, start + dt.timedelta(minutes=rng.randint(30, 90)), system)
            return list(session.logins)
        if variant == "after_work_order_window":
            order = issue_order(builder, worker, day, at(day, 9, 30), at(day, 12), (system,))
            start = at(day, 9, 45) + secs(rng.randint(0, 900))
            work_session(builder, worker, start, at(day, 11, 30) - secs(rng.randint(0, 1200)), system)
            close_order(builder, order, at(day, 11, 40))
            again = at(day, 13, 30) + secs(rng.randint(0, 3600))
            late = work_session(builder, worker, again, again + dt.timedelta(minutes=rng.randint(20, 60)), system, 2)
            return list(late.logins)
        order, start, end = day_order(builder, rng, worker, day, (system,))
        session = work_session(builder, worker, start, end, system)
        other = OUT_OF_CONTRACT_SYSTEM if variant == "outside_contract_scope" else world.contract.systems[0]
        moment = start + dt.timedelta(minutes=rng.randint(20, 60))
        login = emit_in(builder, session, moment, "auth.login", other, layer="app", factors=("password",))
        emit_in(builder, session, moment + dt.timedelta(minutes=rng.randint(5, 15)), "auth.logout", other,
                layer="app")
        close_order(builder, order, end)
        return [login]

    def _lookalike(self, builder: MonthBuilder, variant: str, worker: str, day: dt.date) -> None:
        rng, world = self._rng, builder.world
        system = world.contract.systems[0]  # kodomo-iryo-system
        if variant == "maintenance_within_order":
            order, start, end = day_order(builder, rng, worker, day, (system,))
            work_session(builder, worker, start, end, system)
            close_order(builder, order, end)
            return
        builder.stream.emit(
            at(day, 14) + secs(rng.randint(0, 3600)), "auth.failure", contractor_actor(world, worker),
            "active-directory", terminal_id=maintenance_terminal(world), outcome="denied", layer="os",
            reason="locked",
        )
