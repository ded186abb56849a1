"""DR-53 information-network query without a permit, or with the permit denied (000 L364, 001 L349, 002 L282:
the intermediate server queries only once the network issued a 情報提供許可証 against the 照会許可用照合リスト).

The benign month has no information-network traffic; queries come from these scenarios only, each inside case work
of a clerk of the business (case received and opened, the query, case closed, on the clerk's own terminal and
session, in working hours), about a resident who moved in and whose record the city must ask another body for.
Violations:
- no_permit_result_received: the result came back although no permit was ever asked for (Critical: a bypass);
- permit_denied: the network denied the permit and the query was refused (High: a query the law does not allow).
Look-alikes (quiet): permitted_query (two of them), permitted_query_network_error (the permit was issued, the
network failed).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from kansa_ingest.simulator.generate import DayPlan, MonthBuilder, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario, always, claim_clerk_day, within_session
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import BUSINESSES, StaffMember, safe_hex

RULE_ID = "DR-53"
VARIANTS = ("no_permit_result_received", "permit_denied")
LOOKALIKES = ("permitted_query", "permitted_query", "permitted_query_network_error")
INTERMEDIATE_SERVER = "chukan-server"  # 中間サーバー: every query goes through it
INFO_ITEMS = ("地方税関係情報", "住民票関係情報", "医療保険給付関係情報")
PROVIDERS = ("131016", "271004", "011002")  # the municipalities the residents moved in from
CASE_MINUTES = 20  # a case with its query, blocked in the clerk's day


@dataclass(frozen=True)
class InfonetCase:
    """The events of one case with a query; `query` is the one DR-53 and DR-54 judge."""

    query: EventDraft
    case_events: tuple[EventDraft, ...]


def newcomer(rng: random.Random) -> str:
    """A resident token benign case work never picks (a newcomer outside the world's pools), so that whether a case
    backs the query is up to the scenario alone."""
    return f"rsd_{safe_hex(rng, 10)}"


def infonet_case(
    builder: MonthBuilder,
    rng: random.Random,
    member: StaffMember,
    day: dt.date,
    *,
    business: str | None = None,
    subject: str | None = None,
    with_case: bool = True,
    permit_status: str = "issued",
    outcome: str = "success",
) -> InfonetCase:
    """A clerk's case work with one information-network query, in a free slot of their day on their own session.

    Without `with_case` only the query is emitted (no case received or opened for that resident)."""
    shift = builder.shifts[(member.staff_id, day)]
    slot = dt.timedelta(minutes=CASE_MINUTES)
    start: dt.datetime | None = None
    for _ in range(20):
        start = builder.pick_time(shift, at(day, 9, 30), at(day, 15, 30))
        if start is not None and within_session(shift, start, start + slot):
            break
        start = None
    if start is None:
        raise RuntimeError(f"{member.staff_id} has no free {CASE_MINUTES} minutes on {day}")
    shift.blocked.append((start, start + slot))
    session = shift.session_at(start)
    actor = builder.actor(member.staff_id, day)
    code = business or builder.world.unit_by_id[actor.org_unit or member.org_unit].business_codes[0]
    resident = subject or newcomer(rng)
    system = BUSINESSES[code].system
    emit = builder.stream.emit
    common = {"terminal_id": session.terminal_id, "session_id": session.session_id, "business_code": code,
              "subject_ref": resident}
    case_id = builder.next_id("NWCASE", 4)
    events: list[EventDraft] = []
    if with_case:
        events.append(emit(start, "case.received", actor, system, case_id=case_id, channel="counter", **common))
        events.append(emit(start + secs(rng.randint(60, 180)), "case.opened", actor, system, case_id=case_id,
                           channel="counter", **common))
    permit = builder.next_id("PMT", 4) if permit_status != "none" else None
    query = emit(
        start + secs(rng.randint(240, 480)), "infonet.query", actor, INTERMEDIATE_SERVER, outcome=outcome,
        network_zone="lgwan", permit_id=permit, permit_status=permit_status, info_item=rng.choice(INFO_ITEMS),
        provider_org=rng.choice(PROVIDERS), **common,
    )
    if with_case:
        events.append(emit(start + secs(rng.randint(720, 1080)), "case.closed", actor, system, case_id=case_id,
                           channel="counter", **common))
    return InfonetCase(query, tuple(events))


class QueryWithoutPermit(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._violations: list[tuple[str, StaffMember, dt.date]] = []
        self._lookalikes: list[tuple[str, StaffMember, dt.date]] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        quiet = always(DayPlan(overtime=False))
        taken: set[str] = set()  # one violation per clerk: each is its own alert, not a count on another's

        def fresh(member: StaffMember, _day: dt.date) -> DayPlan | None:
            return None if member.staff_id in taken else DayPlan(overtime=False)

        for number in range(violations):
            member, day, _ = claim_clerk_day(builder, rng, fresh, what=f"a {RULE_ID} violation")
            taken.add(member.staff_id)
            self._violations.append((VARIANTS[number % len(VARIANTS)], member, day))
        for variant in LOOKALIKES:
            member, day, _ = claim_clerk_day(builder, rng, quiet, what=f"a {RULE_ID} look-alike")
            self._lookalikes.append((variant, member, day))
            ledger.lookalike(RULE_ID, variant, member.staff_id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng = self._rng
        for variant, member, day in self._violations:
            if variant == "no_permit_result_received":
                work = infonet_case(builder, rng, member, day, permit_status="none")
            else:
                work = infonet_case(builder, rng, member, day, permit_status="denied", outcome="denied")
            ledger.violation(RULE_ID, variant, [work.query])
        for variant, member, day in self._lookalikes:
            outcome = "error" if variant == "permitted_query_network_error" else "success"
            infonet_case(builder, rng, member, day, outcome=outcome)
