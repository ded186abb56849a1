"""Alerts raised by the detector: deterministic ids so live, replay and re-indexing coincide."""

from __future__ import annotations

import hashlib
from enum import StrEnum

from pydantic import AwareDatetime, Field

from kansa_schemas.envelope import Identifier, Model, TenantCode


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """How severe: LOW 0 up to CRITICAL 3 (the members are declared most severe first)."""
        return len(Severity) - 1 - list(Severity).index(self)


class LocalisedText(Model):
    ja: str
    en: str


class Alert(Model):
    schema_version: str = "1.0"
    alert_id: Identifier
    tenant: TenantCode
    rule_id: Identifier
    rule_version: int = Field(ge=1)
    severity: Severity
    title: LocalisedText
    action: LocalisedText = Field(description="What the officer should do.")
    assessment_refs: tuple[str, ...]
    actor_id: Identifier
    occurred_at: AwareDatetime = Field(description="Event time of the event that completed the violation.")
    key: str = Field(description="Rule key the alert is grouped and suppressed by.")
    event_ids: tuple[Identifier, ...] = Field(min_length=1)
    count: int = Field(default=1, ge=1, description="Occurrences folded into this alert by suppression.")
    reference_version: str
    details: dict[str, str | int | float | bool | None] = Field(default_factory=dict)


def alert_id_for(rule_id: str, rule_version: int, tenant: str, key: str, anchor: str) -> str:
    """Same inputs, same id: replay or a restarted worker can never raise a second copy."""
    material = "|".join((rule_id, str(rule_version), tenant, key, anchor))
    return "al_" + hashlib.sha256(material.encode()).hexdigest()[:40]
