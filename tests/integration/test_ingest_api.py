"""POST /v1/events against the real Kafka broker: per-event answers, dead-letter with original bytes, masking."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from kansa_ingest.api import create_app
from kansa_ingest.files import ingest_file
from kansa_ingest.publisher import KafkaPublisher
from kansa_ingest.settings import ApiSettings, IngestSettings, KafkaSettings, SourceCredential
from kansa_ingest.validate import Ingestor
from kansa_schemas import mynumber
from kansa_schemas.topics import ensure_topics
from tests.conftest import Stack, consume

pytestmark = pytest.mark.integration
TOKEN = "test-token"
RAW_NUMBER = mynumber.make_valid("12345678901")


@pytest.fixture()
def ingest(stack: Stack, request: pytest.FixtureRequest) -> Iterator[tuple[TestClient, IngestSettings]]:
    suffix = request.node.name.replace("[", "-").replace("]", "")
    settings = IngestSettings(
        kafka=KafkaSettings(bootstrap=stack.kafka_bootstrap, events_topic=stack.topic(f"events.{suffix}"),
                            dead_letter_topic=stack.topic(f"dlq.{suffix}"), partitions=3),
        api=ApiSettings(max_batch_events=10, max_body_bytes=64 * 1024),
        api_tokens={TOKEN: SourceCredential(tenant="141003")},
    )
    ensure_topics(settings.kafka.bootstrap, [settings.kafka.events_topic, settings.kafka.dead_letter_topic],
                  settings.kafka.partitions, settings.kafka.replication_factor)
    publisher = KafkaPublisher(settings.kafka)
    with TestClient(create_app(settings, Ingestor(settings, publisher))) as client:
        yield client, settings
    publisher.close()


def event(event_id: str, **overrides: object) -> dict[str, object]:
    base: dict[str, object] = {
        "event_id": event_id, "occurred_at": "2026-10-05T10:00:00+09:00", "tenant": "141003",
        "source_system": "KODOMO_IRYO", "actor": {"id": "s001", "type": "staff", "org_unit": "kodomo"},
        "terminal_id": "T-001", "action": "mynumber.search", "business_code": "kodomo_iryo",
        "subject_ref": RAW_NUMBER,
    }
    base.update(overrides)
    return base


def post_ndjson(client: TestClient, lines: list[bytes]) -> tuple[int, dict[str, object]]:
    response = client.post("/v1/events", content=b"\n".join(lines),
                           headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/x-ndjson"})
    return response.status_code, response.json()


def test_mixed_batch_keeps_valid_events_and_dead_letters_each_bad_one(ingest: tuple[TestClient, IngestSettings],
                                                                     stack: Stack) -> None:
    client, settings = ingest
    missing_actor = event("e-missing")
    del missing_actor["actor"]
    lines = [
        json.dumps(event("e-ok-1")).encode(),
        b'{"event_id": "e-broken", "occurred_at": ',
        json.dumps(missing_actor).encode(),
        json.dumps(event("e-mistyped", outcome=42)).encode(),
        json.dumps(event("e-unknown", action="mynumber.teleport")).encode(),
        json.dumps(event("e-naive", occurred_at="2026-10-05T10:00:00")).encode(),
        json.dumps(event("e-ok-2", note_free_text=None) | {"actor": {"id": "s002"}}).encode()
        .replace(b', "note_free_text": null', b""),
    ]
    status, body = post_ndjson(client, lines)

    assert status == 422
    results = {r["index"]: r for r in body["results"]}  # type: ignore[union-attr]
    assert body["accepted"] == 2 and body["rejected"] == 5
    assert results[0]["status"] == "accepted" and results[6]["status"] == "accepted"
    assert results[1]["errors"][0]["path"] == "$" and "not valid JSON" in results[1]["errors"][0]["message"]
    assert results[2]["errors"][0]["path"] == "actor"
    assert results[3]["errors"][0]["path"] == "outcome"
    assert results[4]["errors"][0]["path"] == "action" and "mynumber.teleport" in results[4]["errors"][0]["message"]
    assert results[5]["errors"][0]["path"] == "occurred_at"
    assert "timezone" in results[5]["errors"][0]["message"]

    dead = consume(stack.kafka_bootstrap, settings.kafka.dead_letter_topic, expected=5)
    assert len(dead) == 5
    key = settings.tenant_key("141003")
    expected_bytes = {mynumber.mask_bytes(lines[i], key) for i in (1, 2, 3, 4, 5)}
    assert {r.value for r in dead} == expected_bytes
    for record in dead:
        headers = dict(record.headers)
        assert json.loads(headers["kansa-error"])["errors"][0]["path"]
        assert not mynumber.contains_personal_number(record.value.decode())

    accepted = consume(stack.kafka_bootstrap, settings.kafka.events_topic, expected=2)
    assert sorted(json.loads(r.value)["event_id"] for r in accepted) == ["e-ok-1", "e-ok-2"]
    for record in accepted:
        value = json.loads(record.value)
        assert value["subject_ref"] == mynumber.tokenise(RAW_NUMBER, key)
        assert record.key == f"141003|{value['actor']['id']}".encode()


def test_broken_json_array_is_a_400_and_kept(ingest: tuple[TestClient, IngestSettings], stack: Stack) -> None:
    client, settings = ingest
    body = b'[{"event_id": "x", "subject_ref": "' + RAW_NUMBER.encode() + b'"'
    response = client.post("/v1/events", content=body, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 400
    assert response.json()["error"]["path"] == "$"
    dead = consume(stack.kafka_bootstrap, settings.kafka.dead_letter_topic, expected=1)
    assert [r.value for r in dead] == [mynumber.mask_bytes(body, settings.tenant_key("141003"))]
    assert RAW_NUMBER.encode() not in dead[0].value


def test_oversized_batch_is_a_413_naming_the_limit(ingest: tuple[TestClient, IngestSettings], stack: Stack) -> None:
    client, settings = ingest
    batch = [event(f"e-{i}") for i in range(11)]
    response = client.post("/v1/events", json=batch, headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 413
    assert "limit of 10" in response.json()["error"]["message"]
    dead = consume(stack.kafka_bootstrap, settings.kafka.dead_letter_topic, expected=1)
    assert len(dead) == 1 and json.loads(dead[0].value)[0]["event_id"] == "e-0"
    assert consume(stack.kafka_bootstrap, settings.kafka.events_topic, expected=1, timeout=3) == []


def test_json_array_all_valid_is_200(ingest: tuple[TestClient, IngestSettings], stack: Stack) -> None:
    client, settings = ingest
    response = client.post("/v1/events", json=[event("a-1"), event("a-2")],
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    assert response.json()["accepted"] == 2
    assert len(consume(stack.kafka_bootstrap, settings.kafka.events_topic, expected=2)) == 2


def test_wrong_token_or_tenant_is_refused(ingest: tuple[TestClient, IngestSettings]) -> None:
    client, _ = ingest
    assert client.post("/v1/events", json=[event("t-1")], headers={"Authorization": "Bearer nope"}).status_code == 401
    response = client.post("/v1/events", json=[event("t-2", tenant="271004")],
                           headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 422
    assert response.json()["results"][0]["errors"][0]["path"] == "tenant"


def test_metrics_count_accepted_and_rejected(ingest: tuple[TestClient, IngestSettings]) -> None:
    client, _ = ingest
    client.post("/v1/events", json=[event("m-1"), event("m-2", outcome="maybe")],
                headers={"Authorization": f"Bearer {TOKEN}"})
    text = client.get("/metrics").text
    assert "kansa_ingest_events_accepted_total" in text
    assert 'kansa_ingest_events_rejected_total{reason="outcome"}' in text
    assert "kansa_ingest_personal_numbers_masked_total" in text


def test_ndjson_file_goes_through_the_same_checks(ingest: tuple[TestClient, IngestSettings], stack: Stack,
                                                  tmp_path: Path) -> None:
    _, settings = ingest
    path = tmp_path / "export.ndjson"
    path.write_bytes(b"\n".join([json.dumps(event("f-1")).encode(), b"{broken", b"",
                                 json.dumps(event("f-2", occurred_at="2026-10-05")).encode(),
                                 json.dumps(event("f-3")).encode()]) + b"\n")
    publisher = KafkaPublisher(settings.kafka)
    summary = ingest_file(path, Ingestor(settings, publisher), SourceCredential(tenant="141003"), batch_size=2)
    publisher.close()
    assert (summary.lines, summary.accepted, summary.rejected, summary.retry) == (4, 2, 2, 0)
    assert [e.index for e in summary.first_errors] == [2, 4]  # file line numbers
    assert summary.first_errors[1].errors[0].path == "occurred_at"
    assert len(consume(stack.kafka_bootstrap, settings.kafka.dead_letter_topic, expected=2)) == 2
    accepted = consume(stack.kafka_bootstrap, settings.kafka.events_topic, expected=2)
    assert sorted(json.loads(r.value)["event_id"] for r in accepted) == ["f-1", "f-3"]
