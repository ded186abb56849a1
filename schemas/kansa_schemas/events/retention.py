"""Retention jobs, record deletions and the health of the log pipeline itself."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from kansa_schemas.envelope import EventEnvelope, Identifier


class RetentionDeletion(EventEnvelope):
    action: Literal["retention.job_run", "retention.record_deleted"]
    record_type: Identifier
    record_count: int = Field(default=1, ge=0)
    retention_rule_id: Identifier | None = None


class LogPipelineEvent(EventEnvelope):
    action: Literal["log.heartbeat", "log.gap", "log.deleted"]
    monitored_source: Identifier
    gap_from: AwareDatetime | None = None
    gap_to: AwareDatetime | None = None
