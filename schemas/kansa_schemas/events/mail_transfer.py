"""Mail with attachments and system-to-system transfers (移転)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from kansa_schemas.envelope import EventEnvelope, Identifier

TransferInitiation = Literal["automatic", "manual"]


class MailSent(EventEnvelope):
    """One mail as the gateway and its DLP classify it; the actor is the sender."""

    action: Literal["mail.sent"]
    recipient_count: int = Field(ge=1)
    external_recipient_count: int = Field(default=0, ge=0)
    recipient_domains: tuple[str, ...] = ()
    has_attachment: bool = False
    contains_personal_data: bool = False
    password_protected: bool = False
    encrypted: bool = False
    approval_id: Identifier | None = None  # the 決裁 (文書番号) the sender cites
    contains_specific_pi: bool = Field(
        default=False, description="DLP found 特定個人情報 (a valid personal number) in the body or an attachment."
    )
    recipient_org_units: tuple[Identifier, ...] = Field(
        default=(), description="Departments of the internal recipients (the gateway's directory lookup)."
    )
    approver_id: Identifier | None = Field(
        default=None, description="Who approved the cited 決裁, as the 電子決裁 record says; None if not approved."
    )
    approved_at: AwareDatetime | None = Field(default=None, description="When the cited 決裁 was approved.")


class TransferExecuted(EventEnvelope):
    """One run of a system link (庁内連携) sending records to a 移転先; a batch actor unless run by hand."""

    action: Literal["transfer.executed"]
    destination_id: Identifier
    spec_id: Identifier | None = None
    items: tuple[str, ...] = ()
    record_count: int = Field(ge=0)
    approval_id: Identifier | None = None
    initiation: TransferInitiation | None = Field(
        default=None, description="automatic (scheduled / on reference) or manual (started by a user)."
    )
