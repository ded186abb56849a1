"""The local stack from `kansa stack up` against the real Kafka and Elasticsearch.

Deliberately never calls down(): other integration tests share the running stack.
"""

from __future__ import annotations

import pytest
from elasticsearch import Elasticsearch
from kafka import KafkaAdminClient

from kansa_cli import stack

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def endpoints() -> stack.StackEndpoints:
    # First run on a fresh machine fetches ~170 MB through Maven; later runs start from the cache.
    return stack.up()


def test_endpoints_are_loopback(endpoints: stack.StackEndpoints) -> None:
    assert endpoints.kafka_bootstrap == "127.0.0.1:9092"
    assert endpoints.elasticsearch_url == "http://127.0.0.1:9200"


def test_kafka_lists_topics(endpoints: stack.StackEndpoints) -> None:
    admin = KafkaAdminClient(bootstrap_servers=endpoints.kafka_bootstrap, client_id="kansa-test-stack")
    try:
        topics = admin.list_topics()
    finally:
        admin.close()
    assert isinstance(topics, list)


def test_elasticsearch_health_is_yellow_or_green(endpoints: stack.StackEndpoints) -> None:
    with Elasticsearch(endpoints.elasticsearch_url, request_timeout=60) as es:
        health = es.cluster.health(wait_for_status="yellow", timeout="30s")
    assert health["status"] in ("yellow", "green")
    assert health["number_of_nodes"] == 1


def test_up_twice_is_a_noop(endpoints: stack.StackEndpoints) -> None:
    before = stack.status()
    again = stack.up()
    after = stack.status()
    assert again == endpoints
    assert before.kafka.pid is not None and before.elasticsearch.pid is not None
    assert (after.kafka.pid, after.elasticsearch.pid) == (before.kafka.pid, before.elasticsearch.pid)


def test_status_reports_both_running(endpoints: stack.StackEndpoints) -> None:
    st = stack.status()
    assert st.running, st
    assert st.kafka.state == "running" and st.elasticsearch.state == "running"
    assert st.kafka.endpoint == endpoints.kafka_bootstrap
    assert st.elasticsearch.endpoint == endpoints.elasticsearch_url
    assert st.kafka.version is not None and st.kafka.version.startswith(("4.0.", "3.9."))
    assert st.elasticsearch.version is not None and st.elasticsearch.version.startswith("8.19.")
