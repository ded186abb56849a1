"""Mail with attachments and system-to-system transfers (移転)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kansa_schemas.envelope import EventEnvelope, Identifier


class MailSent(EventEnvelope):
    action: Literal["mail.sent"]
    recipient_count: int = Field(ge=1)
    external_recipient_count: int = Field(default=0, ge=0)
    recipient_domains: tuple[str, ...] = ()
    has_attachment: bool = False
    contains_personal_data: bool = False
    password_protected: bool = False
    encrypted: bool = False
    approval_id: Identifier | None = None


class TransferExecuted(EventEnvelope):
    action: Literal["transfer.executed"]
    destination_id: Identifier
    spec_id: Identifier | None = None
    items: tuple[str, ...] = ()
    record_count: int = Field(ge=0)
    approval_id: Identifier | None = None
