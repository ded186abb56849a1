"""Events and alerts bulk-indexed straight into a tenant's indices in the indexer's shape (doc id = event or alert
id, one index per tenant and JST month), for tests of what reads them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from elasticsearch import Elasticsearch, helpers

from kansa_schemas.alert import Alert
from kansa_schemas.events import ACTION_FAMILIES, Event
from kansa_schemas.indices import alert_document, alerts_index, event_document, events_index


def index_events(es: Elasticsearch, events: Iterable[Event]) -> None:
    _bulk(es, ({"_index": events_index(e.tenant, e.occurred_at), "_id": e.event_id,
                "_source": event_document(e.model_dump(mode="json"), ACTION_FAMILIES[e.action])} for e in events))


def index_alerts(es: Elasticsearch, alerts: Iterable[Alert], detected_at: str | None = None) -> None:
    """`detected_at`: when the indexer saw them; default each alert's own time."""
    _bulk(es, ({"_index": alerts_index(a.tenant, a.occurred_at), "_id": a.alert_id,
                "_source": alert_document(a.model_dump(mode="json"), detected_at or a.occurred_at.isoformat())}
               for a in alerts))


def _bulk(es: Elasticsearch, actions: Iterable[dict[str, Any]]) -> None:
    """Index, then refresh what was written, so the next search sees it."""
    written: set[str] = set()

    def noted() -> Iterable[dict[str, Any]]:
        for action in actions:
            written.add(action["_index"])
            yield action

    helpers.bulk(es.options(request_timeout=120), noted(), chunk_size=5000)
    if written:
        es.indices.refresh(index=",".join(sorted(written)))
