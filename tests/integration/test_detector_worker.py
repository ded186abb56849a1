"""The faust rule worker as a real process on the real broker: events in, alerts out, reference data hot-reloaded."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from kafka import KafkaProducer
from prometheus_client.parser import text_string_to_metric_families

from kansa_cli.pipeline import PipelineConfig, Services, wait_until
from kansa_schemas.alert import Alert
from kansa_schemas.reference import ReferenceBundle, RegisteredMedium, StaffRecord, StaffStatus
from kansa_schemas.topics import ensure_topics
from tests.conftest import Stack, consume, free_port

pytestmark = pytest.mark.integration
TENANT = "990002"
JST = dt.timezone(dt.timedelta(hours=9))



def _bundle(retired: bool) -> ReferenceBundle:
    staff = [
        StaffRecord(staff_id="s001", org_unit="kodomo", supervisor_id="s900", section_head_id="s901"),
        StaffRecord(staff_id="s002", org_unit="kodomo", supervisor_id="s900", section_head_id="s901",
                    status=StaffStatus.RETIRED if retired else StaffStatus.ACTIVE,
                    status_effective_at=dt.datetime(2026, 10, 1, tzinfo=JST) if retired else None),
        StaffRecord(staff_id="s900", org_unit="kodomo", section_head_id="s901"),
        StaffRecord(staff_id="s901", org_unit="kodomo"),
    ]
    return ReferenceBundle(tenant=TENANT, valid_from=dt.datetime(2026, 4, 1, tzinfo=JST), staff=tuple(staff),
                           registered_media=(RegisteredMedium(device_id="USB-1", org_unit="kodomo",
                                                              registered_on=dt.date(2026, 4, 1)),),
                           export_applicants=("s001",))


def _event(event_id: str, action: str, actor: str, minute: int, **fields: object) -> bytes:
    return json.dumps({
        "event_id": event_id, "occurred_at": f"2026-10-05T10:{minute:02d}:00+09:00", "tenant": TENANT,
        "source_system": "KODOMO_IRYO", "actor": {"id": actor}, "terminal_id": "T-1", "action": action, **fields,
    }).encode()


@pytest.fixture()
def worker(stack: Stack, tmp_path: Path) -> Iterator[tuple[PipelineConfig, Services, Path]]:
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    (reference_dir / f"{TENANT}.json").write_text(_bundle(retired=False).model_dump_json())
    config = PipelineConfig(namespace=f"test.{stack.run_id}.worker", reference_dir=reference_dir,
                            detector_metrics_port=free_port(), lateness_s=1.0, tenant=TENANT)
    # Created up front so the test's producer cannot auto-create a one-partition topic first.
    ensure_topics(stack.kafka_bootstrap, [config.events_topic], partitions=3, replication_factor=1)
    services = Services(config, tmp_path / "logs")
    services.start("detector")
    yield config, services, reference_dir
    services.stop_all()


def test_worker_raises_alerts_and_picks_up_a_retirement_without_restart(
        worker: tuple[PipelineConfig, Services, Path], stack: Stack) -> None:
    config, services, reference_dir = worker
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")

    def send(raw: bytes, actor: str) -> None:
        producer.send(config.events_topic, key=f"{TENANT}|{actor}".encode(), value=raw).get(timeout=30)

    # DR-32: executed with no approval; DR-33: self-approval. Request events come from different actors,
    # so the worker must re-key them by request id to see them together.
    send(_event("w-1", "export.executed", "s001", 1, request_id="R1", device_id="USB-1", device_registered=True,
                encrypted=True, file_id="f1", file_hash="b" * 64, record_count=3), "s001")
    send(_event("w-2", "export.approved", "s001", 2, request_id="R2", applicant_id="s001", approver_id="s001"),
         "s001")
    send(_event("w-3", "export.approved", "s900", 3, request_id="R3", applicant_id="s001", approver_id="s900"),
         "s900")
    send(_event("w-4", "export.executed", "s001", 4, request_id="R3", device_id="USB-1", device_registered=True,
                encrypted=True, file_id="f3", file_hash="c" * 64, record_count=3), "s001")
    alerts = [Alert.model_validate_json(r.value) for r in consume(stack.kafka_bootstrap, config.alerts_topic, 2,
                                                                   timeout=120, alive=services.check_alive)]
    services.check_alive()
    assert sorted(a.rule_id for a in alerts) == ["DR-32", "DR-33"]
    assert {a.rule_id: a.event_ids[0] for a in alerts} == {"DR-32": "w-1", "DR-33": "w-2"}

    # Not evaluable, source missing: every enabled rule of the tenant has its input counter from the start, so
    # one that never saw input (DR-11, no auth.failure) shows 0 next to the ones that did.
    def inputs() -> dict[str, float]:
        text = urllib.request.urlopen(f"http://127.0.0.1:{config.detector_metrics_port}/metrics", timeout=5).read()
        return {sample.labels["rule_id"]: sample.value
                for family in text_string_to_metric_families(text.decode())
                if family.name == "kansa_detector_rule_input_events"
                for sample in family.samples
                if sample.name.endswith("_total") and sample.labels.get("tenant") == TENANT}

    wait_until(lambda: inputs().get("DR-33", 0) >= 2, 30, "DR-33's input count in the worker's metrics")
    seen = inputs()
    assert seen["DR-11"] == 0 and seen["DR-32"] >= 2

    # The HR roster now says s002 retired on 1 October: the next event is a DR-01 alert, no restart needed.
    (reference_dir / f"{TENANT}.json").write_text(_bundle(retired=True).model_dump_json())
    first_version = alerts[0].reference_version
    send(_event("w-5", "auth.login", "s002", 10, factors=["ic_card", "password"], session_id="x"), "s002")
    later = [Alert.model_validate_json(r.value) for r in consume(stack.kafka_bootstrap, config.alerts_topic, 3,
                                                                  timeout=120, alive=services.check_alive)]
    dr01 = [a for a in later if a.rule_id == "DR-01"]
    assert len(dr01) == 1 and dr01[0].event_ids == ("w-5",) and dr01[0].actor_id == "s002"
    assert dr01[0].reference_version != first_version
    producer.close()
