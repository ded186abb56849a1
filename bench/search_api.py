"""Investigation API latency over a month of N events (default 1 million), through HTTP as an officer uses it.

The month is bulk-indexed like `report_month.py` (same tenant, so `--reuse` skips loading when that bench, or an
earlier run, left it there). The API runs in this process on a free port with its audit records going to a private
Kafka topic. Prints, per query, the first page's latency, and the time to page through a large result set, to count
per day and per actor, and to build a resident's history.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from elasticsearch import Elasticsearch, helpers

from bench.report_month import TENANT, _actions
from kansa_cli import stack
from kansa_cli.demo import delete_tenant_indices
from kansa_ingest.simulator.run import simulate
from kansa_investigate.app import create_app
from kansa_investigate.audit import KafkaAuditSink
from kansa_investigate.settings import ApiSettings, ElasticsearchSettings, InvestigateSettings, KafkaSettings
from kansa_investigate.tokens import Role, issue
from kansa_schemas import topics
from kansa_schemas.indices import events_pattern, index_templates
from tests.conftest import free_port


def _load(es: Elasticsearch, events: int, reuse: bool) -> int:
    present = int(es.count(index=events_pattern(TENANT), ignore_unavailable=True, allow_no_indices=True)["count"])
    if reuse and present >= events * 0.9:
        print(f"reusing {present:,} indexed events of tenant {TENANT}")
        return present
    delete_tenant_indices(es, TENANT)
    started = time.perf_counter()
    month = simulate(TENANT, "2026-10", 1, events=events)
    indexed, _ = helpers.bulk(es.options(request_timeout=300), _actions(month.events), chunk_size=5000)
    es.indices.refresh(index=events_pattern(TENANT))
    print(f"simulated and bulk-indexed {indexed:,} events in {time.perf_counter() - started:.0f} s")
    return indexed


def _timed(client: httpx.Client, path: str, body: dict[str, Any], repeat: int = 5) -> tuple[float, Any]:
    """Median seconds of `repeat` calls, and the last answer."""
    seconds = []
    answer: Any = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.post(path, json=body)
        seconds.append(time.perf_counter() - t0)
        response.raise_for_status()
        answer = response.json() if "json" in response.headers.get("content-type", "") else response.content
    return statistics.median(seconds), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the tenant's events if already indexed")
    args = parser.parse_args()
    endpoints = stack.up()
    es = Elasticsearch(endpoints.elasticsearch_url, request_timeout=300)
    for name, body in index_templates(0).items():
        es.indices.put_index_template(name=name, **body)
    total = _load(es, args.events, args.reuse)

    audit_topic = f"bench.search.{uuid.uuid4().hex[:8]}.audit"
    topics.ensure_topics(endpoints.kafka_bootstrap, [audit_topic], partitions=1, replication_factor=1)
    settings = InvestigateSettings(
        tokens_file=Path(tempfile.mkdtemp(prefix="kansa-bench-api-")) / "tokens.yaml",
        kafka=KafkaSettings(bootstrap=endpoints.kafka_bootstrap, events_topic=audit_topic),
        elasticsearch=ElasticsearchSettings(url=endpoints.elasticsearch_url),
        investigate=ApiSettings(port=free_port(), max_history_rows=100_000))
    token = issue(settings.tokens_file, "bench-officer", Role.OFFICER, (TENANT,))
    audit = KafkaAuditSink(settings.kafka.bootstrap, audit_topic, settings.kafka.audit_send_timeout_s)
    server = uvicorn.Server(uvicorn.Config(create_app(settings, es, audit), host="127.0.0.1",
                                           port=settings.investigate.port, access_log=False, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)

    root = f"/v1/tenants/{TENANT}"
    with httpx.Client(base_url=f"http://127.0.0.1:{settings.investigate.port}", timeout=300,
                      headers={"Authorization": f"Bearer {token}"}) as client:
        busiest = client.post(f"{root}/events/counts", json={"by": "actor", "action": "mynumber.search"}).json()
        actor = busiest["buckets"][0]["key"]
        resident = client.post(f"{root}/events/search", json={"action": "record.view", "size": 1}).json()
        subject = resident["hits"][0]["subject_ref"]
        print(f"{total:,} events; each query below is the median of 5 calls, audit record included")
        for label, body in (
            ("all events, first page of 50", {}),
            ("one staff member", {"actor": actor}),
            ("one resident (token)", {"subject_ref": subject}),
            ("exports in one week", {"family": "export_media", "from": "2026-10-05T00:00:00+09:00",
                                     "to": "2026-10-12T00:00:00+09:00"}),
            ("free text", {"text": "統計"}),
        ):
            seconds, page = _timed(client, f"{root}/events/search", {**body, "size": 50})
            print(f"  search {label:<32} {seconds * 1000:7.0f} ms  ({page['total']:,} hits)")
        for by in ("day", "actor"):
            seconds, counts = _timed(client, f"{root}/events/counts", {"by": by})
            print(f"  {'counts per ' + by:<39} {seconds * 1000:7.0f} ms  ({len(counts['buckets'])} buckets)")
        seconds, history = _timed(client, f"{root}/subjects/history", {"subject_ref": subject})
        label = "a resident's history (json)"
        print(f"  {label:<39} {seconds * 1000:7.0f} ms  ({len(history['rows'])} rows)")
        seconds, _ = _timed(client, f"{root}/subjects/history?format=pdf", {"subject_ref": subject}, repeat=3)
        label = "a resident's history (pdf)"
        print(f"  {label:<39} {seconds * 1000:7.0f} ms")

        body: dict[str, Any] = {"action": "mynumber.search", "size": 1000}
        t0 = time.perf_counter()
        pages = hits = 0
        while True:
            page = client.post(f"{root}/events/search", json=body).raise_for_status().json()
            pages, hits = pages + 1, hits + len(page["hits"])
            if page["next_cursor"] is None:
                break
            body["cursor"] = page["next_cursor"]
        elapsed = time.perf_counter() - t0
        print(f"  paged through {hits:,} hits in {pages} pages of 1,000: {elapsed:.1f} s "
              f"({hits / elapsed:,.0f} hits/s, {1000 * elapsed / pages:.0f} ms a page)")
    server.should_exit = True
    thread.join(timeout=10)
    audit.close()
    es.close()


if __name__ == "__main__":
    main()
