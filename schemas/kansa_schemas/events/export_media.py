"""Export to external media: request -> approval/rejection -> execution, and media device events."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kansa_schemas.envelope import EventEnvelope, Identifier


class ExportRequested(EventEnvelope):
    action: Literal["export.requested"]
    request_id: Identifier
    applicant_id: Identifier
    file_id: Identifier
    file_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    device_id: Identifier
    record_count: int = Field(ge=0)
    purpose: str = Field(default="", max_length=2000)


class ExportDecision(EventEnvelope):
    """An approval or rejection; the actor is the approver."""

    action: Literal["export.approved", "export.rejected"]
    request_id: Identifier
    applicant_id: Identifier
    approver_id: Identifier


class ExportExecuted(EventEnvelope):
    """The write to media; the actor is the executor."""

    action: Literal["export.executed"]
    request_id: Identifier | None = None
    device_id: Identifier
    device_registered: bool
    encrypted: bool
    file_id: Identifier
    file_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    record_count: int = Field(ge=0)


class MediaEvent(EventEnvelope):
    action: Literal["media.connected", "media.write", "media.wiped", "media.import"]
    device_id: Identifier
    device_class: Literal["usb_storage", "optical", "sd_card", "other"] = "usb_storage"
    registered: bool
    blocked: bool = False
