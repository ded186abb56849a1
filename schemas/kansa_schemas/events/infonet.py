"""Intermediate server / information provision network (情報提供ネットワークシステム)."""

from __future__ import annotations

from typing import Literal

from kansa_schemas.envelope import EventEnvelope, Identifier


class InfonetQuery(EventEnvelope):
    action: Literal["infonet.query"]
    permit_id: Identifier | None = None
    permit_status: Literal["issued", "denied", "none"] = "issued"
    info_item: Identifier | None = None
    provider_org: Identifier | None = None


class InfonetProvide(EventEnvelope):
    action: Literal["infonet.provide"]
    permit_id: Identifier
    requester_org: Identifier
    encrypted: bool = True
