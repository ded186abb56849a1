"""Time to build the monthly report (Elasticsearch queries, HTML, PDF) for a month of N events (default 1 million).

The simulated month is bulk-indexed straight into Elasticsearch with the indexer's own document shape (the bench
measures the reporter, not the pipeline), then the report is built twice: the first run includes Elasticsearch's
cold caches. Prints the seconds per stage.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from elasticsearch import Elasticsearch, helpers

from kansa_cli import stack
from kansa_cli.demo import delete_tenant_indices
from kansa_ingest.simulator.run import simulate
from kansa_reporter.es_queries import monthly_data
from kansa_reporter.period import Month
from kansa_reporter.report.render import write_monthly
from kansa_schemas.events import ACTION_FAMILIES, parse_event
from kansa_schemas.indices import event_document, events_index, index_templates

TENANT = "262013"


def _actions(events: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    for raw in events:
        event = parse_event(raw)
        yield {"_index": events_index(TENANT, event.occurred_at), "_id": event.event_id,
               "_source": event_document(event.model_dump(mode="json"), ACTION_FAMILIES[event.action])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    args = parser.parse_args()
    endpoints = stack.up()
    es = Elasticsearch(endpoints.elasticsearch_url, request_timeout=300)
    for name, body in index_templates(0).items():
        es.indices.put_index_template(name=name, **body)
    delete_tenant_indices(es, TENANT)

    started = time.perf_counter()
    month = simulate(TENANT, "2026-10", 1, events=args.events)
    simulated = time.perf_counter()
    indexed, _ = helpers.bulk(es.options(request_timeout=300), _actions(month.events), chunk_size=5000)
    es.indices.refresh(index=f"kansa-events-{TENANT}-*")
    loaded = time.perf_counter()
    print(f"simulated {len(month.events):,} events in {simulated - started:.0f} s; "
          f"bulk-indexed {indexed:,} in {loaded - simulated:.0f} s")

    out = Path(tempfile.mkdtemp(prefix="kansa-bench-report-"))
    for run in ("cold", "warm"):
        t0 = time.perf_counter()
        data = monthly_data(es, TENANT, Month.parse("2026-10"))
        t1 = time.perf_counter()
        write_monthly(data, out, formats=("html",))
        t2 = time.perf_counter()
        write_monthly(data, out, formats=("pdf",))
        t3 = time.perf_counter()
        print(f"{run}: queries {t1 - t0:.1f} s, HTML {t2 - t1:.1f} s, PDF {t3 - t2:.1f} s, total {t3 - t0:.1f} s "
              f"({data.events.total:,} events examined, {len(data.ledger.rows)} exports in the ledger)")
    delete_tenant_indices(es, TENANT)
    es.close()


if __name__ == "__main__":
    main()
