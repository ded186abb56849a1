"""Retention jobs, record deletions and the health of the log pipeline itself.

`retention.job_run` summarises one run of a retention (purge) job; each record type it removed is also reported as
a `retention.record_deleted` carrying the run's `job_id`. A deletion without a `job_id` was made by hand (an
interactive user or an ad-hoc script). `mode: logical` marks a record withdrawn but kept (a correction), which
should cite the correction record that explains it.

`log.heartbeat` says a monitored source is alive; `log.gap` is the collector's own report that records of a source
are missing between `gap_from` and `gap_to` (e.g. a sequence-number jump); `log.deleted` is the log store reporting
audit records removed other than by its retention job (that job's purge is a `retention.job_run` of the audit-log
record type).
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from kansa_schemas.envelope import EventEnvelope, Identifier


class RetentionDeletion(EventEnvelope):
    action: Literal["retention.job_run", "retention.record_deleted"]
    record_type: Identifier
    record_count: int = Field(default=1, ge=0)
    retention_rule_id: Identifier | None = None
    job_id: Identifier | None = Field(default=None, description="The retention job run that deleted; None = by hand.")
    mode: Literal["physical", "logical"] = "physical"
    correction_id: Identifier | None = Field(default=None, description="Correction record behind a logical deletion.")


class LogPipelineEvent(EventEnvelope):
    action: Literal["log.heartbeat", "log.gap", "log.deleted"]
    monitored_source: Identifier
    gap_from: AwareDatetime | None = None
    gap_to: AwareDatetime | None = None
    record_count: int | None = Field(default=None, ge=0, description="log.deleted: how many records went.")
