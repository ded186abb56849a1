"""Contractor work orders (contractor sessions are ordinary events whose actor.type is contractor)."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime

from kansa_schemas.envelope import EventEnvelope, Identifier


class ContractorWorkOrder(EventEnvelope):
    action: Literal["contract.work_order_issued", "contract.work_order_closed"]
    contract_id: Identifier
    work_order_id: Identifier
    contractor_org: Identifier
    worker_ids: tuple[Identifier, ...] = ()
    valid_from: AwareDatetime
    valid_to: AwareDatetime
    systems: tuple[Identifier, ...] = ()
