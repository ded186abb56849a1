"""Errors the API answers before it ever reaches Elasticsearch: a clear status and message, never a 500."""

from __future__ import annotations

from pathlib import Path

from elasticsearch import Elasticsearch
from fastapi.testclient import TestClient

from kansa_investigate.app import create_app
from kansa_investigate.settings import InvestigateSettings
from kansa_investigate.tokens import Role, issue
from kansa_schemas.events.audit import AuditEvent


class _Recorded:
    def __init__(self) -> None:
        self.events: list[AuditEvent] = []

    def record(self, event: AuditEvent) -> None:
        self.events.append(event)


def test_a_production_tenant_without_a_tokenisation_key_gets_503_naming_the_setting(tmp_path: Path) -> None:
    settings = InvestigateSettings(environment="prod", tokens_file=tmp_path / "tokens.yaml", tenant_keys={})
    token = issue(settings.tokens_file, "officer01", Role.OFFICER, ("141003",))
    audit = _Recorded()
    # Nothing listens on port 9: the request must be answered before any search.
    client = TestClient(create_app(settings, Elasticsearch("http://127.0.0.1:9"), audit))
    answer = client.post("/v1/tenants/141003/events/search", json={"actor": "u-01"},
                         headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 503
    assert "KANSA_TENANT_KEYS__141003" in answer.json()["error"]["message"]
    assert audit.events == []  # nothing was searched, so nothing is claimed
