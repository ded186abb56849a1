"""The contractor rules (kind `contract`): what their cases cannot show, mostly partitioning and state lifetime."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

import pytest
from pydantic import ValidationError

from kansa_detector.engine import Engine, InMemoryStore, StaticReference, partition_value
from kansa_ingest.simulator.world import build_world
from kansa_schemas.alert import Alert
from kansa_schemas.envelope import CONTRACTOR_PARTITION
from kansa_schemas.events import Event
from kansa_schemas.reference.models import ReferenceBundle
from kansa_schemas.rule import Catalogue, ContractMatch
from tests.unit.detector.conftest import TENANT, at, bundle, ev

WORKER = {"id": "w001", "type": "contractor", "contractor_org": "CORP-1"}
CONTRACT = {"contract_id": "K-1", "contractor_org": "CORP-1", "scope_systems": ["kokuho-system"],
            "term_start": "2026-04-01", "term_end": "2027-03-31", "named_workers": ["w001"]}


def registry() -> ReferenceBundle:
    return bundle(contracts=[CONTRACT])


def order(when: str, **fields: Any) -> Event:
    return ev("contract.work_order_issued", when, actor="a001", contract_id="K-1", work_order_id="W-1",
              contractor_org="CORP-1", worker_ids=["w001"], valid_from=at("10-05 10:00"), valid_to=at("10-05 16:30"),
              systems=["kokuho-system"], **fields)


def login(when: str) -> Event:
    return ev("auth.login", when, actor=WORKER, source_system="kokuho-system", layer="app", factors=["password"],
              terminal_id="M1", session_id="S1")


def engine_for(catalogue: Catalogue, rule_id: str, reference: ReferenceBundle | None,
               store: InMemoryStore | None = None, partition: str | None = None) -> Engine:
    return Engine(catalogue.only(rule_id), StaticReference([reference] if reference else []),
                  store or InMemoryStore(serialise=True), lateness=dt.timedelta(0), partition=partition)


def run(engine: Engine, events: list[Event]) -> list[Alert]:
    alerts = [a for e in events for a in engine.process(e)]
    return alerts + engine.flush()


def test_contractor_events_and_work_orders_share_one_partition() -> None:
    assert partition_value("actor", login("10-05 11:00")) == CONTRACTOR_PARTITION
    assert partition_value("actor", order("10-02 15:00")) == CONTRACTOR_PARTITION  # issued by the admin a001
    subcontractor = {"id": "v001", "type": "subcontractor", "contractor_org": "SUB-1"}
    assert partition_value("actor", ev("record.view", "10-05 11:00", actor=subcontractor)) == CONTRACTOR_PARTITION
    assert partition_value("actor", ev("record.view", "10-05 11:00", actor="a001")) == "a001"  # staff unchanged


def test_live_partitions_see_the_work_order_with_the_work(catalogue: Catalogue) -> None:
    """One engine per partition, as the live worker runs them: the order reaches the worker's engine. Had the order
    stayed in its issuer's partition, the same session would have been reported as work without an order."""
    events = [order("10-02 15:00"), ev("record.view", "10-05 10:30", actor="a001"), login("10-05 11:00")]
    by_partition: dict[str | None, list[Event]] = defaultdict(list)
    for event in events:
        by_partition[partition_value("actor", event)].append(event)
    assert set(by_partition) == {CONTRACTOR_PARTITION, "a001"}
    alerts = [a for part in by_partition.values()
              for a in run(engine_for(catalogue, "DR-60", registry(), partition="actor"), part)]
    assert alerts == []

    issuer_engine = engine_for(catalogue, "DR-60", registry(), partition="actor")
    worker_engine = engine_for(catalogue, "DR-60", registry(), partition="actor")
    assert run(issuer_engine, [order("10-02 15:00")]) == []
    assert [a.details["reason"] for a in run(worker_engine, [login("10-05 11:00")])] == ["no_work_order"]


def test_work_orders_are_forgotten_once_they_lapse(catalogue: Catalogue) -> None:
    store = InMemoryStore(serialise=True)
    engine = engine_for(catalogue, "DR-60", registry(), store)
    assert run(engine, [order("10-02 15:00"), login("10-05 11:00")]) == []
    assert any("~work_orders" in k for k in store.all_keys())
    engine.advance(dt.datetime.fromisoformat(at("10-07 09:00")))
    assert not any("~work_orders" in k for k in store.all_keys())


def test_closing_ends_an_order_and_a_reissue_opens_it_again(catalogue: Catalogue) -> None:
    """Work after the close is outside the order; a re-issue of the same order id replaces it."""
    engine = engine_for(catalogue, "DR-60", registry())
    closed = ev("contract.work_order_closed", "10-05 12:00", actor="a001", contract_id="K-1", work_order_id="W-1",
                contractor_org="CORP-1", worker_ids=["w001"], valid_from=at("10-05 10:00"),
                valid_to=at("10-05 16:30"))
    reissued = order("10-05 13:00")
    alerts = run(engine, [order("10-02 15:00"), closed, login("10-05 12:30"), reissued, login("10-05 13:30")])
    assert [a.occurred_at for a in alerts] == [dt.datetime.fromisoformat(at("10-05 12:30"))]


@pytest.mark.parametrize("rule_id", ["DR-60", "DR-62", "DR-63", "DR-64"])
def test_no_contract_registry_is_not_evaluable_rather_than_a_guess(catalogue: Catalogue, rule_id: str) -> None:
    extract = ev("record.extract", "10-05 11:00", actor=WORKER, source_system="kokuho-system", record_count=10)
    for reference in (None, bundle()):
        engine = engine_for(catalogue, rule_id, reference)
        assert run(engine, [extract]) == []
        assert engine.rule_not_evaluable[(TENANT, rule_id)] == 1


def test_the_check_list_is_validated() -> None:
    with pytest.raises(ValidationError, match="each check once"):
        ContractMatch.model_validate({"event": {"actor.type": "contractor"}, "checks": ["term", "term"]})
    with pytest.raises(ValidationError):
        ContractMatch.model_validate({"event": {"actor.type": "contractor"}, "checks": ["colour"]})
    assert not ContractMatch.model_validate({"event": {}, "checks": ["term"]}).needs_work_orders
    assert ContractMatch.model_validate({"event": {}, "checks": ["copy_permission"]}).needs_work_orders


def test_the_simulated_registry_holds_what_the_contractor_scenarios_need() -> None:
    world = build_world("141003", 2026, 10, 7, 20_000)
    contracts = {c.contract_id: c for c in world.reference_bundle().contracts}
    main = contracts[world.contract.contract_id]
    for sub in world.subcontractors:  # the prime named every re-subcontractor's worker
        assert set(sub.workers) <= set(main.named_workers)
    approvals = {a.contractor_org: a.approved_on for a in main.subcontractor_approvals}
    assert approvals == {"kinki-system-support": dt.date(2026, 4, 1), "naniwa-data-entry": dt.date(2026, 10, 20)}
    ended, starting = world.other_contracts
    assert contracts[ended.contract_id].term_end == dt.date(2026, 10, 9)
    assert contracts[starting.contract_id].term_start == dt.date(2026, 10, 22)
