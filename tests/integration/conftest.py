"""Fixtures of the reporter's integration tests: Elasticsearch with kansa's templates, and a fresh tenant."""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest
from elasticsearch import Elasticsearch

from kansa_schemas.indices import index_templates
from tests.conftest import Stack


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
    names = list(es.indices.get(index=f"kansa-*-{code}-*,kansa-reports-{code}", allow_no_indices=True,
                                ignore_unavailable=True).body)
    if names:
        es.indices.delete(index=names)
