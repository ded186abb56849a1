"""DR-69 audit-log integrity (000 L360 アクセスログ「一定期間保存」; 002 L258 操作履歴を記録・保管; 001 L307).

Violations:
- source_silent: a monitored source's heartbeats stop for five of its intervals, then resume (the collector lost
  it); whatever the month's heartbeat interval, that is beyond the rule's 3 × usual interval;
- collector_reported_gap: the collector reports records of a source missing for half an hour (sequence jump);
- audit_records_deleted: a system administrator deletes audit records from the log store.
Look-alikes: one missed heartbeat of another source (2 intervals of silence); the retention job purging audit logs
past their retention period (a retention.job_run, not a log.deleted).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from kansa_ingest.simulator.generate import MONITORED_SOURCES, MonthBuilder, at, secs
from kansa_ingest.simulator.scenarios.base import Scenario
from kansa_ingest.simulator.stream import SYSTEM_LOG_COLLECTOR, ActorRef, EventDraft
from kansa_ingest.simulator.truth import TruthLedger

RULE_ID = "DR-69"
VARIANTS = ("source_silent", "collector_reported_gap", "audit_records_deleted", "source_silent")
MISSED_BEATS = 4  # silence = 5 intervals > the rule's gap_factor (3) × the usual interval
MISSED_ONE = "one_missed_heartbeat"
LOG_PURGE = "audit_log_retention_purge"
JOB_ACCOUNT = ActorRef("batch-retention", "system")


class AuditLogIntegrity(Scenario):
    rule_id = RULE_ID

    def __init__(self) -> None:
        self._variants: list[str] = []
        self._rng = random.Random()

    def plan(self, builder: MonthBuilder, violations: int, ledger: TruthLedger) -> None:
        self._rng = builder.fork(RULE_ID)
        self._variants = [VARIANTS[n % len(VARIANTS)] for n in range(violations)]
        ledger.lookalike(RULE_ID, MISSED_ONE, SYSTEM_LOG_COLLECTOR.id)
        ledger.lookalike(RULE_ID, LOG_PURGE, JOB_ACCOUNT.id)

    def inject(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        rng, world = self._rng, builder.world
        for variant in self._variants:
            day = rng.choice(world.working_days[3:-3])
            if variant == "collector_reported_gap":
                ledger.violation(RULE_ID, variant, [self._gap_report(builder, day)])
            elif variant == "audit_records_deleted":
                ledger.violation(RULE_ID, variant, [self._deletion(builder, day)])
        day = rng.choice(world.working_days[3:-3])
        start = at(day, 1) + secs(rng.randint(0, 3600))
        purge: dict[str, Any] = {"record_type": "監査ログ", "record_count": rng.randint(50_000, 200_000),
                                 "job_id": builder.next_id("JOB", 3), "retention_rule_id": "RR-AUDIT-LOG"}
        builder.stream.emit(start, "retention.job_run", JOB_ACCOUNT, "log-server", network_zone="internal", **purge)
        builder.stream.emit(start + secs(rng.randint(120, 900)), "retention.record_deleted", JOB_ACCOUNT, "log-server",
                            network_zone="internal", **purge)

    def finish(self, builder: MonthBuilder, ledger: TruthLedger) -> None:
        """Heartbeats exist only once the benign month is complete: take some out again."""
        rng, world = self._rng, builder.world
        sources = rng.sample(MONITORED_SOURCES, self._variants.count("source_silent") + 1)
        for source in sources[:-1]:
            beats = _heartbeats(builder, source)
            first = _first_at_or_after(beats, at(rng.choice(world.working_days[4:-6]), 9))
            for beat in beats[first + 1:first + 1 + MISSED_BEATS]:
                builder.stream.discard(beat)
            ledger.violation(RULE_ID, "source_silent", [beats[first], beats[first + 1 + MISSED_BEATS]])
        beats = _heartbeats(builder, sources[-1])
        builder.stream.discard(beats[_first_at_or_after(beats, at(rng.choice(world.working_days[4:-6]), 9)) + 1])

    def _gap_report(self, builder: MonthBuilder, day: dt.date) -> EventDraft:
        rng = self._rng
        gap_from = at(day, 9) + secs(rng.randint(0, 5 * 3600))
        gap_to = gap_from + dt.timedelta(minutes=rng.randint(20, 40))
        return builder.stream.emit(
            gap_to + secs(rng.randint(60, 600)), "log.gap", SYSTEM_LOG_COLLECTOR, "log-collector",
            network_zone="internal", monitored_source=rng.choice(MONITORED_SOURCES), gap_from=gap_from, gap_to=gap_to,
        )

    def _deletion(self, builder: MonthBuilder, day: dt.date) -> EventDraft:
        """On the administrator's own terminal, in hours, in the middle of ordinary work: nothing else looks odd."""
        shift = builder.admin_shift(day)
        moment = builder.pick_time(shift, at(day, 14), at(day, 16, 30)) if shift is not None else None
        if shift is None or moment is None:
            raise RuntimeError(f"{RULE_ID}: no administrator free on {day} in {builder.world.label}")
        shift.blocked.append((moment, moment + dt.timedelta(minutes=5)))
        session = shift.session_at(moment)
        return builder.stream.emit(
            moment, "log.deleted", builder.actor(shift.staff_id, day), "log-server", terminal_id=session.terminal_id,
            session_id=session.session_id, network_zone="internal",
            monitored_source=self._rng.choice(MONITORED_SOURCES), record_count=self._rng.randint(500, 20_000),
        )


def _heartbeats(builder: MonthBuilder, source: str) -> list[EventDraft]:
    return sorted((d for d in builder.stream if d.action == "log.heartbeat" and d.fields["monitored_source"] == source),
                  key=lambda d: d.occurred_at)


def _first_at_or_after(beats: list[EventDraft], moment: dt.datetime) -> int:
    index = next((i for i, b in enumerate(beats) if b.occurred_at >= moment), None)
    if index is None or index + 1 + MISSED_BEATS >= len(beats):
        raise RuntimeError(f"{RULE_ID}: too few heartbeats after {moment.isoformat()}")
    return index
