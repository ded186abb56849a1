"""Contractor work orders (contractor sessions are ordinary events whose actor.type is contractor or subcontractor).

A work order is issued by the city's IT admin, so by default it would land in the admin's partition. Work orders and
every contractor's or subcontractor's event share one partition subject instead (envelope.CONTRACTOR_PARTITION), so
the rules that check contractor work against its orders (DR-60, DR-64) see both in one engine.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from kansa_schemas.envelope import CONTRACTOR_PARTITION, EventEnvelope, Identifier


class ContractorWorkOrder(EventEnvelope):
    action: Literal["contract.work_order_issued", "contract.work_order_closed"]
    contract_id: Identifier
    work_order_id: Identifier
    contractor_org: Identifier
    worker_ids: tuple[Identifier, ...] = Field(default=(), description="Empty: any worker of contractor_org.")
    valid_from: AwareDatetime
    valid_to: AwareDatetime
    systems: tuple[Identifier, ...] = Field(default=(), description="Systems the work may touch; empty: any.")
    copy_permitted: bool = Field(
        default=False,
        description="The city's written consent to copy or take data out under this order (002 L263, 000 L349).",
    )

    @property
    def partition_subject(self) -> str:
        return CONTRACTOR_PARTITION
