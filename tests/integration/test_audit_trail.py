"""Audit of the auditors, end to end: an officer's search becomes an audit event on Kafka, the real indexer puts it
in Elasticsearch, and an administrator finds it through the same search API (officers do not see it)."""

from __future__ import annotations

import time

import httpx
import pytest

from kansa_detector.adapters.es_sink import Indexer
from kansa_detector.settings import DetectorSettings, ElasticsearchSettings, KafkaSettings
from kansa_schemas.indices import events_pattern
from tests.conftest import Stack
from tests.integration.conftest import ApiServer

pytestmark = pytest.mark.integration


def _search(api: ApiServer, tenant: str, token: str, body: dict[str, object]) -> httpx.Response:
    return httpx.post(f"{api.base_url}/v1/tenants/{tenant}/events/search", json=body,
                      headers={"Authorization": f"Bearer {token}"}, timeout=30)


def test_an_officers_search_is_indexed_and_found_by_an_administrator(
        stack: Stack, api_server: ApiServer, tenant: str) -> None:
    officer = api_server.token("officer", tenant, user="officer-audit-1")
    admin = api_server.token("admin", tenant, user="admin-audit-1")
    assert _search(api_server, tenant, officer, {"actor": "stf-audit-x", "size": 5}).status_code == 200

    settings = DetectorSettings(
        kafka=KafkaSettings(bootstrap=stack.kafka_bootstrap, events_topic=api_server.audit_topic,
                            alerts_topic=stack.topic("audit-trail.alerts"),
                            dead_letter_topic=stack.topic("audit-trail.dlq")),
        elasticsearch=ElasticsearchSettings(url=stack.elasticsearch_url))
    indexer = Indexer(settings, stack.es, group_id=f"audit-trail-{stack.run_id}-{tenant}")
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:
            indexer.poll_once(timeout_ms=500)
            stack.es.indices.refresh(index=events_pattern(tenant), ignore_unavailable=True, allow_no_indices=True)
            found = stack.es.count(index=events_pattern(tenant), ignore_unavailable=True, allow_no_indices=True,
                                   query={"term": {"user.id": "officer-audit-1"}})["count"]
            if found >= 1:
                break
    finally:
        indexer.close()

    answer = _search(api_server, tenant, admin, {"family": "audit", "actor": "officer-audit-1", "size": 50})
    assert answer.status_code == 200, answer.text
    searches = [h for h in answer.json()["hits"] if h["event"]["action"] == "audit.search"]
    assert len(searches) == 1
    audited = searches[0]["kansa"]
    assert '"actor": "stf-audit-x"' in audited["query"]
    assert audited["result_count"] == 0 and audited["http_status"] == 200 and audited["role"] == "officer"
    assert searches[0]["source_system"] == "kansa-investigate"

    # An officer's own search does not list audit events: reading the auditors' trail is an administrator's job.
    assert _search(api_server, tenant, officer, {"family": "audit"}).json()["total"] == 0
