"""DR-48 system-link transfer to an unregistered destination or outside its spec (000 L360 「関係各課と協議を行った
上でシステムを構築し、適切なタイミングで自動で提供」; 001 L349 「認められた相手にしか移転できない」).

Also the month's link traffic, which the benign generator does not produce: the common platform's data link runs
each registered system-link 移転 (world.DESTINATIONS) a few times a working day, during office hours (随時, on
reference), with the spec's items.
Violations (the link run completes it):
- unregistered_destination: the link feeds 生活支援課, on no registry for this file;
- items_outside_spec: a run to 国民健康保険課 also carries the personal number;
- spec_of_another_destination: a run to 国民健康保険課 under the spec agreed for 重度障害者医療;
- manual_run_of_automatic_link: a clerk starts the automatic-only 国民健康保険課 link by hand, from their terminal.
Look-alikes: the scheduled runs; a clerk's manual re-send on the 重度障害者医療 link, whose spec allows it.
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import MonthBuilder, at, secs
from kansa_ingest.simulator.scenarios.base import InjectLater
from kansa_ingest.simulator.scenarios.dr42_mail_without_password import TRANSFER_BUSINESS, Slot, senders, some_slot
from kansa_ingest.simulator.stream import ActorRef, EventDraft
from kansa_ingest.simulator.truth import TruthLedger
from kansa_ingest.simulator.world import DESTINATIONS, TRANSFER_SPECS
from kansa_schemas.reference.models import TransferChannel

RULE_ID = "DR-48"
VARIANTS = ("unregistered_destination", "items_outside_spec", "spec_of_another_destination",
            "manual_run_of_automatic_link")
LINK_ACTOR = ActorRef("kiban-renkei", "system")  # the common platform's data-link batch (000 L63)
LINK_SYSTEM = "common-platform"
RUNS_PER_DAY = (1, 3)
UNREGISTERED_DESTINATION = "DST-SEIKATSU-SHIEN"  # 生活支援課
_SPECS = {s.spec_id: s for s in TRANSFER_SPECS}
_LINKS = [d for d in DESTINATIONS if TransferChannel.SYSTEM_LINK in d.channels]


def _run(builder: MonthBuilder, rng: random.Random, moment: dt.datetime, destination: str, spec_id: str, *,
         items: tuple[str, ...] | None = None, by: Slot | None = None) -> EventDraft:
    """One link run; by the batch unless `by` a person (then from their terminal, started by hand)."""
    envelope: dict[str, str] = {}
    actor = LINK_ACTOR
    if by is not None:
        actor = builder.actor(by.member.staff_id, by.day)
        envelope = {"terminal_id": by.session.terminal_id, "session_id": by.session.session_id}
    return builder.stream.emit(
        moment, "transfer.executed", actor, LINK_SYSTEM, business_code=TRANSFER_BUSINESS,
        destination_id=destination, spec_id=spec_id, items=items or _SPECS[spec_id].items,
        record_count=rng.randint(1, 40), initiation="manual" if by is not None else "automatic", **envelope,
    )


def _office_moment(rng: random.Random, day: dt.date) -> dt.datetime:
    return at(day, 9) + secs(rng.randint(0, 8 * 3600 - 600))


def _manual(builder: MonthBuilder, rng: random.Random, destination: str, spec_id: str, *, what: str) -> EventDraft:
    """A clerk of the business starts the link by hand."""
    clerks = senders(builder, TRANSFER_BUSINESS)
    slot = some_slot(builder, rng, clerks, what=what)
    return _run(builder, rng, slot.moment, destination, spec_id, by=slot)


class TransferOutsideSpec(InjectLater):
    rule_id = RULE_ID

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng = builder.fork(RULE_ID)
        for day in builder.world.working_days:
            for link in _LINKS:
                for _ in range(rng.randint(*RUNS_PER_DAY)):
                    _run(builder, rng, _office_moment(rng, day), link.destination_id, link.spec_ids[0])
        ledger.lookalike(RULE_ID, "scheduled_runs", LINK_ACTOR.id)

        kokuho, jusho = "DST-KOKUHO", "DST-JUSHO"
        for number in range(self._violations):
            variant = VARIANTS[number % len(VARIANTS)]
            moment = _office_moment(rng, rng.choice(builder.world.working_days))
            if variant == "unregistered_destination":
                run = _run(builder, rng, moment, UNREGISTERED_DESTINATION, "SPEC-KODOMO-KOKUHO")
            elif variant == "items_outside_spec":
                items = (*_SPECS["SPEC-KODOMO-KOKUHO"].items, "個人番号")
                run = _run(builder, rng, moment, kokuho, "SPEC-KODOMO-KOKUHO", items=items)
            elif variant == "spec_of_another_destination":
                run = _run(builder, rng, moment, kokuho, "SPEC-KODOMO-JUSHO")
            else:
                run = _manual(builder, rng, kokuho, "SPEC-KODOMO-KOKUHO", what=f"a {RULE_ID} {variant}")
            ledger.violation(RULE_ID, variant, [run])

        run = _manual(builder, rng, jusho, "SPEC-KODOMO-JUSHO", what=f"a {RULE_ID} look-alike")
        ledger.lookalike(RULE_ID, "manual_resend_allowed_by_spec", run.actor.id)
