"""The indexer against real Kafka and Elasticsearch: ids make re-delivery idempotent; refusals go to dead-letter."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from kafka import KafkaProducer

from kansa_cli.demo import delete_indices
from kansa_detector.adapters.es_sink import Indexer, install_templates
from kansa_detector.settings import DetectorSettings, ElasticsearchSettings, KafkaSettings
from kansa_schemas import indices
from kansa_schemas.alert import Alert, LocalisedText, Severity, alert_id_for
from tests.conftest import Stack, consume

pytestmark = pytest.mark.integration
TENANT = "990001"


def _event(n: int) -> bytes:
    return json.dumps({
        "event_id": f"ix-{n}", "occurred_at": f"2026-10-{1 + n % 28:02d}T10:00:00+09:00", "tenant": TENANT,
        "source_system": "KODOMO_IRYO", "actor": {"id": f"s{n % 7}"}, "terminal_id": "T-1",
        "action": "export.executed", "device_id": "USB-1", "device_registered": True, "encrypted": True,
        "file_id": "f1", "file_hash": "a" * 64, "record_count": n,
    }).encode()


def _alert(n: int, details: dict[str, str | int], key: str | None = None) -> bytes:
    return Alert(
        alert_id=alert_id_for("DR-32", 1, TENANT, f"r{n}", f"ix-{n}"), tenant=TENANT, rule_id="DR-32",
        rule_version=1, severity=Severity.CRITICAL, title=LocalisedText(ja="承認のない書き出し", en="Export"),
        action=LocalisedText(ja="追跡する", en="Trace"), assessment_refs=("000 L341",), actor_id="s1",
        occurred_at=dt.datetime(2026, 10, 3, 10, tzinfo=indices.JST), key=key or f"r{n}", event_ids=(f"ix-{n}",),
        reference_version="v1", details=details,
    ).model_dump_json().encode()


def _settings(stack: Stack) -> DetectorSettings:
    return DetectorSettings(
        kafka=KafkaSettings(bootstrap=stack.kafka_bootstrap, events_topic=stack.topic("ix.events"),
                            alerts_topic=stack.topic("ix.alerts"), dead_letter_topic=stack.topic("ix.dlq")),
        elasticsearch=ElasticsearchSettings(url=stack.elasticsearch_url, bulk_max_records=50),
    )


def _drain(indexer: Indexer, expected: int) -> int:
    total = 0
    for _ in range(200):
        total += indexer.poll_once(timeout_ms=300)
        if total >= expected:
            break
    return total


def test_index_replay_and_refusal(stack: Stack) -> None:
    settings = _settings(stack)
    es = stack.es
    delete_indices(es, f"kansa-*-{TENANT}-*")
    producer = KafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")
    for n in range(120):
        producer.send(settings.kafka.events_topic, key=b"k", value=_event(n))
    producer.send(settings.kafka.alerts_topic, value=_alert(1, {"records": 5}))
    # Same details key, other type (rules choose their own keys): indexed too, details are flattened.
    producer.send(settings.kafka.alerts_topic, value=_alert(2, {"records": "many"}))
    # A key over Lucene's term limit: Elasticsearch refuses this document; it must not vanish.
    producer.send(settings.kafka.alerts_topic, value=_alert(3, {}, key="k" * 40_000))
    producer.send(settings.kafka.events_topic, value=b'{"not": "an event"}')
    producer.flush()

    install_templates(es, 0)
    first = Indexer(settings, es, group_id=f"ix-{stack.run_id}-a")
    assert _drain(first, 124) == 124
    first.close()
    es.indices.refresh(index=f"kansa-*-{TENANT}-*")
    assert es.count(index=indices.events_pattern(TENANT, "2026-10"))["count"] == 120
    assert es.count(index=indices.alerts_pattern(TENANT))["count"] == 2

    # A second consumer group re-reads everything: ids make it an overwrite, never a duplicate.
    second = Indexer(settings, es, group_id=f"ix-{stack.run_id}-b")
    assert _drain(second, 124) == 124
    second.close()
    es.indices.refresh(index=f"kansa-*-{TENANT}-*")
    assert es.count(index=indices.events_pattern(TENANT, "2026-10"))["count"] == 120

    doc = es.get(index=indices.events_index(TENANT, dt.datetime(2026, 10, 2, tzinfo=indices.JST)), id="ix-1")
    assert doc["_source"]["event"]["action"] == "export.executed"
    assert doc["_source"]["user"]["id"] == "s1" and doc["_source"]["kansa"]["record_count"] == 1

    dead = consume(stack.kafka_bootstrap, settings.kafka.dead_letter_topic, expected=4)
    reasons = [json.loads(dict(r.headers)["kansa-error"])["reason"] for r in dead]
    # Each refusal is kept once per reading group: 2 groups x (1 invalid record + 1 refused alert).
    assert len(dead) == 4
    assert sum("elasticsearch refused" in r for r in reasons) == 2
    assert sum("not a valid record" in r for r in reasons) == 2
