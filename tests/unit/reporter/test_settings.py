from __future__ import annotations

import pytest

from kansa_reporter.settings import Settings


def test_url_from_nested_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KANSA_ELASTICSEARCH__URL", "http://es.example:9200")
    assert Settings().elasticsearch.url == "http://es.example:9200"


def test_default_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KANSA_ELASTICSEARCH__URL", raising=False)
    assert Settings().elasticsearch.url == "http://127.0.0.1:9200"
