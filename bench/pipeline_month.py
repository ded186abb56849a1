"""End-to-end throughput on the local stack: a simulated month through HTTP ingest, the faust detector and the
indexer. Prints events/s for ingest alone and for the whole pipeline to settle."""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from elasticsearch import Elasticsearch

from kansa_cli import stack
from kansa_cli.demo import delete_tenant_indices, indexed_event_count
from kansa_cli.pipeline import PipelineConfig, Services, post_file, wait_until_settled
from kansa_ingest.simulator.run import simulate, write

TENANT = "131016"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=50_000)
    args = parser.parse_args()
    endpoints = stack.up()
    work = Path(tempfile.mkdtemp(prefix="kansa-bench-"))
    paths = write(simulate(TENANT, "2026-10", 5, events=args.events), work / "sim")
    (work / "reference").mkdir()
    shutil.copy(paths["reference"], work / "reference" / f"{TENANT}.json")
    es = Elasticsearch(endpoints.elasticsearch_url, request_timeout=60)
    delete_tenant_indices(es, TENANT)
    config = PipelineConfig(namespace=f"bench-{int(time.time())}", reference_dir=work / "reference",
                            tenant=TENANT, token="bench-token", ingest_port=18088, detector_metrics_port=19464,
                            indexer_metrics_port=19465)
    services = Services(config, work / "logs")
    try:
        for name in ("ingest", "detector", "indexer"):
            services.start(name)
        services.wait_for_ingest()
        started = time.perf_counter()
        posted = post_file(config, paths["events"])
        ingest_s = time.perf_counter() - started
        wait_until_settled(services, timeout=3600)
        total_s = time.perf_counter() - started
    finally:
        services.stop_all()
    indexed = indexed_event_count(es, TENANT)
    print(f"events: {posted.accepted} accepted, {indexed} indexed")
    print(f"ingest (HTTP, validate, mask, Kafka acks=all): {posted.accepted / ingest_s:,.0f} events/s")
    print(f"whole pipeline until settled (detector + indexer): {posted.accepted / total_s:,.0f} events/s "
          f"({total_s:.0f} s)")
    shutil.rmtree(work)


if __name__ == "__main__":
    main()
