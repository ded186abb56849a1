"""Fixtures of the integration tests: Elasticsearch with kansa's templates, a fresh tenant, and the investigation
API served on a free port over the real Elasticsearch and Kafka."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from elasticsearch import Elasticsearch

from kansa_investigate.app import create_app
from kansa_investigate.audit import KafkaAuditSink
from kansa_investigate.settings import ApiSettings, ElasticsearchSettings, InvestigateSettings, KafkaSettings
from kansa_investigate.tokens import Role, issue
from kansa_schemas import topics as kansa_topics
from kansa_schemas.indices import index_templates
from tests.conftest import Stack, free_port


@pytest.fixture
def es(stack: Stack) -> Elasticsearch:
    for name, body in index_templates(0).items():
        stack.es.indices.put_index_template(name=name, **body)
    return stack.es


@pytest.fixture
def tenant(es: Elasticsearch) -> Iterator[str]:
    """A tenant code no other test uses, and its indices deleted afterwards."""
    while True:
        code = f"{secrets.randbelow(900_000) + 100_000}"
        if not es.indices.exists(index=f"kansa-*-{code}-*", allow_no_indices=False, ignore_unavailable=True):
            break
    yield code
    # The cluster refuses wildcard deletes (destructive_requires_name), so resolve the names first.
    names = list(es.indices.get(index=f"kansa-*-{code}-*,kansa-reports-{code},kansa-triage-{code}",
                                allow_no_indices=True,
                                ignore_unavailable=True).body)
    if names:
        es.indices.delete(index=names)


@dataclass(frozen=True)
class ApiServer:
    """The investigation API on 127.0.0.1:`port`; its audit events go to `audit_topic` (private to the session)."""

    base_url: str
    audit_topic: str
    settings: InvestigateSettings

    def token(self, role: str, *tenants: str, user: str = "officer01") -> str:
        return issue(self.settings.tokens_file, user, Role(role), tenants)


@pytest.fixture(scope="session")
def api_server(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    import uvicorn

    audit_topic = stack.topic("api-audit")
    kansa_topics.ensure_topics(stack.kafka_bootstrap, [audit_topic], partitions=1, replication_factor=1)
    for name, body in index_templates(0).items():
        stack.es.indices.put_index_template(name=name, **body)
    settings = InvestigateSettings(
        tokens_file=Path(tmp_path_factory.mktemp("api")) / "tokens.yaml",
        kafka=KafkaSettings(bootstrap=stack.kafka_bootstrap, events_topic=audit_topic),
        elasticsearch=ElasticsearchSettings(url=stack.elasticsearch_url),
        investigate=ApiSettings(port=free_port(), page_keep_alive="2m"))
    audit = KafkaAuditSink(settings.kafka.bootstrap, audit_topic, settings.kafka.audit_send_timeout_s)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, stack.es, audit), host="127.0.0.1",
                                           port=settings.investigate.port, access_log=False, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the investigation API did not start")
        time.sleep(0.05)
    yield ApiServer(f"http://127.0.0.1:{settings.investigate.port}", audit_topic, settings)
    server.should_exit = True
    thread.join(timeout=10)
    audit.close()
