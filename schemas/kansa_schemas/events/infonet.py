"""Intermediate server / information provision network (情報提供ネットワークシステム).

An `infonet.query` is one information query (情報照会) sent through the intermediate server; its `outcome` says
whether the result came back (success) or the query was refused (denied) or failed (error). `business_code` is the
query's 事務 (jimu code) and `subject_ref` the resident it is about.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from kansa_schemas.envelope import EventEnvelope, Identifier


class InfonetQuery(EventEnvelope):
    action: Literal["infonet.query"]
    permit_id: Identifier | None = Field(default=None, description="情報提供許可証 the network issued for the query.")
    permit_status: Literal["issued", "denied", "none"] = Field(
        default="issued", description="denied: the 照会許可用照合リスト refused it; none: no permit was asked for."
    )
    info_item: Identifier | None = None
    provider_org: Identifier | None = None


class InfonetProvide(EventEnvelope):
    action: Literal["infonet.provide"]
    permit_id: Identifier
    requester_org: Identifier
    encrypted: bool = True
