"""DR-64 contractor copying, duplicating or taking data out without permission (002 L263 「委託元の許可なく複写し、
又は複製しない」; 000 L349 / 001 L329 no taking data out of the place of work; Kobe 004 L1051).

Each session runs under a work order, in scope and in term (DR-60, DR-62, DR-63 stay quiet); only the city's
consent to copy (copy_permitted on the order) is missing. Violations:
- extract_without_consent: the prime's worker extracts a CSV from the 国保 system during maintenance;
- media_write_without_consent: the approved re-subcontractor's worker writes to the section's registered USB stick.
Look-alikes (quiet): consented_backup_copy (a media write under an order with the city's consent),
blocked_media_write (the device control blocks the worker's write).
"""

from __future__ import annotations

import datetime as dt
import random

from kansa_ingest.simulator.generate import MonthBuilder, secs
from kansa_ingest.simulator.scenarios.base import Scenario
from kansa_ingest.simulator.scenarios.dr60_contractor_outside_scope_or_work_order import (
    WorkSession,
    claim_worker_days,
    close_order,
    day_order,
    emit_in,
    work_session,
)
from kansa_ingest.simulator.stream import EventDraft
from kansa_ingest.simulator.truth import TruthLedger

RULE_ID = "DR-64"
VARIANTS = ("extract_without_consent", "media_write_without_consent")
LOOKALIKES = ("consented_backup_copy", "blocked_media_write")
MEDIA_SYSTEM = "common-platform"  # the endpoint's device control reports media events from the common platform


class ContractorCopyOrTakeout(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._sessions: list[tuple[str, str, dt.date]] = []  # (variant, worker, day)
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = rng = builder.fork(RULE_ID)
        world = builder.world
        extractor = world.contract.workers[2]
        copier = world.subcontractors[0].workers[0]  # approved from the start of the term
        wanted = [VARIANTS[n % len(VARIANTS)] for n in range(violations)] + list(LOOKALIKES)
        workers = {"extract_without_consent": extractor, "consented_backup_copy": extractor,
                   "media_write_without_consent": copier, "blocked_media_write": copier}
        for worker in (extractor, copier):
            mine = [v for v in wanted if workers[v] == worker]
            days = claim_worker_days(builder, rng, worker, len(mine))
            self._sessions += [(variant, worker, day) for variant, day in zip(mine, days, strict=True)]
        for variant in LOOKALIKES:
            ledger.lookalike(RULE_ID, variant, workers[variant])

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, world = self._rng, builder.world
        for variant, worker, day in self._sessions:
            extract = variant == "extract_without_consent"
            system = world.contract.systems[1] if extract else MEDIA_SYSTEM  # kokuho-system
            order, start, end = day_order(builder, rng, worker, day, (system,),
                                          copy_permitted=variant == "consented_backup_copy")
            session = work_session(builder, worker, start, end, system)
            moment = start + dt.timedelta(minutes=rng.randint(20, 60))
            if extract:
                copy = emit_in(builder, session, moment, "record.extract", system,
                               record_count=rng.randint(120, 450), format="csv")
            else:
                copy = self._media_write(builder, session, moment, blocked=variant == "blocked_media_write")
            close_order(builder, order, end)
            if variant in VARIANTS:
                ledger.violation(RULE_ID, variant, [copy])

    def _media_write(self, builder: MonthBuilder, session: WorkSession, moment: dt.datetime, *,
                     blocked: bool) -> EventDraft:
        """The section's registered USB stick (so DR-31 has nothing to say), connected and written to."""
        device = builder.world.medium_of("kokuho")
        outcome = "denied" if blocked else "success"
        emit_in(builder, session, moment - secs(self._rng.randint(20, 60)), "media.connected", MEDIA_SYSTEM,
                device_id=device, registered=True)
        return emit_in(builder, session, moment, "media.write", MEDIA_SYSTEM, outcome=outcome, device_id=device,
                       registered=True, blocked=blocked)
